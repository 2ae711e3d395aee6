package dev.synack.tcp;

/**
 * 32-bit modular sequence-number arithmetic (RFC 9293 §3.4). Sequence numbers are {@code int}s and are
 * compared only here, by the sign of their difference, so comparisons stay right across the wrap-around.
 */
public final class SeqNum
{
    private SeqNum()
    {
    }

    /**
     * @param a a sequence number.
     * @param b a sequence number.
     * @return a &lt; b modulo 2^32.
     */
    public static boolean lt(final int a, final int b)
    {
        return a - b < 0;
    }

    /**
     * @param a a sequence number.
     * @param b a sequence number.
     * @return a &le; b modulo 2^32.
     */
    public static boolean le(final int a, final int b)
    {
        return a - b <= 0;
    }

    /**
     * @param a a sequence number.
     * @param b a sequence number.
     * @return a &gt; b modulo 2^32.
     */
    public static boolean gt(final int a, final int b)
    {
        return a - b > 0;
    }

    /**
     * @param a a sequence number.
     * @param b a sequence number.
     * @return a &ge; b modulo 2^32.
     */
    public static boolean ge(final int a, final int b)
    {
        return a - b >= 0;
    }

    /**
     * @param low inclusive lower bound.
     * @param x the number tested.
     * @param high exclusive upper bound.
     * @return low &le; x &lt; high modulo 2^32.
     */
    public static boolean inWindow(final int low, final int x, final int high)
    {
        return le(low, x) && lt(x, high);
    }

    /**
     * @param a a sequence number.
     * @param b a sequence number.
     * @return the later of the two.
     */
    public static int max(final int a, final int b)
    {
        return gt(a, b) ? a : b;
    }

    /**
     * @param a a sequence number.
     * @param b a sequence number.
     * @return the earlier of the two.
     */
    public static int min(final int a, final int b)
    {
        return lt(a, b) ? a : b;
    }

    /**
     * @param seq a sequence number.
     * @return it as an unsigned value, for printing.
     */
    public static long unsigned(final int seq)
    {
        return seq & 0xFFFF_FFFFL;
    }
}
