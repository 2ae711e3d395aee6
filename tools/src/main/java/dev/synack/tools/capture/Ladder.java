package dev.synack.tools.capture;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.ip.Ipv4Address;
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
    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int PSH = 0x08;
    private static final int ACK = 0x10;
    private static final int URG = 0x20;

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
            final Segment segment = Segment.parse(frame);
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

    private Stream stream(final Segment seg)
    {
        final String a = seg.source();
        final String b = seg.destination();
        final String key = seg.stack + " " + (a.compareTo(b) < 0 ? a + " " + b : b + " " + a);
        Stream stream = open.get(key);
        if (stream != null && (seg.flags & (SYN | ACK)) == SYN && stream.isNewConnection(seg))
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

    /** One end of a connection, as the segments show it. */
    private static final class End
    {
        final String address;
        String state;
        boolean isnKnown;
        int isn;
        int windowScale = -1;
        boolean finSent;
        int finSeq;

        End(final String address, final String state)
        {
            this.address = address;
            this.state = state;
        }
    }

    /** One connection: its two ends and its rows. */
    private static final class Stream
    {
        final String stack;
        final End left;
        final End right;
        final long startNs;
        final boolean startedWithSyn;
        final List<String[]> rows = new ArrayList<>();
        int segments;

        Stream(final Segment first)
        {
            stack = first.stack;
            startedWithSyn = (first.flags & (SYN | ACK)) == SYN;
            left = new End(first.source(), startedWithSyn ? "CLOSED" : "ESTABLISHED");
            right = new End(first.destination(), startedWithSyn ? "LISTEN" : "ESTABLISHED");
            startNs = first.timeNs;
        }

        boolean isNewConnection(final Segment syn)
        {
            final End from = syn.source().equals(left.address) ? left : right;
            final boolean over = (left.state.equals("CLOSED") || left.state.equals("TIME-WAIT"))
                && (right.state.equals("CLOSED") || right.state.equals("TIME-WAIT")) && segments > 0;
            return over || (from.isnKnown && from.isn != syn.seq);
        }

        void add(final Segment seg)
        {
            segments++;
            final boolean fromLeft = seg.source().equals(left.address);
            final End from = fromLeft ? left : right;
            final End to = fromLeft ? right : left;
            final String fromBefore = from.state;
            final String toBefore = to.state;
            if ((seg.flags & SYN) != 0)
            {
                from.isnKnown = true;
                from.isn = seg.seq;
                from.windowScale = seg.windowScale;
            }
            else if (!from.isnKnown)
            {
                // capture began mid-connection: the first sequence number seen stands in for the ISN
                from.isnKnown = true;
                from.isn = seg.seq - 1;
            }
            onSend(from, seg);
            onReceive(to, seg);
            final StringBuilder label = new StringBuilder(flags(seg.flags));
            label.append(" seq=").append(Integer.toUnsignedString(seg.seq - from.isn));
            if ((seg.flags & ACK) != 0)
            {
                label.append(" ack=").append(to.isnKnown ? Integer.toUnsignedString(seg.ack - to.isn)
                    : Integer.toUnsignedString(seg.ack));
            }
            final boolean scaled = (seg.flags & SYN) == 0 && left.windowScale >= 0 && right.windowScale >= 0;
            label.append(" win=").append(scaled ? (long)seg.window << from.windowScale : seg.window);
            label.append(" len=").append(seg.payloadLength);
            if (seg.mss > 0)
            {
                label.append(" mss=").append(seg.mss);
            }
            if (seg.windowScale >= 0)
            {
                label.append(" ws=").append(seg.windowScale);
            }
            final String leftState = fromLeft ? change(fromBefore, from.state) : change(toBefore, to.state);
            final String rightState = fromLeft ? change(toBefore, to.state) : change(fromBefore, from.state);
            rows.add(new String[] {String.format("%.3f", (seg.timeNs - startNs) / 1e6), leftState,
                fromLeft ? ">" : "<", label.toString(), rightState});
        }

        private static String change(final String before, final String after)
        {
            return before.equals(after) ? "" : after;
        }

        /** RFC 9293 §3.3.2: what sending this segment moves its sender to. */
        private static void onSend(final End from, final Segment seg)
        {
            if ((seg.flags & RST) != 0)
            {
                from.state = "CLOSED";
                return;
            }
            if ((seg.flags & (SYN | ACK)) == SYN && (from.state.equals("CLOSED") || from.state.equals("LISTEN")))
            {
                from.state = "SYN-SENT";
            }
            else if ((seg.flags & (SYN | ACK)) == (SYN | ACK)
                && (from.state.equals("LISTEN") || from.state.equals("SYN-SENT")))
            {
                from.state = "SYN-RECEIVED";
            }
            if ((seg.flags & FIN) != 0 && !from.finSent)
            {
                from.finSent = true;
                from.finSeq = seg.seq + seg.payloadLength + ((seg.flags & SYN) != 0 ? 1 : 0);
                if (from.state.equals("ESTABLISHED") || from.state.equals("SYN-RECEIVED"))
                {
                    from.state = "FIN-WAIT-1";
                }
                else if (from.state.equals("CLOSE-WAIT"))
                {
                    from.state = "LAST-ACK";
                }
            }
        }

        /** RFC 9293 §3.10.7: what receiving this segment moves its receiver to. */
        private static void onReceive(final End to, final Segment seg)
        {
            if ((seg.flags & RST) != 0)
            {
                to.state = to.state.equals("TIME-WAIT") ? to.state : "CLOSED";
                return;
            }
            if ((seg.flags & (SYN | ACK)) == SYN)
            {
                if (to.state.equals("LISTEN") || to.state.equals("SYN-SENT"))
                {
                    to.state = "SYN-RECEIVED"; // §3.10.7.2 (LISTEN), §3.10.7.3 simultaneous open (SYN-SENT)
                }
                return;
            }
            final boolean acksOurSyn = (seg.flags & ACK) != 0 && to.isnKnown && seg.ack == to.isn + 1;
            if ((seg.flags & SYN) != 0 && to.state.equals("SYN-SENT") && acksOurSyn)
            {
                to.state = "ESTABLISHED"; // §3.10.7.3: our SYN acknowledged
            }
            else if (to.state.equals("SYN-RECEIVED") && (seg.flags & ACK) != 0 && acksOurSyn)
            {
                to.state = "ESTABLISHED"; // §3.10.7.4: SYN-RECEIVED, acceptable ACK
            }
            final boolean acksOurFin = (seg.flags & ACK) != 0 && to.finSent && seg.ack == to.finSeq + 1;
            if (acksOurFin)
            {
                switch (to.state)
                {
                    case "FIN-WAIT-1" -> to.state = "FIN-WAIT-2";
                    case "CLOSING" -> to.state = "TIME-WAIT";
                    case "LAST-ACK" -> to.state = "CLOSED";
                    default ->
                    {
                        // FIN already acknowledged, or a duplicate: no change
                    }
                }
            }
            if ((seg.flags & FIN) != 0)
            {
                switch (to.state)
                {
                    case "SYN-RECEIVED", "ESTABLISHED" -> to.state = "CLOSE-WAIT";
                    case "FIN-WAIT-1" -> to.state = "CLOSING";
                    case "FIN-WAIT-2" -> to.state = "TIME-WAIT";
                    default ->
                    {
                        // a retransmitted FIN: TIME-WAIT restarts its 2MSL, the state stays
                    }
                }
            }
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

    private static String flags(final int flags)
    {
        final StringBuilder s = new StringBuilder();
        final int[] bits = {SYN, FIN, RST, PSH, ACK, URG};
        final String[] names = {"SYN", "FIN", "RST", "PSH", "ACK", "URG"};
        for (int i = 0; i < bits.length; i++)
        {
            if ((flags & bits[i]) != 0)
            {
                s.append(s.length() == 0 ? "" : ",").append(names[i]);
            }
        }
        return s.length() == 0 ? "<none>" : s.toString();
    }

    /** The fields of one TCP/IPv4 segment in an Ethernet frame (RFC 791, RFC 9293 §3.1). */
    private static final class Segment
    {
        String stack;
        long timeNs;
        int sourceIp;
        int sourcePort;
        int destinationIp;
        int destinationPort;
        int seq;
        int ack;
        int flags;
        int window;
        int payloadLength;
        int mss;
        int windowScale = -1;

        String source()
        {
            return Ipv4Address.toString(sourceIp) + ":" + sourcePort;
        }

        String destination()
        {
            return Ipv4Address.toString(destinationIp) + ":" + destinationPort;
        }

        /** @return the segment, or null when the frame is not a whole TCP/IPv4 segment. */
        static Segment parse(final CapturedFrame frame)
        {
            final ByteBuffer b = ByteBuffer.wrap(frame.bytes()).order(ByteOrder.BIG_ENDIAN);
            final int n = frame.bytes().length;
            if (n < 14 + 20 || (b.getShort(12) & 0xFFFF) != 0x0800 || (b.get(14) & 0xF0) != 0x40)
            {
                return null;
            }
            final int ihl = (b.get(14) & 0x0F) * 4;
            final int total = b.getShort(16) & 0xFFFF;
            if (b.get(23) != 6 || ihl < 20 || total < ihl + 20 || 14 + total > n
                || (b.getShort(20) & 0x3FFF) != 0)
            {
                return null; // not TCP, truncated, or a fragment
            }
            final int l4 = 14 + ihl;
            final int dataOffset = ((b.get(l4 + 12) & 0xF0) >>> 4) * 4;
            if (dataOffset < 20 || ihl + dataOffset > total)
            {
                return null;
            }
            final Segment s = new Segment();
            s.stack = frame.stack();
            s.timeNs = frame.timeNs();
            s.sourceIp = b.getInt(26);
            s.destinationIp = b.getInt(30);
            s.sourcePort = b.getShort(l4) & 0xFFFF;
            s.destinationPort = b.getShort(l4 + 2) & 0xFFFF;
            s.seq = b.getInt(l4 + 4);
            s.ack = b.getInt(l4 + 8);
            s.flags = b.get(l4 + 13) & 0x3F;
            s.window = b.getShort(l4 + 14) & 0xFFFF;
            s.payloadLength = total - ihl - dataOffset;
            for (int o = l4 + 20, end = l4 + dataOffset; o < end;)
            {
                final int kind = b.get(o) & 0xFF;
                if (kind == 0)
                {
                    break;
                }
                if (kind == 1)
                {
                    o++;
                    continue;
                }
                if (o + 1 >= end || (b.get(o + 1) & 0xFF) < 2 || o + (b.get(o + 1) & 0xFF) > end)
                {
                    break;
                }
                final int length = b.get(o + 1) & 0xFF;
                if (kind == 2 && length == 4 && (s.flags & SYN) != 0)
                {
                    s.mss = b.getShort(o + 2) & 0xFFFF;
                }
                else if (kind == 3 && length == 3 && (s.flags & SYN) != 0)
                {
                    s.windowScale = Math.min(14, b.get(o + 2) & 0xFF);
                }
                o += length;
            }
            return s;
        }
    }
}
