package dev.synack.tcp;

/**
 * RFC 9438 CUBIC: the congestion window in congestion avoidance as a cubic function of the time t since the stage
 * began, W_cubic(t) = C × (t - K)^3 + W_max (§4.2), never below what Reno would have (W_est, §4.3), and a loss
 * that cuts it to β_cubic = 0.7 of itself (§4.6, §4.7 fast convergence, §4.8 timeout). Slow start stays RFC 5681's;
 * HyStart (§4.10, optional) is not implemented.
 * <p>
 * Windows are in segments (C's unit is segments/s^3), cwnd in bytes; t, K and the RTT in seconds. The state lives
 * in the connection's {@code cubic*} fields. Stack thread only; never allocates.
 */
final class Cubic
{
    /** §4.1.1: C, the scaling constant, in segments/s^3. */
    static final double C = 0.4;
    /** §4.1.1: β_cubic, the multiplicative decrease factor. */
    static final double BETA_CUBIC = 0.7;
    /** §4.3: α_cubic = 3 × (1 - β_cubic) / (1 + β_cubic), Reno's average window with CUBIC's β. */
    static final double ALPHA_CUBIC = 3 * (1 - BETA_CUBIC) / (1 + BETA_CUBIC);
    /** No congestion avoidance stage running: the next ACK in congestion avoidance starts one. */
    static final long NO_EPOCH = Long.MIN_VALUE;

    private static final double NS_PER_SECOND = 1e9;

    private Cubic()
    {
    }

    /** A new connection: no loss yet, no stage. */
    static void reset(final TcpConnection c)
    {
        c.cubicEpochStartNs = NO_EPOCH;
        c.cubicLastAckNs = 0;
        c.cubicWmaxSegments = 0;
        c.cubicKSeconds = 0;
        c.cubicWestSegments = 0;
        c.cubicCwndPriorSegments = 0;
        c.cubicCarryBytes = 0;
    }

    /**
     * §4.2 Figure 2: K = cbrt((W_max - cwnd_epoch) / C); cbrt(W_max × (1 - β_cubic) / C) after a loss.
     *
     * @param wMaxSegments W_max.
     * @param cwndEpochSegments cwnd at the start of the congestion avoidance stage.
     * @return K in seconds (negative when cwnd_epoch is above W_max: then the window is convex from t = 0).
     */
    static double k(final double wMaxSegments, final double cwndEpochSegments)
    {
        return Math.cbrt((wMaxSegments - cwndEpochSegments) / C);
    }

    /**
     * §4.2 Figure 1: W_cubic(t) = C × (t - K)^3 + W_max.
     *
     * @param tSeconds time since the stage began.
     * @param kSeconds K.
     * @param wMaxSegments W_max.
     * @return the window in segments.
     */
    static double wCubic(final double tSeconds, final double kSeconds, final double wMaxSegments)
    {
        final double d = tSeconds - kSeconds;
        return C * d * d * d + wMaxSegments;
    }

    /**
     * A new ACK in congestion avoidance (cwnd at or above ssthresh, not in recovery).
     *
     * @param acked bytes it newly acknowledged.
     * @param nowNs the stack's time.
     */
    static void congestionAvoidance(final TcpConnection c, final long acked, final long nowNs)
    {
        if (c.cubicEpochStartNs == NO_EPOCH)
        {
            startEpoch(c, nowNs);
        }
        final long sinceLastAck = nowNs - c.cubicLastAckNs;
        c.cubicLastAckNs = nowNs;
        // §5.8: an application-limited flow (less than cwnd in flight when this ACK came, an idle period included)
        // must not grow cwnd, and t must not count that time: the stage's start moves forward by it. Also what
        // §4.6 asks of an implementation that cuts cwnd, not FlightSize, by β_cubic.
        final long flightBeforeAck = LossRecovery.flightSize(c) + acked;
        if (flightBeforeAck + c.sndMss <= c.cwnd)
        {
            c.cubicEpochStartNs += sinceLastAck;
            return;
        }
        final double mss = c.sndMss;
        final double cwndSegments = c.cwnd / mss;
        // The RFC grows per ACK, assuming one per segment; counting the segments acknowledged keeps the growth
        // per RTT the same when the peer delays its ACKs (as W_est's segments_acked in §4.3, and Linux).
        final double segmentsAcked = acked / mss;
        final double tSeconds = (nowNs - c.cubicEpochStartNs) / NS_PER_SECOND;
        // §4.3: W_est grows as Reno with α_cubic, and as Reno itself (α = 1) once past cwnd_prior.
        final double alpha = c.cubicWestSegments >= c.cubicCwndPriorSegments ? 1 : ALPHA_CUBIC;
        c.cubicWestSegments += alpha * segmentsAcked / cwndSegments;
        if (wCubic(tSeconds, c.cubicKSeconds, c.cubicWmaxSegments) < c.cubicWestSegments)
        {
            // §4.3 Reno-friendly region: cwnd = W_est (never lowered here: only a loss lowers cwnd).
            c.cwnd = Math.max(c.cwnd, (long)(c.cubicWestSegments * mss));
            return;
        }
        // §4.2: the target is the window one RTT ahead, clamped to [cwnd, 1.5 × cwnd] so growth never slows and
        // never outruns slow start; §4.4 concave (cwnd < W_max) and §4.5 convex regions grow alike toward it.
        final double rttSeconds = c.srttNs / NS_PER_SECOND;
        final double target = Math.min(Math.max(
            wCubic(tSeconds + rttSeconds, c.cubicKSeconds, c.cubicWmaxSegments), cwndSegments), 1.5 * cwndSegments);
        final double growthBytes = (target - cwndSegments) / cwndSegments * segmentsAcked * mss + c.cubicCarryBytes;
        final long wholeBytes = (long)growthBytes;
        c.cubicCarryBytes = growthBytes - wholeBytes;
        c.cwnd += wholeBytes;
    }

    /** §4.2, §4.3, §4.8: the first ACK in congestion avoidance after a reduction (or ever) starts the stage. */
    private static void startEpoch(final TcpConnection c, final long nowNs)
    {
        c.cubicEpochStartNs = nowNs;
        c.cubicLastAckNs = nowNs;
        c.cubicCarryBytes = 0;
        final double cwndEpochSegments = (double)c.cwnd / c.sndMss;
        if (c.cubicWmaxSegments <= 0)
        {
            // §4.8: after a timeout (or with no loss yet) W_max is the window the stage starts with, so K = 0.
            c.cubicWmaxSegments = cwndEpochSegments;
        }
        c.cubicKSeconds = k(c.cubicWmaxSegments, cwndEpochSegments);
        c.cubicWestSegments = cwndEpochSegments;
    }

    /**
     * §4.6 on entering fast recovery: remembers W_max (§4.7: less when this loss came below the last one's window,
     * so a newer flow gets room) and cwnd_prior, ends the stage, and cuts to β_cubic × cwnd. cwnd, not FlightSize,
     * as Linux and the RFC's Figure 5 do (the app-limited rule in {@link #congestionAvoidance} is the measure §4.6
     * then requires).
     *
     * @return ssthresh = max(β_cubic × cwnd, 2 × SMSS).
     */
    static long ssthreshOnLoss(final TcpConnection c)
    {
        final double cwndSegments = (double)c.cwnd / c.sndMss;
        c.cubicWmaxSegments = cwndSegments < c.cubicWmaxSegments
            ? cwndSegments * (1 + BETA_CUBIC) / 2 : cwndSegments;
        c.cubicCwndPriorSegments = cwndSegments;
        c.cubicEpochStartNs = NO_EPOCH;
        return reduced(c);
    }

    /**
     * §4.8 on a retransmission timeout: ssthresh from β_cubic, cwnd one segment (as Reno, RFC 5681 §3.1), and the
     * next congestion avoidance stage starts afresh with W_max = its first cwnd. The cut is made once per loss: not
     * again on a backed-off timeout of the same segment, nor when fast recovery already made it (as Linux's
     * tcp_enter_loss), or ssthresh would shrink from a window that is no longer the path's.
     */
    static void timeout(final TcpConnection c)
    {
        if (c.retries <= 1 && !c.inRecovery)
        {
            c.cubicCwndPriorSegments = (double)c.cwnd / c.sndMss;
            c.ssthresh = reduced(c);
        }
        c.cwnd = c.sndMss;
        c.cubicWmaxSegments = 0;
        c.cubicEpochStartNs = NO_EPOCH;
    }

    /** §4.6: β_cubic × cwnd, in integers so 0.7 is exact; never below 2 × SMSS (RFC 5681 §3.1). */
    private static long reduced(final TcpConnection c)
    {
        return Math.max(c.cwnd * 7 / 10, 2L * c.sndMss);
    }
}
