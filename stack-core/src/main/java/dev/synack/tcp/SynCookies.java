package dev.synack.tcp;

/**
 * SYN cookies (RFC 4987 §3.6), encoded as Linux encodes them (net/ipv4/syncookies.c): when a listener has no room
 * for a SYN-RECEIVED entry, the ISS of its SYN-ACK carries what the entry would have held, under a keyed hash, and
 * the ACK that completes the handshake gives it back as SEG.ACK - 1.
 * <p>
 * {@code ISS = H0(4-tuple) + IRS + (count << 24) + ((H1(4-tuple, count) + MSS index) mod 2^24)}, where count is a
 * 64 s clock: a cookie is taken back in the period it was made and the one after (Linux: MAX_SYNCOOKIE_AGE), and a
 * forgery passes with odds of 4 in 2^24. The peer's MSS is rounded down to one of four values (Linux's msstab).
 * When the SYN carried timestamps, the low 6 bits of our TSval hold its window scale (15: none) and SACK-permitted,
 * and the peer's TSecr echoes them; without timestamps the connection has neither window scaling nor SACK.
 * <p>
 * H0 and H1 are the ISN generator's SipHash under the stack's ISN secret, with their own domain words. Stack
 * thread only: {@link #check} leaves what it decoded in fields; nothing allocates or throws.
 */
final class SynCookies
{
    /** Linux's msstab: the MSS values a cookie can carry, in the two low bits of its hashed part. */
    static final int[] MSS_TABLE = {536, 1300, 1440, 1460};
    /** Low bits of TSval that carry options in a cookie SYN-ACK (Linux: TSBITS). */
    static final int TS_BITS = 6;
    /** Window scale field value meaning "the SYN had no window scale option". */
    static final int TS_NO_WINDOW_SCALE = 0xF;
    /** SACK-permitted bit of TSval. */
    static final int TS_SACK = 1 << 4;
    /** Length of one counter period: cookies live one to two of them. */
    static final long PERIOD_NS = 64_000_000_000L;

    private static final int COOKIE_BITS = 24;
    private static final int COOKIE_MASK = (1 << COOKIE_BITS) - 1;
    private static final int MAX_AGE = 2;
    private static final int TS_MASK = (1 << TS_BITS) - 1;
    /** H0's domain word ("cook") above the ports; the ISN hash has 0 there, the TSval offset a word of its own. */
    private static final long H0_DOMAIN = 0x636F_6F6BL << 32;
    /** H1 sets the top bit above the ports, with the counter in the bits below it. */
    private static final long H1_DOMAIN = 0x8000_0000L;

    private final IsnGenerator hash;

    /** What {@link #check} took from a valid cookie: the MSS. */
    int mss;

    /**
     * @param hash the stack's keyed hash (its ISN generator), so the cookie key is as secret as the ISN's.
     */
    SynCookies(final IsnGenerator hash)
    {
        this.hash = hash;
    }

    /**
     * @param mss the MSS the SYN asked for (536 without the option).
     * @return the index of the largest table entry not above it (the first entry for anything smaller).
     */
    static int mssIndex(final int mss)
    {
        int index = MSS_TABLE.length - 1;
        while (index > 0 && mss < MSS_TABLE[index])
        {
            index--;
        }
        return index;
    }

    /**
     * @param irs the SYN's sequence number.
     * @param mss the MSS the SYN asked for.
     * @param nowNs the time.
     * @return the ISS of the cookie SYN-ACK.
     */
    int cookie(
        final int localIp, final int localPort, final int remoteIp, final int remotePort, final int irs,
        final int mss, final long nowNs)
    {
        final long count = count(nowNs);
        return h0(localIp, localPort, remoteIp, remotePort) + irs + ((int)count << COOKIE_BITS)
            + ((h1(localIp, localPort, remoteIp, remotePort, count) + mssIndex(mss)) & COOKIE_MASK);
    }

    /**
     * Takes a cookie back; when valid, {@link #mss} holds the MSS it carried.
     *
     * @param cookie SEG.ACK - 1 of the ACK.
     * @param irs SEG.SEQ - 1 of the ACK: the SYN's sequence number.
     * @param nowNs the time.
     * @return whether this stack made the cookie, for this 4-tuple and IRS, in this period or the one before.
     */
    boolean check(
        final int cookie, final int localIp, final int localPort, final int remoteIp, final int remotePort,
        final int irs, final long nowNs)
    {
        final long count = count(nowNs);
        final int stripped = cookie - h0(localIp, localPort, remoteIp, remotePort) - irs;
        final int age = ((int)count - (stripped >>> COOKIE_BITS)) & (-1 >>> COOKIE_BITS);
        if (age >= MAX_AGE)
        {
            return false;
        }
        final int index = (stripped - h1(localIp, localPort, remoteIp, remotePort, count - age)) & COOKIE_MASK;
        if (index >= MSS_TABLE.length)
        {
            return false;
        }
        mss = MSS_TABLE[index];
        return true;
    }

    /**
     * Linux's cookie_init_timestamp: the clock's TSval with its low bits replaced by the options, stepped back one
     * period of those bits when that would put it ahead of the clock, so later TSvals still never go backwards.
     *
     * @param tsNow the TSval a segment sent now would carry.
     * @param windowScale the SYN's window scale, or {@link TcpOptions#ABSENT}.
     * @param sackPermitted whether the SYN-ACK offers SACK.
     * @return the TSval of the cookie SYN-ACK.
     */
    static int tsVal(final int tsNow, final int windowScale, final boolean sackPermitted)
    {
        final int options = (windowScale == TcpOptions.ABSENT ? TS_NO_WINDOW_SCALE : Math.min(windowScale, 14))
            | (sackPermitted ? TS_SACK : 0);
        final int ts = (tsNow & ~TS_MASK) | options;
        return options > (tsNow & TS_MASK) ? ts - (1 << TS_BITS) : ts;
    }

    /**
     * @param tsEcr the TSecr of the ACK: our cookie SYN-ACK's TSval.
     * @return the peer's window scale, or {@link TcpOptions#ABSENT}.
     */
    static int windowScale(final int tsEcr)
    {
        final int scale = tsEcr & TS_NO_WINDOW_SCALE;
        return scale == TS_NO_WINDOW_SCALE ? TcpOptions.ABSENT : scale;
    }

    /**
     * @param tsEcr the TSecr of the ACK.
     * @return whether the SYN-ACK offered SACK.
     */
    static boolean sackPermitted(final int tsEcr)
    {
        return (tsEcr & TS_SACK) != 0;
    }

    private static long count(final long nowNs)
    {
        return nowNs / PERIOD_NS;
    }

    private int h0(final int localIp, final int localPort, final int remoteIp, final int remotePort)
    {
        return (int)hash.hash(ips(localIp, remoteIp), H0_DOMAIN | ports(localPort, remotePort));
    }

    private int h1(final int localIp, final int localPort, final int remoteIp, final int remotePort, final long count)
    {
        final long domain = (H1_DOMAIN | (count & 0x7FFF_FFFFL)) << 32;
        return (int)hash.hash(ips(localIp, remoteIp), domain | ports(localPort, remotePort));
    }

    private static long ips(final int localIp, final int remoteIp)
    {
        return ((long)localIp << 32) | (remoteIp & 0xFFFF_FFFFL);
    }

    private static long ports(final int localPort, final int remotePort)
    {
        return ((long)localPort << 16) | remotePort;
    }
}
