package dev.synack.tcp;

/**
 * Initial sequence numbers as RFC 6528 §3 asks: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), where M is a 4-microsecond clock and F is a keyed hash — here SipHash-2-4 over the
 * 4-tuple, so off-path attackers cannot predict another connection's ISN, while a new incarnation of the
 * same 4-tuple still starts above the old one's sequence space. Its only state after construction is the last
 * host pair's timestamp offset (every connection between two hosts has the same, so a run of connections to one
 * peer hashes once, not once each). Stack thread only; never allocates.
 */
final class IsnGenerator
{
    /** Second word of the timestamp-offset hash: above any port pair, so it never equals an ISN's input. */
    private static final long TS_OFFSET_DOMAIN = 0x7473_6F66_6673_6574L;

    private final long k0;
    private final long k1;
    private long lastHostPair;
    private int lastTsOffset;
    private boolean lastValid;

    IsnGenerator(final long secret)
    {
        this.k0 = secret;
        this.k1 = Long.rotateLeft(secret * 0x9E37_79B9_7F4A_7C15L, 31) ^ 0x6A09_E667_F3BC_C908L;
    }

    int isn(final int localIp, final int localPort, final int remoteIp, final int remotePort, final long nowNs)
    {
        final long m0 = ((long)localIp << 32) | (remoteIp & 0xFFFF_FFFFL);
        final long m1 = ((long)localPort << 16) | remotePort;
        return (int)(nowNs / 4_000L) + (int)hash(m0, m1);
    }

    /**
     * @return the TSval offset for a host pair (RFC 7323 §5.4): secret, so TSval tells no uptime; the same for
     *     every connection between the two hosts, so TSval only grows from one incarnation of a 4-tuple to the next.
     */
    int tsOffset(final int localIp, final int remoteIp)
    {
        final long m0 = ((long)localIp << 32) | (remoteIp & 0xFFFF_FFFFL);
        if (!lastValid || m0 != lastHostPair)
        {
            lastTsOffset = (int)(hash(m0, TS_OFFSET_DOMAIN) >>> 32);
            lastHostPair = m0;
            lastValid = true;
        }
        return lastTsOffset;
    }

    /**
     * SipHash-2-4 of two words under the secret key: the one keyed hash of the stack, shared with {@link SynCookies}.
     * Callers keep their inputs apart (a domain word in {@code m1}) so no two uses ever hash the same message.
     */
    long hash(final long m0, final long m1)
    {
        long v0 = k0 ^ 0x736f_6d65_7073_6575L;
        long v1 = k1 ^ 0x646f_7261_6e64_6f6dL;
        long v2 = k0 ^ 0x6c79_6765_6e65_7261L;
        long v3 = k1 ^ 0x7465_6462_7974_6573L;
        long m = m0;
        for (int w = 0; w < 3; w++)
        {
            if (w == 1)
            {
                m = m1;
            }
            else if (w == 2)
            {
                m = 16L << 56; // the length byte of SipHash's final block
            }
            v3 ^= m;
            for (int r = 0; r < 2; r++)
            {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xFF;
        for (int r = 0; r < 4; r++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
