package dev.synack.tcp;

import dev.synack.timer.TimerWheel;

/**
 * RFC 6298: the round-trip time estimate (SRTT, RTTVAR) and the retransmission timeout it gives, with Karn's rule
 * (no sample from a retransmitted segment) and exponential backoff. Stack thread only; never allocates.
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

    /** RFC 6298 §2: one sample per round trip, never from a retransmitted segment (Karn). */
    void sample(final TcpConnection c, final int segAck, final long now)
    {
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
