package dev.synack.tools.capture;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.tools.FramePrinter;

/**
 * Ladder diagrams, one per TCP connection seen in a capture, in the spirit of RFC 9293's figures (§3.5 figure
 * 6): the two ends' {@code address:port} as columns, one arrow per segment with its flags, seq/ack relative to
 * each side's ISN, window (scaled when both SYNs offered scaling), payload length and time since the
 * connection's first segment, and the TCP state each end enters where the segments show it (SYN-SENT,
 * SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT, CLOSED). The
 * left column is the end that sent the connection's first segment (the active opener when the SYN was
 * captured). Frames that are not TCP (ARP, ICMP) are listed as one-line events.
 * <p>
 * States are inferred from one capture point, assuming every segment seen arrived; they are a reading aid,
 * not the stacks' own record. Connections are keyed by the capturing stack and the 4-tuple; a new SYN on a
 * tuple whose connection is over (or with another ISN) starts a new connection. Not thread-safe; off the
 * stack thread.
 */
public final class Ladder
{
    private final List<Stream> streams = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final Map<String, Stream> open = new LinkedHashMap<>();
    private long firstTime = Long.MIN_VALUE;

    /**
     * @param frames a capture, in order.
     */
    public Ladder(final List<CapturedFrame> frames)
    {
        for (final CapturedFrame frame : frames)
        {
            if (firstTime == Long.MIN_VALUE)
            {
                firstTime = frame.timeNs();
            }
            final TcpSegment segment = TcpSegment.parse(frame);
            if (segment == null)
            {
                events.add(String.format("%12.3f ms  %-4s %s  %s", (frame.timeNs() - firstTime) / 1e6,
                    frame.stack().equals("pcap") ? "" : frame.outbound() ? "out" : "in", frame.stack(),
                    FramePrinter.describe(new UnsafeBuffer(frame.bytes()), 0, frame.bytes().length)));
                continue;
            }
            stream(segment).add(segment);
        }
    }

    /** @return how many TCP connections the capture holds. */
    public int streamCount()
    {
        return streams.size();
    }

    /** @return every connection's ladder, after the other frames' events. */
    public String render()
    {
        final StringBuilder s = new StringBuilder();
        if (!events.isEmpty())
        {
            s.append("other frames (time since the capture's first frame, direction, stack):\n");
            for (final String event : events)
            {
                s.append(event).append('\n');
            }
            s.append('\n');
        }
        for (int i = 0; i < streams.size(); i++)
        {
            if (i > 0)
            {
                s.append('\n');
            }
            s.append(render(i + 1));
        }
        if (streams.isEmpty())
        {
            s.append("no TCP segments in this capture\n");
        }
        return s.toString();
    }

    /**
     * @param number a connection, 1-based in order of first appearance.
     * @return its ladder.
     */
    public String render(final int number)
    {
        return streams.get(number - 1).render(number);
    }

    private Stream stream(final TcpSegment seg)
    {
        final String key = seg.frame.stack() + " " + seg.tupleKey();
        Stream stream = open.get(key);
        if (stream != null && seg.isSyn() && stream.isNewConnection(seg))
        {
            stream = null;
        }
        if (stream == null)
        {
            stream = new Stream(seg);
            streams.add(stream);
            open.put(key, stream);
        }
        return stream;
    }

    /** One connection: its two ends and its rows. */
    private static final class Stream
    {
        final String stack;
        final TcpEnd left;
        final TcpEnd right;
        final long startNs;
        final boolean startedWithSyn;
        final List<String[]> rows = new ArrayList<>();
        int segments;

        Stream(final TcpSegment first)
        {
            stack = first.frame.stack();
            startedWithSyn = first.isSyn();
            left = new TcpEnd(first.source(), startedWithSyn ? "CLOSED" : "ESTABLISHED");
            right = new TcpEnd(first.destination(), startedWithSyn ? "LISTEN" : "ESTABLISHED");
            startNs = first.frame.timeNs();
        }

        boolean isNewConnection(final TcpSegment syn)
        {
            final TcpEnd from = syn.source().equals(left.address) ? left : right;
            return (TcpEnd.over(left, right) && segments > 0) || (from.isnKnown && from.isn != syn.seq);
        }

        void add(final TcpSegment seg)
        {
            segments++;
            final boolean fromLeft = seg.source().equals(left.address);
            final TcpEnd from = fromLeft ? left : right;
            final TcpEnd to = fromLeft ? right : left;
            final String fromBefore = from.state;
            final String toBefore = to.state;
            from.send(seg);
            to.receive(seg);
            final String label = seg.label(from, to);
            final String leftState = fromLeft ? change(fromBefore, from.state) : change(toBefore, to.state);
            final String rightState = fromLeft ? change(toBefore, to.state) : change(fromBefore, from.state);
            rows.add(new String[] {String.format("%.3f", (seg.frame.timeNs() - startNs) / 1e6), leftState,
                fromLeft ? ">" : "<", label, rightState});
        }

        private static String change(final String before, final String after)
        {
            return before.equals(after) ? "" : after;
        }

        String render(final int number)
        {
            int width = 0;
            for (final String[] row : rows)
            {
                width = Math.max(width, row[3].length());
            }
            width += 6;
            final StringBuilder s = new StringBuilder();
            s.append(String.format("TCP connection %d (stack %s): %s ⇄ %s, %d segments%s\n", number, stack,
                left.address, right.address, segments, startedWithSyn ? "" : " (capture began mid-connection)"));
            final int leftWidth = Math.max("SYN-RECEIVED".length(), left.address.length()) + 1;
            final String format = "%10s  %-" + leftWidth + "s %-" + width + "s  %s";
            s.append(String.format(format, "ms", left.address, "", right.address).stripTrailing()).append('\n');
            s.append(String.format(format, "", startedWithSyn ? "CLOSED" : "ESTABLISHED", "",
                startedWithSyn ? "LISTEN" : "ESTABLISHED").stripTrailing()).append('\n');
            for (final String[] row : rows)
            {
                final String label = row[3];
                final String fill = "─".repeat(width - label.length() - 4);
                final String arrow = row[2].equals(">") ? "─ " + label + " " + fill + "►"
                    : "◄" + fill + " " + label + " ─";
                s.append(String.format(format, row[0], row[1], arrow, row[4]).stripTrailing()).append('\n');
            }
            return s.toString();
        }
    }
}
