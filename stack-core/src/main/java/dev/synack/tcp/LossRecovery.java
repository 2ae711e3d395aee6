package dev.synack.tcp;

import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;

/**
 * Loss recovery and congestion control on the sending side: what a new or duplicate ACK does to the congestion
 * window (RFC 5681 slow start, congestion avoidance, fast retransmit; RFC 6582 NewReno recovery), the peer's SACK
 * blocks and the holes they leave (RFC 2018, RFC 6675 in spirit), and the congestion response to a retransmission
 * timeout. Stack thread only; never allocates.
 */
final class LossRecovery
{
    private static final long NO_DEADLINE = TcpConnection.NO_DEADLINE;

    private final StackCounters counters;
    private final TcpTime time;
    /** What the peer reported holding beyond SND.UNA (its SACK blocks), per connection. */
    private final OutOfOrderRanges sacked;
    private final SegmentOutput out;
    private final RttEstimator rtt;

    LossRecovery(
        final StackCounters counters, final TcpTime time, final OutOfOrderRanges sacked, final SegmentOutput out,
        final RttEstimator rtt)
    {
        this.counters = counters;
        this.time = time;
        this.sacked = sacked;
        this.out = out;
        this.rtt = rtt;
    }

    /**
     * SEG.ACK acknowledges new data: SND.UNA moves, and the congestion window with it.
     *
     * @param tsEcr the segment's TSecr (read only when timestamps were negotiated).
     */
    void newAck(final TcpConnection c, final int segAck, final int tsEcr)
    {
        final int acked = segAck - c.sndUna;
        rtt.sample(c, segAck, tsEcr, time.now);
        c.sndUna = segAck;
        sacked.dropBelow(c.slot, segAck);
        if (SeqNum.lt(c.highRxt, segAck))
        {
            c.highRxt = segAck;
        }
        if (SeqNum.lt(c.sndNxt, c.sndUna))
        {
            c.sndNxt = c.sndUna;
        }
        c.retries = 0;
        c.dupAcks = 0;
        if (!c.inRecovery && SeqNum.gt(segAck, c.recover))
        {
            // Past the data of any earlier recovery or timeout: keep `recover` just below SND.UNA, so it never falls
            // 2^31 behind and starts to look ahead in modular order.
            c.recover = segAck - 1;
        }
        if (c.inRecovery)
        {
            if (SeqNum.ge(segAck, c.recover))
            {
                // RFC 6582 §3.2 step 3: full acknowledgment ends recovery; deflate the window.
                c.inRecovery = false;
                c.cwnd = Math.min(c.ssthresh, flightSize(c) + c.sndMss);
            }
            else
            {
                // Partial acknowledgment: the next hole is lost too; resend it now (with SACK: the first hole
                // the peer has not reported holding, past what this recovery already resent).
                if (c.sackPermitted && SeqNum.gt(c.highRxt, c.sndUna))
                {
                    retransmitNextHole(c);
                }
                else
                {
                    retransmitFirst(c);
                }
                c.cwnd = Math.max(c.sndMss, c.cwnd - acked + c.sndMss);
            }
        }
        else
        {
            CongestionWindow.grow(c, acked, time.now); // slow start, congestion avoidance (Reno or CUBIC)
        }
        // RFC 6298 §5.2/5.3: all data acknowledged stops the timer; otherwise restart it.
        c.persist = false;
        c.rtxDeadline = c.sndUna == c.sndMax ? NO_DEADLINE : time.now + c.rtoNs;
    }

    void duplicateAck(final TcpConnection c, final int segAck)
    {
        c.dupAcks++;
        // RFC 6582 §3.2 step 1: only duplicate ACKs that cover more than `recover` start a fast retransmit; those
        // for data sent before the last retransmission timeout (go-back-N resends it) would halve cwnd twice.
        if (c.dupAcks == 3 && !c.inRecovery && SeqNum.gt(segAck, c.recover))
        {
            // RFC 5681 §3.2 fast retransmit; RFC 6582 NewReno recovery up to SND.MAX.
            c.ssthresh = CongestionWindow.ssthreshOnLoss(c);
            c.recover = c.sndMax;
            c.inRecovery = true;
            retransmitFirst(c);
            c.cwnd = c.ssthresh + 3L * c.sndMss;
        }
        else if (c.inRecovery)
        {
            c.cwnd += c.sndMss;
            if (c.sackPermitted)
            {
                // RFC 6675 in spirit: each duplicate ACK says a segment left the network; with the peer's blocks
                // we know the next hole, so resend it now instead of a round trip later (NewReno's partial ACK).
                retransmitNextHole(c);
            }
        }
    }

    static long flightSize(final TcpConnection c)
    {
        return (c.sndMax - c.sndUna) & 0xFFFF_FFFFL;
    }

    /** RFC 2018 §3: the peer's blocks of data it holds beyond SEG.ACK, kept when they lie in what we sent. */
    void takeSackBlocks(final TcpConnection c, final TcpOptions options)
    {
        for (int b = 0, n = options.sackBlockCount(); b < n; b++)
        {
            final int left = options.sackLeft(b);
            final int right = options.sackRight(b);
            if (SeqNum.lt(left, right) && SeqNum.lt(c.sndUna, right) && SeqNum.le(right, c.sndMax)
                && SeqNum.le(c.sndUna, left))
            {
                sacked.add(c.slot, left, right);
            }
        }
    }

    /**
     * Resends the first segment of the first hole at or past HighRxt that the peer has not reported holding
     * (RFC 6675 §4 NextSeg, rule 1, simplified: one segment per call, never past SND.MAX).
     */
    private void retransmitNextHole(final TcpConnection c)
    {
        final int slot = c.slot;
        int from = SeqNum.max(c.highRxt, c.sndUna);
        int limit = c.sndMax;
        for (int i = 0, n = sacked.count(slot); i < n; i++)
        {
            final int start = sacked.start(slot, i);
            final int end = sacked.end(slot, i);
            if (SeqNum.le(end, from))
            {
                continue;
            }
            if (SeqNum.le(start, from))
            {
                from = end; // inside a block the peer holds: the hole starts after it
                continue;
            }
            limit = start;
            break;
        }
        // Data only: a FIN alone (no hole in the data) is the retransmission timer's to resend.
        final int dataEnd = SeqNum.min(limit, c.sndBufEnd);
        if (SeqNum.ge(from, dataEnd) || SeqNum.ge(from, c.sndMax) || !lost(c, from))
        {
            return;
        }
        final int length = Math.min(dataEnd - from, c.sndMss);
        counters.increment(StackCounter.TCP_RETRANSMITS);
        c.retransmits++;
        c.rttTiming = false;
        out.writeSegment(c, from, TcpHeader.ACK, length);
        c.highRxt = from + length;
    }

    /**
     * RFC 6675 §4 IsLost: a hole counts as lost once the peer holds more than (DupThresh - 1) × SMSS bytes, or
     * DupThresh separate blocks, above it; less could still be reordering, and resending it would be spurious.
     */
    private boolean lost(final TcpConnection c, final int seq)
    {
        final int slot = c.slot;
        long above = 0;
        int blocks = 0;
        for (int i = 0, n = sacked.count(slot); i < n; i++)
        {
            final int end = sacked.end(slot, i);
            if (SeqNum.gt(end, seq))
            {
                above += (end - SeqNum.max(sacked.start(slot, i), seq)) & 0xFFFF_FFFFL;
                blocks++;
            }
        }
        return blocks >= 3 || above > 2L * c.sndMss;
    }

    void retransmitFirst(final TcpConnection c)
    {
        // Only what was sent: bytes queued past SND.MAX are new data, and sending them here without moving SND.MAX
        // would let the peer acknowledge "unsent" data, which RFC 5961 §5.2 then makes us drop.
        final int unacked = (c.finSent ? c.finSeq : c.sndMax) - c.sndUna;
        if (unacked > 0)
        {
            final int length = Math.min(unacked, c.sndMss);
            final int flags = TcpHeader.ACK | (length == unacked && c.finSent ? TcpHeader.FIN : 0);
            counters.increment(StackCounter.TCP_RETRANSMITS);
            c.retransmits++;
            c.rttTiming = false;
            out.writeSegment(c, c.sndUna, flags, length);
            c.highRxt = c.sndUna + length; // what SACK recovery resends next starts past this
        }
        else if (c.finSent && c.sndUna == c.finSeq)
        {
            counters.increment(StackCounter.TCP_RETRANSMITS);
            c.retransmits++;
            out.writeSegment(c, c.finSeq, TcpHeader.FIN | TcpHeader.ACK, 0);
        }
    }

    /** The retransmission timer expired with data in flight (RFC 6298 §5.5-5.6 backs off and resends after this). */
    void retransmitTimeout(final TcpConnection c)
    {
        CongestionWindow.timeout(c); // ssthresh and cwnd: RFC 5681 §3.1 eqn. 4 or RFC 9438 §4.8
        // RFC 6582 §3.2 step 4: after a retransmit timeout, recover = the highest sequence number sent; leave recovery.
        c.recover = c.sndMax;
        c.inRecovery = false;
        c.dupAcks = 0;
        c.rttTiming = false;
        // RFC 2018 §8: after a timeout the receiver may have reneged; resend from SND.UNA without the blocks.
        sacked.clear(c.slot);
        c.highRxt = c.sndUna;
    }
}
