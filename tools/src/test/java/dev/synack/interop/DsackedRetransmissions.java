package dev.synack.interop;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The retransmissions in a capture that the receiver later reported whole as duplicates (RFC 2883 D-SACK): it had
 * the original, so the sender's timer fired on a late ACK, not on a lost segment. Read with tshark, on absolute
 * sequence numbers; a retransmission is excused only by a D-SACK from the other end of the same stream, sent after
 * it, whose block covers every byte it carried.
 */
final class DsackedRetransmissions
{
    private final TreeMap<Integer, String> excused = new TreeMap<>();

    private DsackedRetransmissions()
    {
    }

    static DsackedRetransmissions read(final Path capture)
    {
        final List<String[]> retransmissions = fields(capture, "tcp.analysis.retransmission && tcp.len > 0",
            "tcp.seq", "tcp.len");
        final List<String[]> dsacks = fields(capture, "tcp.options.sack.dsack",
            "tcp.options.sack.dsack_le", "tcp.options.sack.dsack_re");
        final DsackedRetransmissions found = new DsackedRetransmissions();
        for (final String[] r : retransmissions)
        {
            final int frame = Integer.parseInt(r[0]);
            final int seq = (int)Long.parseLong(r[3]);
            final int end = seq + Integer.parseInt(r[4]);
            for (final String[] d : dsacks)
            {
                final int left = (int)Long.parseLong(d[3].split(",")[0]);
                final int right = (int)Long.parseLong(d[4].split(",")[0]);
                if (Integer.parseInt(d[0]) > frame && d[1].equals(r[1]) && !d[2].equals(r[2])
                    && left - seq <= 0 && end - right <= 0)
                {
                    found.excused.put(frame, "frame " + frame + ": stream " + r[1] + " from " + r[2] + ", seq " +
                        Integer.toUnsignedString(seq) + " len " + r[4] + ", D-SACKed in frame " + d[0]);
                    break;
                }
            }
        }
        return found;
    }

    boolean excused(final int frame)
    {
        return excused.containsKey(frame);
    }

    int count()
    {
        return excused.size();
    }

    String describe()
    {
        return String.join("\n", excused.values());
    }

    /** frame.number, tcp.stream, ip.src and the two named fields of every frame the filter selects. */
    private static List<String[]> fields(final Path capture, final String filter, final String a, final String b)
    {
        final Lab.Result r = Lab.exec(List.of("tshark", "-n", "-r", capture.toString(),
            "-o", "tcp.relative_sequence_numbers:FALSE", "-Y", filter, "-T", "fields",
            "-e", "frame.number", "-e", "tcp.stream", "-e", "ip.src", "-e", a, "-e", b), 120);
        assertEquals(0, r.exitCode(), "tshark -Y " + filter + ": " + r.output());
        final List<String[]> rows = new ArrayList<>();
        for (final String line : r.output().split("\n"))
        {
            final String[] f = line.trim().split("\t");
            if (f.length == 5 && !f[0].isEmpty() && Character.isDigit(f[0].charAt(0)))
            {
                rows.add(f);
            }
        }
        return rows;
    }
}
