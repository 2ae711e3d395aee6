package dev.synack.tcp;

/**
 * The congestion control a connection chose ({@code StackConfig.congestionControl}): how cwnd grows on a new ACK
 * outside recovery, and how far a loss cuts it. RFC 5681 Reno here, RFC 9438 CUBIC in {@link Cubic}; when a loss
 * is detected and how it is recovered is {@link LossRecovery}'s, the same for both. Stack thread only; never
 * allocates.
 */
final class CongestionWindow
{
    private CongestionWindow()
    {
    }

    /** A new connection starts with no loss behind it. */
    static void reset(final TcpConnection c, final boolean cubic)
    {
        c.cubic = cubic;
        Cubic.reset(c);
    }

    /**
     * A new ACK outside recovery.
     *
     * @param acked bytes it newly acknowledged.
     * @param nowNs the stack's time.
     */
    static void grow(final TcpConnection c, final int acked, final long nowNs)
    {
        if (c.cwnd < c.ssthresh)
        {
            // RFC 5681 §3.1 slow start, CUBIC's too (RFC 9438 §4.10). CUBIC cuts cwnd, not FlightSize (§4.6), so its
            // cwnd must not outgrow what the application fills (§5.8): it grows only while at least half of it is
            // in flight (Linux's tcp_is_cwnd_limited), or a loss would cut a window never used.
            if (!c.cubic || 2 * (LossRecovery.flightSize(c) + acked) > c.cwnd)
            {
                c.cwnd += Math.min(acked, c.sndMss);
            }
        }
        else if (c.cubic)
        {
            Cubic.congestionAvoidance(c, acked, nowNs);
        }
        else
        {
            c.cwnd += Math.max(1, (long)c.sndMss * c.sndMss / c.cwnd); // RFC 5681 congestion avoidance
        }
    }

    /** @return ssthresh on entering fast recovery (RFC 5681 §3.2 eqn. 4; RFC 9438 §4.6). */
    static long ssthreshOnLoss(final TcpConnection c)
    {
        // RFC 5681 §3.2 step 2: what Limited Transmit sent beyond cwnd is not part of the flight that is halved.
        return c.cubic ? Cubic.ssthreshOnLoss(c) : halfTheFlight(c, c.limitedTransmitted);
    }

    /** A retransmission timeout: ssthresh and cwnd (RFC 5681 §3.1 eqn. 4, one segment; RFC 9438 §4.8). */
    static void timeout(final TcpConnection c)
    {
        if (c.cubic)
        {
            Cubic.timeout(c);
        }
        else
        {
            // RFC 5681 §3.1 eqn. 4: halve ssthresh, one segment of cwnd.
            c.ssthresh = halfTheFlight(c, 0);
            c.cwnd = c.sndMss;
        }
    }

    /** Reno's ssthresh after a loss: half the flight, at least two segments (RFC 5681 §3.1 eqn. 4). */
    private static long halfTheFlight(final TcpConnection c, final long excluded)
    {
        return Math.max((LossRecovery.flightSize(c) - excluded) / 2, 2L * c.sndMss);
    }
}
