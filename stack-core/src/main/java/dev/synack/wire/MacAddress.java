package dev.synack.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * MAC addresses as the low 48 bits of a {@code long}, so tables and handlers keep them in primitives.
 * Stateless helpers; the string forms are for configuration and tools, never the hot path.
 */
public final class MacAddress
{
    /** ff:ff:ff:ff:ff:ff. */
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** 00:00:00:00:00:00, also "unknown". */
    public static final long ZERO = 0L;

    private MacAddress()
    {
    }

    /**
     * @param buffer source.
     * @param offset first of six bytes, network order.
     * @return the address in the low 48 bits.
     */
    public static long read(final DirectBuffer buffer, final int offset)
    {
        return read(buffer.byteArray(), NetworkOrder.base(buffer, offset, 6));
    }

    /**
     * @param array the base object of a range checked with {@link NetworkOrder#base}.
     * @param address first of six bytes, network order.
     * @return the address in the low 48 bits.
     */
    public static long read(final byte[] array, final long address)
    {
        return ((NetworkOrder.i32(array, address) & 0xFFFF_FFFFL) << 16) | NetworkOrder.u16(array, address + 4);
    }

    /**
     * @param buffer destination.
     * @param offset first of six bytes, network order.
     * @param mac the address in the low 48 bits.
     */
    public static void write(final MutableDirectBuffer buffer, final int offset, final long mac)
    {
        write(buffer.byteArray(), NetworkOrder.base(buffer, offset, 6), mac);
    }

    /**
     * @param array the base object of a range checked with {@link NetworkOrder#base}.
     * @param address first of six bytes, network order.
     * @param mac the address in the low 48 bits.
     */
    public static void write(final byte[] array, final long address, final long mac)
    {
        NetworkOrder.put32(array, address, (int)(mac >>> 16));
        NetworkOrder.put16(array, address + 4, (int)mac);
    }

    /**
     * @param mac an address.
     * @return whether the group (multicast/broadcast) bit is set.
     */
    public static boolean isMulticast(final long mac)
    {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    /**
     * @param text "aa:bb:cc:dd:ee:ff" (or with '-').
     * @return the address.
     * @throws IllegalArgumentException when the text is not a MAC address.
     */
    public static long parse(final String text)
    {
        final String[] parts = text.split("[:-]");
        if (parts.length != 6)
        {
            throw new IllegalArgumentException("not a MAC address (want aa:bb:cc:dd:ee:ff): " + text);
        }
        long v = 0;
        for (final String p : parts)
        {
            final int b;
            try
            {
                b = Integer.parseInt(p, 16);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("not a MAC address (bad octet '" + p + "'): " + text, ex);
            }
            if (b < 0 || b > 255 || p.length() > 2)
            {
                throw new IllegalArgumentException("not a MAC address (bad octet '" + p + "'): " + text);
            }
            v = (v << 8) | b;
        }
        return v;
    }

    /**
     * @param mac the address in the low 48 bits.
     * @return "aa:bb:cc:dd:ee:ff".
     */
    public static String toString(final long mac)
    {
        final StringBuilder sb = new StringBuilder(17);
        for (int i = 0; i < 6; i++)
        {
            if (i > 0)
            {
                sb.append(':');
            }
            final int b = (int)(mac >>> (40 - 8 * i)) & 0xFF;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }
}
