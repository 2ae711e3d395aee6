package dev.synack.tcp;

import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;

/**
 * Loss recovery and congestion control on the sending side: what a new or duplicate ACK does to the congestion
 * window (RFC 5681 slow start, congestion avoidance, fast retransmit), the recovery that follows — RFC 6675's
 * SACK-based one when the peer sends SACK blocks (RFC 2018), RFC 6582 NewReno's otherwise — the peer's D-SACKs
 * (RFC 2883) and what they say of our retransmissions (RFC 3708), and the congestion response to a retransmission
 * timeout. Stack thread only; never allocates.
 */
final class LossRecovery
{
    private static final long NO_DEADLINE = TcpConnection.NO_DEADLINE;

    private final StackCounters counters;
    private final TcpTime time;
    /** What the peer reported holding beyond SND.UNA (its SACK blocks), per connection. */
    private final OutOfOrderRanges sacked;
    private final SackScoreboard scoreboard;
    /** What the last fast recovery retransmitted, per connection: the D-SACKs RFC 3708 matches against it. */
    private final OutOfOrderRanges retransmitted;
    private final SegmentOutput out;
    private final RttEstimator rtt;
    /** The hole {@link #firstHoleAboveHighRxt} found: [holeStart, holeEnd), data only. */
    private int holeStart;
    private int holeEnd;

    LossRecovery(
        final StackCounters counters, final TcpTime time, final OutOfOrderRanges sacked,
        final SackScoreboard scoreboard, final OutOfOrderRanges retransmitted, final SegmentOutput out,
        final RttEstimator rtt)
    {
        this.counters = counters;
        this.time = time;
        this.sacked = sacked;
        this.scoreboard = scoreboard;
        this.retransmitted = retransmitted;
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
        c.limitedTransmitted = 0;
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
                // RFC 6582 §3.2 step 3, RFC 6675 §5 (A): full acknowledgment ends recovery. NewReno deflates the
                // window it inflated; RFC 6675's stayed at ssthresh (pipe, not cwnd, counted what left the network).
                c.inRecovery = false;
                if (!c.sackPermitted)
                {
                    c.cwnd = Math.min(c.ssthresh, flightSize(c) + c.sndMss);
                }
            }
            else if (c.sackPermitted)
            {
                sendWhilePipeAllows(c); // RFC 6675 §5 (B), (C): a partial ACK is one more ACK of the recovery
            }
            else
            {
                // RFC 6582 §3.2 step 5: partial acknowledgment: the next hole is lost too; resend it now.
                retransmitFirst(c);
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

    /**
     * A duplicate ACK: RFC 5681 §2's without SACK; with SACK, RFC 6675 §2's — one that SACKs data not SACKed before,
     * even if it also moves SND.UNA — and, during recovery, any ACK that does not end it (RFC 6675 §5 (B)).
     */
    void duplicateAck(final TcpConnection c, final int segAck)
    {
        c.dupAcks++;
        if (c.sackPermitted)
        {
            sackDuplicateAck(c, segAck);
            return;
        }
        // RFC 6582 §3.2 step 1: only duplicate ACKs that cover more than `recover` start a fast retransmit; those
        // for data sent before the last retransmission timeout (go-back-N resends it) would halve cwnd twice.
        if (c.dupAcks == SackScoreboard.DUP_THRESH && !c.inRecovery && SeqNum.gt(segAck, c.recover))
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
        }
    }

    private void sackDuplicateAck(final TcpConnection c, final int segAck)
    {
        if (c.inRecovery)
        {
            sendWhilePipeAllows(c); // RFC 6675 §5 (B), (C)
            return;
        }
        // RFC 6675 §5 steps (1), (2): DupThresh duplicate ACKs, or fewer that SACK enough to make SND.UNA lost (a
        // peer that reports several segments per ACK). Not for data sent before the last RTO: RFC 6582 §3.2 step 1,
        // RFC 6675 §5.1.
        if (SeqNum.gt(segAck, c.recover)
            && (c.dupAcks >= SackScoreboard.DUP_THRESH || scoreboard.isLost(c, c.sndUna)))
        {
            c.recover = c.sndMax; // §5 (4.1): RecoveryPoint = HighData
            c.inRecovery = true;
            c.undoable = true;
            retransmitted.clear(c.slot);
            c.cwndBeforeRecovery = c.cwnd;
            c.ssthreshBeforeRecovery = c.ssthresh;
            c.recoveryRetransmitted = 0;
            c.recoveryDsacked = 0;
            // §5 (4.2): ssthresh = cwnd, no inflation by the duplicate ACKs: pipe tells what left the network.
            c.ssthresh = CongestionWindow.ssthreshOnLoss(c);
            c.cwnd = c.ssthresh;
            // §5 (4.3): resend SND.UNA's segment; HighRxt and RescueRxt just past it, so neither it nor a rescue
            // goes again before an ACK moves on.
            retransmitFirst(c);
            c.rescueRxt = c.highRxt;
            sendWhilePipeAllows(c); // (4.4), (4.5)
        }
    }

    /**
     * RFC 6675 §5 (C): while cwnd - pipe >= 1 SMSS, send what NextSeg (§4) names. Retransmissions leave now; new data
     * (rule 2) is left to {@link SegmentOutput#output}, which sends it after this ACK (corked, with Nagle, PSH and
     * FIN as always) against the same cwnd - pipe, and is only counted here so that rules 3 and 4 wait for it.
     */
    private void sendWhilePipeAllows(final TcpConnection c)
    {
        long pipe = scoreboard.pipe(c);
        // Bytes this round sends that SetPipe does not see: new data left to SegmentOutput, a rescue retransmission.
        long unseen = 0;
        long unsent = Math.max(0, c.sndBufEnd - c.sndNxt);
        long window = c.sndWnd - ((c.sndNxt - c.sndUna) & 0xFFFF_FFFFL);
        while (c.cwnd - (pipe + unseen) >= c.sndMss)
        {
            final boolean hole = firstHoleAboveHighRxt(c);
            if (hole && scoreboard.isLost(c, holeStart))
            {
                retransmitHole(c); // NextSeg rule (1): the first lost hole past HighRxt
                pipe = scoreboard.pipe(c);
            }
            else if (unsent > 0 && window > 0)
            {
                // Rule (2): new data the peer's window takes.
                final long length = Math.min(c.sndMss, Math.min(unsent, window));
                unsent -= length;
                window -= length;
                unseen += length;
            }
            else if (hole)
            {
                retransmitHole(c); // rule (3): not yet judged lost, but nothing else would keep the ACKs coming
                pipe = scoreboard.pipe(c);
            }
            else
            {
                final int rescued = rescueRetransmission(c);
                if (rescued == 0)
                {
                    return;
                }
                unseen += rescued;
            }
        }
    }

    /**
     * NextSeg rules (1) and (3) look for the same bytes: the first the peer has not SACKed past HighRxt and below
     * the highest byte it SACKed (§4 (1.a), (1.b)). IsLost is the same for the whole hole, so rule (1) applies to
     * this hole or to none.
     *
     * @return whether there is one; {@link #holeStart} and {@link #holeEnd} then name its data.
     */
    private boolean firstHoleAboveHighRxt(final TcpConnection c)
    {
        final int slot = c.slot;
        int from = SeqNum.max(c.highRxt, c.sndUna);
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
            // Data only: a FIN alone is the retransmission timer's to resend.
            holeStart = from;
            holeEnd = SeqNum.min(start, c.sndBufEnd);
            return SeqNum.lt(holeStart, holeEnd);
        }
        return false;
    }

    /** Resends the first segment of the hole {@link #firstHoleAboveHighRxt} found; HighRxt follows (§5 (C.2)). */
    private void retransmitHole(final TcpConnection c)
    {
        final int length = Math.min(holeEnd - holeStart, c.sndMss);
        retransmit(c, holeStart, TcpHeader.ACK, length);
        c.highRxt = holeStart + length;
    }

    /**
     * NextSeg rule (4), once per recovery and only after an ACK has moved past RescueRxt: the segment that ends with
     * the highest byte the peer has not SACKed — the tail of the flight, whose loss no later segment can reveal.
     * HighRxt stays. One step short of the RFC: a tail this recovery already resent (at or below HighRxt) is in
     * flight again, and its ACK will come; resending it once more would only be spurious.
     *
     * @return the bytes resent, 0 for none.
     */
    private int rescueRetransmission(final TcpConnection c)
    {
        if (!SeqNum.gt(c.sndUna, c.rescueRxt))
        {
            return 0;
        }
        final int slot = c.slot;
        final int n = sacked.count(slot);
        int top = c.sndMax;
        int floor = n > 0 ? sacked.end(slot, n - 1) : c.sndUna;
        if (n > 0 && SeqNum.ge(sacked.end(slot, n - 1), c.sndMax))
        {
            top = sacked.start(slot, n - 1);
            floor = n > 1 ? sacked.end(slot, n - 2) : c.sndUna;
        }
        top = SeqNum.min(top, c.sndBufEnd);
        floor = SeqNum.max(floor, c.sndUna);
        if (!SeqNum.gt(top, SeqNum.max(floor, c.highRxt)))
        {
            return 0;
        }
        final int from = SeqNum.max(floor, top - c.sndMss);
        retransmit(c, from, TcpHeader.ACK, top - from);
        c.rescueRxt = c.recover; // RescueRxt = RecoveryPoint: no second rescue in this recovery
        return top - from;
    }

    private void retransmit(final TcpConnection c, final int seq, final int flags, final int length)
    {
        counters.increment(StackCounter.TCP_RETRANSMITS);
        c.retransmits++;
        c.rttTiming = false; // Karn: no sample from a segment sent twice
        if (c.inRecovery && c.undoable)
        {
            c.recoveryRetransmitted += length;
            if (!retransmitted.add(c.slot, seq, seq + length))
            {
                c.undoable = false; // more separate ranges than are kept: this recovery cannot be matched
            }
        }
        out.writeSegment(c, seq, flags, length);
    }

    static long flightSize(final TcpConnection c)
    {
        return (c.sndMax - c.sndUna) & 0xFFFF_FFFFL;
    }

    /**
     * RFC 2018 §3: the peer's blocks of data it holds beyond SEG.ACK, kept when they lie in what we sent. A first
     * block that is a D-SACK (RFC 2883 §4) reports a duplicate, not data held: it stays off the scoreboard.
     *
     * @return whether a block SACKed bytes above SEG.ACK not SACKed before (RFC 6675 §2's duplicate ACK).
     */
    boolean takeSackBlocks(final TcpConnection c, final TcpOptions options, final int segAck)
    {
        final int slot = c.slot;
        final int acked = SeqNum.max(c.sndUna, segAck);
        boolean newlySacked = false;
        for (int b = 0, n = options.sackBlockCount(); b < n; b++)
        {
            final int left = options.sackLeft(b);
            final int right = options.sackRight(b);
            if (b == 0 && SeqNum.lt(left, right) && isDsack(options, segAck, left, right))
            {
                duplicateReported(c, left, right);
            }
            else if (SeqNum.lt(left, right) && SeqNum.lt(c.sndUna, right) && SeqNum.le(right, c.sndMax)
                && SeqNum.le(c.sndUna, left))
            {
                if (SeqNum.lt(acked, right) && !sacked.covers(slot, SeqNum.max(left, acked), right))
                {
                    newlySacked = true;
                }
                sacked.add(slot, left, right);
            }
        }
        return newlySacked;
    }

    /**
     * RFC 2883 §4: the first block reports a duplicate when it lies below SEG.ACK, or inside the second block (a
     * duplicate of data held out of order); an ordinary SACK block never does either.
     */
    private static boolean isDsack(final TcpOptions options, final int segAck, final int left, final int right)
    {
        return SeqNum.lt(left, segAck) || (options.sackBlockCount() > 1
            && SeqNum.le(options.sackLeft(1), left) && SeqNum.le(right, options.sackRight(1)));
    }

    /**
     * RFC 3708 §3: once every byte the last fast recovery retransmitted has come back D-SACKed, the peer had each
     * original already and the recovery was needless (reordering, or a delayed ACK clock, not loss). The window it
     * cut is then given back, as Linux does (RFC 3708 leaves the response open). Only D-SACKs within what the
     * recovery resent count, bytes not segments; a duplicate the network made of an original that was also resent
     * still looks the same (RFC 3708 names that ambiguity), at worst undoing one reduction.
     */
    private void duplicateReported(final TcpConnection c, final int left, final int right)
    {
        counters.increment(StackCounter.TCP_DSACKS_RECEIVED);
        if (c.undoable && c.recoveryRetransmitted > 0 && retransmitted.covers(c.slot, left, right))
        {
            c.recoveryDsacked += (right - left) & 0xFFFF_FFFFL;
            if (c.recoveryDsacked >= c.recoveryRetransmitted)
            {
                counters.increment(StackCounter.TCP_SPURIOUS_RETRANSMITS);
                c.undoable = false;
                c.cwnd = Math.max(c.cwnd, c.cwndBeforeRecovery);
                c.ssthresh = Math.max(c.ssthresh, c.ssthreshBeforeRecovery);
            }
        }
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
            retransmit(c, c.sndUna, flags, length);
            c.highRxt = c.sndUna + length; // what SACK recovery resends next starts past this
        }
        else if (c.finSent && c.sndUna == c.finSeq)
        {
            // A FIN alone: counted and kept from RTT sampling (Karn) as any retransmission. It carries no bytes, so
            // a D-SACK cannot vouch for it: a recovery that resent it is not undoable (RFC 3708 matches bytes).
            c.undoable = false;
            retransmit(c, c.finSeq, TcpHeader.FIN | TcpHeader.ACK, 0);
        }
    }

    /** The retransmission timer expired with data in flight (RFC 6298 §5.5-5.6 backs off and resends after this). */
    void retransmitTimeout(final TcpConnection c)
    {
        CongestionWindow.timeout(c); // ssthresh and cwnd: RFC 5681 §3.1 eqn. 4 or RFC 9438 §4.8
        // RFC 6582 §3.2 step 4, RFC 6675 §5.1: after a retransmit timeout, recover (RecoveryPoint) = the highest
        // sequence number sent; leave recovery, and start no other before SND.UNA passes it.
        c.recover = c.sndMax;
        c.inRecovery = false;
        c.dupAcks = 0;
        c.limitedTransmitted = 0;
        c.rttTiming = false;
        // Go-back-N resends everything: D-SACKs from here on say nothing about the fast recovery before.
        c.undoable = false;
        // RFC 2018 §8: after a timeout the receiver may have reneged; resend from SND.UNA without the blocks. RFC 6675
        // §5.1 keeps that rule (it only notes that some would keep the blocks), and the blocks the peer sends after
        // the timeout rebuild the scoreboard within a round trip; keeping them would need a test for reneging.
        sacked.clear(c.slot);
        c.highRxt = c.sndUna;
    }
}
