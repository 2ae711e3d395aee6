package dev.synack.ip;

/**
 * IPv4 addresses as {@code int}s in host order of the big-endian wire value (198.18.0.1 is 0xC6120001).
 * Stateless helpers; string forms are for configuration and tools, never the hot path.
 */
public final class Ipv4Address
{
    private Ipv4Address()
    {
    }

    /**
     * @param text dotted quad.
     * @return the address.
     * @throws IllegalArgumentException when the text is not a dotted-quad IPv4 address.
     */
    public static int parse(final String text)
    {
        final String[] parts = text.split("\\.", -1);
        if (parts.length != 4)
        {
            throw new IllegalArgumentException("not an IPv4 address (want a.b.c.d): " + text);
        }
        int v = 0;
        for (final String p : parts)
        {
            final int b;
            try
            {
                b = Integer.parseInt(p);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("not an IPv4 address (bad octet '" + p + "'): " + text, ex);
            }
            if (b < 0 || b > 255 || p.isEmpty() || p.length() > 3)
            {
                throw new IllegalArgumentException("not an IPv4 address (bad octet '" + p + "'): " + text);
            }
            v = (v << 8) | b;
        }
        return v;
    }

    /**
     * @param address the address.
     * @return dotted quad.
     */
    public static String toString(final int address)
    {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
            + (address & 0xFF);
    }

    /**
     * @param prefixLength 0..32.
     * @return the netmask.
     */
    public static int mask(final int prefixLength)
    {
        if (prefixLength < 0 || prefixLength > 32)
        {
            throw new IllegalArgumentException("prefix length must be 0..32: " + prefixLength);
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /**
     * RFC 1122 §3.2.1.3: addresses no host may use as a source.
     *
     * @param address a source address.
     * @return whether it is unspecified, loopback, multicast, reserved class E or limited broadcast.
     */
    public static boolean isMartianSource(final int address)
    {
        final int first = address >>> 24;
        return address == 0 || first == 127 || first >= 224;
    }
}
