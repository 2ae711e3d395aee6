package dev.synack.tools;

import java.io.PrintStream;
import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

import dev.synack.ip.Ipv4Address;
import dev.synack.wire.MacAddress;

/**
 * Prints one line per frame for the demo's first steps: ARP, ICMP echo, TCP flags and lengths. Reads the
 * bytes directly (offsets from RFC 826, RFC 791, RFC 792, RFC 9293); it is a reader for humans, not a codec,
 * and runs only while the demo is narrating, never during measurements.
 * <p>
 * Not thread-safe: called on the thread that drives the stacks.
 */
public final class FramePrinter
{
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;

    private final PrintStream out;
    private boolean enabled;
    private int count;

    /**
     * @param out where lines go.
     */
    public FramePrinter(final PrintStream out)
    {
        this.out = out;
    }

    /**
     * @param enabled whether frames are printed.
     */
    public void enabled(final boolean enabled)
    {
        this.enabled = enabled;
    }

    /**
     * @param fromA the direction.
     * @param buffer the frame's buffer.
     * @param offset where it starts.
     * @param length its length.
     */
    public void frame(final boolean fromA, final DirectBuffer buffer, final int offset, final int length)
    {
        if (enabled)
        {
            out.printf("  %3d  %s  %s%n", ++count, fromA ? "A → B" : "B → A", describe(buffer, offset, length));
        }
    }

    /**
     * @param b the frame's buffer.
     * @param o where it starts.
     * @param length its length.
     * @return one line saying what the frame is.
     */
    public static String describe(final DirectBuffer b, final int o, final int length)
    {
        if (length < 14)
        {
            return "runt frame, " + length + " bytes";
        }
        final int type = b.getShort(o + 12, NET) & 0xFFFF;
        if (type == 0x0806 && length >= 42)
        {
            final int op = b.getShort(o + 20, NET) & 0xFFFF;
            final String senderMac = MacAddress.toString(MacAddress.read(b, o + 22));
            final String senderIp = Ipv4Address.toString(b.getInt(o + 28, NET));
            final String targetIp = Ipv4Address.toString(b.getInt(o + 38, NET));
            return op == 1 ? "ARP who-has " + targetIp + " tell " + senderIp + " (" + senderMac + "), broadcast"
                : "ARP reply " + senderIp + " is-at " + senderMac;
        }
        if (type != 0x0800 || length < 34)
        {
            return String.format("EtherType 0x%04x, %d bytes", type, length);
        }
        final int ihl = (b.getByte(o + 14) & 0x0F) * 4;
        final int total = b.getShort(o + 16, NET) & 0xFFFF;
        final int protocol = b.getByte(o + 23) & 0xFF;
        final String src = Ipv4Address.toString(b.getInt(o + 26, NET));
        final String dst = Ipv4Address.toString(b.getInt(o + 30, NET));
        final int l4 = o + 14 + ihl;
        if (protocol == 1 && total >= ihl + 8)
        {
            final int icmpType = b.getByte(l4) & 0xFF;
            final String what = icmpType == 8 ? "echo request" : icmpType == 0 ? "echo reply" : "type " + icmpType;
            return String.format("ICMP %s %s → %s id=%d seq=%d, %d data bytes", what, src, dst,
                b.getShort(l4 + 4, NET) & 0xFFFF, b.getShort(l4 + 6, NET) & 0xFFFF, total - ihl - 8);
        }
        if (protocol == 6 && total >= ihl + 20)
        {
            final int dataOffset = ((b.getByte(l4 + 12) & 0xFF) >>> 4) * 4;
            final int flags = b.getByte(l4 + 13) & 0x3F;
            return String.format("TCP %s:%d → %s:%d [%s] seq=%s ack=%s win=%d len=%d", src,
                b.getShort(l4, NET) & 0xFFFF, dst, b.getShort(l4 + 2, NET) & 0xFFFF, flags(flags),
                Integer.toUnsignedString(b.getInt(l4 + 4, NET)), Integer.toUnsignedString(b.getInt(l4 + 8, NET)),
                b.getShort(l4 + 14, NET) & 0xFFFF, total - ihl - dataOffset);
        }
        return "IPv4 protocol " + protocol + " " + src + " → " + dst;
    }

    private static String flags(final int flags)
    {
        final StringBuilder s = new StringBuilder();
        final String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG"};
        for (int i = 0; i < names.length; i++)
        {
            if ((flags & (1 << i)) != 0)
            {
                s.append(s.length() == 0 ? "" : ",").append(names[i]);
            }
        }
        return s.toString();
    }
}
