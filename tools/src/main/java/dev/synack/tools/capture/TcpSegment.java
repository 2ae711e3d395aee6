package dev.synack.tools.capture;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.synack.ip.Ipv4Address;

/**
 * The fields of one TCP/IPv4 segment in a captured Ethernet frame (RFC 791, RFC 9293 §3.1), as the ladders
 * (text and SVG) need them. Parsed leniently: a frame that is not a whole TCP/IPv4 segment is simply not one.
 */
final class TcpSegment
{
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;
    static final int URG = 0x20;

    CapturedFrame frame;
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

    /** @return the 4-tuple with its two ends in a fixed order, the same for both directions. */
    String tupleKey()
    {
        final String a = source();
        final String b = destination();
        return a.compareTo(b) < 0 ? a + " " + b : b + " " + a;
    }

    /** @return whether this is a connection request: SYN without ACK. */
    boolean isSyn()
    {
        return (flags & (SYN | ACK)) == SYN;
    }

    /** @return how much sequence space it occupies: its payload, plus one each for SYN and FIN. */
    int sequenceLength()
    {
        return payloadLength + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
    }

    /**
     * @param from its sender, whose ISN makes seq relative.
     * @param to its receiver, whose ISN makes ack relative.
     * @return "FLAGS seq=S ack=A win=W len=L [mss=M] [ws=S]", seq and ack relative to each end's ISN and the
     *     window scaled once both SYNs offered scaling (RFC 7323 §2.2).
     */
    String label(final TcpEnd from, final TcpEnd to)
    {
        final StringBuilder label = new StringBuilder(flagNames(flags));
        label.append(" seq=").append(Integer.toUnsignedString(seq - from.isn));
        if ((flags & ACK) != 0)
        {
            label.append(" ack=").append(to.isnKnown ? Integer.toUnsignedString(ack - to.isn)
                : Integer.toUnsignedString(ack));
        }
        final boolean scaled = (flags & SYN) == 0 && from.windowScale >= 0 && to.windowScale >= 0;
        label.append(" win=").append(scaled ? (long)window << from.windowScale : window);
        label.append(" len=").append(payloadLength);
        if (mss > 0)
        {
            label.append(" mss=").append(mss);
        }
        if (windowScale >= 0)
        {
            label.append(" ws=").append(windowScale);
        }
        return label.toString();
    }

    static String flagNames(final int flags)
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

    /** @return the segment, or null when the frame is not a whole TCP/IPv4 segment. */
    static TcpSegment parse(final CapturedFrame frame)
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
        final TcpSegment s = new TcpSegment();
        s.frame = frame;
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
