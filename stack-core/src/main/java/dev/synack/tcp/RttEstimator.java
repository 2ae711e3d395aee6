package dev.synack.tcp;

import dev.synack.timer.TimerWheel;

/**
 * RFC 6298: the round-trip time estimate (SRTT, RTTVAR) and the retransmission timeout it gives, with Karn's rule
 * (no sample from a retransmitted segment) and exponential backoff; with timestamps, RFC 7323 §4 RTTM samples.
 * Stack thread only; never allocates.
 */
final class RttEstimator
{
    /** RFC 6298 §5.7: the RTO data starts with after the handshake's retransmission timer expired. */
    private static final long RTO_AFTER_SYN_TIMEOUT_NS = 3_000_000_000L;

    private final TimerWheel wheel;
    private final long initialRtoNs;
    private final long minRtoNs;
    private final long maxRtoNs;

    RttEstimator(final TimerWheel wheel, final long initialRtoNs, final long minRtoNs, final long maxRtoNs)
    {
        this.wheel = wheel;
        this.initialRtoNs = initialRtoNs;
        this.minRtoNs = minRtoNs;
        this.maxRtoNs = maxRtoNs;
    }

    /**
     * An ACK of new data (SND.UNA advances). With timestamps, RFC 7323 §4 (RTTM): every such ACK is a sample, now
     * less the TSval its TSecr echoes; a retransmission carries a new TSval, so Karn's ambiguity is gone. RFC 7323
     * §4.2: ACKs of no new data are never passed here, so their (old) TSecr gives no sample. Many samples per round
     * trip: of RFC 7323 Appendix G's choices, Linux's — each ACK one sample with RFC 6298's standard gains (1/8,
     * 1/4), not gains scaled by samples per window; SRTT then follows a changing path within a round trip or two.
     * Without timestamps, RFC 6298 §2: one timed segment per round trip, never a retransmitted one (Karn).
     *
     * @param tsEcr the segment's TSecr; read only when timestamps were negotiated (then every segment has one).
     */
    void sample(final TcpConnection c, final int segAck, final int tsEcr, final long now)
    {
        if (c.timestamps)
        {
            // The sample has the TSval clock's resolution (a 2^20 ns tick): a sub-tick round trip reads 0 or 1 tick,
            // so SRTT averages to about the true value; RTTVAR is larger than the truth but the RTO's floor (200 ms
            // by default) is far above a tick. A TSecr ahead of our clock, or older than the longest RTO, is not an
            // echo of a segment we could still be waiting for: no sample.
            final long ticks = SegmentOutput.tsClock(now, c.tsOffset) - tsEcr;
            final long r = ticks << SegmentOutput.TS_TICK_SHIFT;
            if (ticks >= 0 && r <= maxRtoNs)
            {
                // At least 1 ns: SRTT = RTTVAR = 0 means "no sample yet" (RFC 6298 §2.2).
                sample(c, Math.max(1, r));
            }
            return;
        }
        if (!c.rttTiming || SeqNum.lt(segAck, c.rttSeq))
        {
            return;
        }
        c.rttTiming = false;
        sample(c, now - c.rttStartNs);
    }

    private void sample(final TcpConnection c, final long r)
    {
        if (c.srttNs == 0 && c.rttvarNs == 0)
        {
            c.srttNs = r;
            c.rttvarNs = r / 2;
        }
        else
        {
            c.rttvarNs = (3 * c.rttvarNs + Math.abs(c.srttNs - r)) / 4;
            c.srttNs = (7 * c.srttNs + r) / 8;
        }
        final long rto = c.srttNs + Math.max(wheel.tickNs(), 4 * c.rttvarNs);
        c.rtoNs = Math.max(minRtoNs, Math.min(maxRtoNs, rto));
    }

    void backoff(final TcpConnection c)
    {
        c.rtoNs = Math.min(c.rtoNs * 2, maxRtoNs); // RFC 6298 §5.5
    }

    /** On entering ESTABLISHED. */
    void established(final TcpConnection c)
    {
        if (c.handshakeTimedOut && c.srttNs == 0 && initialRtoNs < RTO_AFTER_SYN_TIMEOUT_NS)
        {
            // RFC 6298 §5.7: the timer expired awaiting the ACK of our SYN (or SYN-ACK) and the handshake gave no RTT
            // sample: data starts with an RTO of 3 s, not the 1 s that just proved too short.
            c.rtoNs = Math.min(maxRtoNs, RTO_AFTER_SYN_TIMEOUT_NS);
        }
    }
}
