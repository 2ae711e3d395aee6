package dev.synack.nic.rss;

/**
 * The Toeplitz hash NICs use for receive-side scaling (Microsoft's RSS specification, "RSS hashing functions"),
 * over an IPv4 TCP 4-tuple: the input is source address, destination address, source port, destination port, each
 * in network byte order, 12 bytes; each set input bit XORs in the 32 key bits that start at its position.
 * <p>
 * Who calls it: {@link RssSteering}, to choose for an active open a source port whose return traffic the NIC puts
 * on the stack's own queue (as mTCP and F-Stack do). Precomputes one table per input byte (12 × 256 ints) so a hash
 * is 12 lookups; immutable after construction, so any thread may use one instance; allocation-free.
 */
public final class Toeplitz
{
    /** Input bytes of an IPv4 4-tuple. */
    public static final int IPV4_TCP_INPUT = 12;

    private final int[][] table = new int[IPV4_TCP_INPUT][256];

    /**
     * @param key the NIC's hash key (ethtool -x shows it; 40 bytes on most NICs, at least 16 needed).
     */
    public Toeplitz(final byte[] key)
    {
        if (key.length < IPV4_TCP_INPUT + 4)
        {
            throw new IllegalArgumentException("an RSS key of " + key.length + " bytes is too short for an IPv4 "
                + "4-tuple: need at least " + (IPV4_TCP_INPUT + 4));
        }
        for (int i = 0; i < IPV4_TCP_INPUT; i++)
        {
            final int[] words = new int[8];
            for (int bit = 0; bit < 8; bit++)
            {
                words[bit] = keyWord(key, i * 8 + bit);
            }
            for (int value = 0; value < 256; value++)
            {
                int hash = 0;
                for (int bit = 0; bit < 8; bit++)
                {
                    if ((value & (0x80 >>> bit)) != 0)
                    {
                        hash ^= words[bit];
                    }
                }
                table[i][value] = hash;
            }
        }
    }

    /** The 32 key bits starting at bit {@code position} (bit 0 is the most significant bit of key[0]). */
    private static int keyWord(final byte[] key, final int position)
    {
        final int first = position >>> 3;
        long window = 0;
        for (int i = 0; i < 5; i++)
        {
            window = (window << 8) | (first + i < key.length ? key[first + i] & 0xFF : 0);
        }
        return (int)(window >>> (8 - (position & 7)));
    }

    /**
     * The hash of a received IPv4 TCP segment: source is the sender (for our active opens: the peer).
     *
     * @param sourceIp source address, as an int in network order (198.18.0.2 is 0xC6120002).
     * @param destinationIp destination address.
     * @param sourcePort source port.
     * @param destinationPort destination port.
     * @return the 32-bit hash; the NIC takes its low bits as an index into its indirection table.
     */
    public int hash(final int sourceIp, final int destinationIp, final int sourcePort, final int destinationPort)
    {
        return table[0][sourceIp >>> 24] ^ table[1][(sourceIp >>> 16) & 0xFF] ^ table[2][(sourceIp >>> 8) & 0xFF]
            ^ table[3][sourceIp & 0xFF]
            ^ table[4][destinationIp >>> 24] ^ table[5][(destinationIp >>> 16) & 0xFF]
            ^ table[6][(destinationIp >>> 8) & 0xFF] ^ table[7][destinationIp & 0xFF]
            ^ table[8][(sourcePort >>> 8) & 0xFF] ^ table[9][sourcePort & 0xFF]
            ^ table[10][(destinationPort >>> 8) & 0xFF] ^ table[11][destinationPort & 0xFF];
    }

    /**
     * The hash of the addresses alone (what a NIC uses for IPv4 that is not TCP, or with ports left out of
     * {@code rx-flow-hash}).
     *
     * @param sourceIp source address.
     * @param destinationIp destination address.
     * @return the 32-bit hash.
     */
    public int hash(final int sourceIp, final int destinationIp)
    {
        return table[0][sourceIp >>> 24] ^ table[1][(sourceIp >>> 16) & 0xFF] ^ table[2][(sourceIp >>> 8) & 0xFF]
            ^ table[3][sourceIp & 0xFF]
            ^ table[4][destinationIp >>> 24] ^ table[5][(destinationIp >>> 16) & 0xFF]
            ^ table[6][(destinationIp >>> 8) & 0xFF] ^ table[7][destinationIp & 0xFF];
    }
}
