package dev.synack.tcp;

import dev.synack.stack.StackConfig;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;

/**
 * RFC 9293 §3.10.7.4 for a 4-tuple held in a {@link TimeWaitTable} record: the steps of the synchronized states as
 * they apply to TIME-WAIT, where our FIN is acknowledged and the peer's received, so only the first (acceptability,
 * with RFC 7323's PAWS), second (RST, RFC 5961 §3.2 and optionally RFC 1337), fourth (SYN, RFC 5961 §4.2), fifth
 * (an ACK of nothing we sent) and eighth (a retransmitted FIN, §3.6.1) have anything to do. A SYN that may reopen
 * the 4-tuple (RFC 6191) is taken to the listener by segment arrival.
 * <p>
 * Stack thread only; never allocates.
 */
final class TimeWaitSegments
{
    private final StackCounters counters;
    private final TcpTime time;
    private final TimeWaitTable timeWait;
    private final SegmentOutput out;
    private final ConnectionLifecycle lifecycle;
    private final long twoMslNs;
    private final long invalidAckIntervalNs;
    private final int challengeAckLimit;
    private final boolean rfc1337;

    TimeWaitSegments(final StackConfig config, final StackCounters counters, final TcpTime time,
        final TimeWaitTable timeWait, final SegmentOutput out, final ConnectionLifecycle lifecycle)
    {
        this.counters = counters;
        this.time = time;
        this.timeWait = timeWait;
        this.out = out;
        this.lifecycle = lifecycle;
        this.twoMslNs = 2 * config.mslNs();
        this.invalidAckIntervalNs = config.invalidAckIntervalNs();
        this.challengeAckLimit = config.challengeAckLimit();
        this.rfc1337 = config.rfc1337();
    }

    /**
     * RFC 6191 §2 (and the note to §3.10.7.4): may this SYN open a new incarnation of the 4-tuple? With timestamps on
     * the old incarnation and in the SYN, when its TSval is above TS.Recent, or equal to it (a reconnect within the
     * peer's clock tick) with its SEQ above RCV.NXT, as Linux judges it; otherwise when its SEQ lies above RCV.NXT.
     * Either way none of the old incarnation's duplicates can be taken for the new one.
     */
    boolean reopens(final int r, final int segSeq, final TcpOptions options)
    {
        final int rcvNxt = timeWait.rcvNxt(r);
        if (timeWait.timestamps(r) && options.hasTimestamps())
        {
            final int tsVal = options.tsVal();
            final int tsRecent = timeWait.tsRecent(r);
            return SeqNum.gt(tsVal, tsRecent) || (tsVal == tsRecent && SeqNum.gt(segSeq, rcvNxt));
        }
        return SeqNum.gt(segSeq, rcvNxt);
    }

    /**
     * Processes one segment for a TIME-WAIT record (a SYN that reopens has been taken already).
     *
     * @return why it was dropped, or {@link DropReason#NONE}.
     */
    DropReason onSegment(final int r, final int segSeq, final int segAck, final int segFlags, final int segLen,
        final int dataLength, final TcpOptions options)
    {
        final boolean rst = (segFlags & TcpHeader.RST) != 0;
        final boolean syn = (segFlags & TcpHeader.SYN) != 0;
        final boolean fin = (segFlags & TcpHeader.FIN) != 0;
        final boolean ts = timeWait.timestamps(r);
        final int rcvNxt = timeWait.rcvNxt(r);
        // RFC 7323 §3.2: with timestamps negotiated, a segment without them is dropped (a RST is judged as usual).
        if (ts && !options.hasTimestamps() && !rst)
        {
            return DropReason.TCP_NO_TIMESTAMPS;
        }
        // §3.6.1: the peer's FIN again (our last ACK was lost): acknowledge it and restart 2MSL.
        if (fin && !rst && !syn && segSeq + segLen == rcvNxt)
        {
            ack(r);
            timeWait.restart(r, time.now + twoMslNs);
            return DropReason.NONE;
        }
        // RFC 7323 §5.3 R1 (PAWS): older than TS.Recent is an old duplicate; one tick older passes, as on Linux, but
        // not for a SYN, which must be newer than the old incarnation (RFC 6191).
        if (ts && options.hasTimestamps() && !rst
            && Acceptability.pawsRejects(timeWait.tsRecent(r), options.tsVal(), syn))
        {
            outOfWindowAck(r, segLen, syn);
            return DropReason.TCP_PAWS;
        }
        // First: acceptability, against the window our last ACK offered.
        if (!Acceptability.inWindow(rcvNxt, timeWait.window(r), segSeq, segLen, rst))
        {
            if (!rst)
            {
                outOfWindowAck(r, segLen, syn); // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
            }
            return DropReason.TCP_UNACCEPTABLE;
        }
        // Second: RST. RFC 5961 §3.2: only one exactly at RCV.NXT resets; others in the window are challenged.
        if (rst)
        {
            if (rfc1337)
            {
                return DropReason.TCP_RST_IN_TIME_WAIT; // RFC 1337: 2MSL runs on, and no challenge ACK answers it
            }
            if (segSeq != rcvNxt)
            {
                challengeAck(r);
                return DropReason.TCP_UNACCEPTABLE;
            }
            counters.increment(StackCounter.TCP_RESETS_RECEIVED);
            lifecycle.endTimeWait(r, "RST in TIME-WAIT");
            return DropReason.NONE;
        }
        // Fourth: a SYN in the window (one that could not reopen): RFC 5961 §4.2, a challenge ACK.
        if (syn)
        {
            challengeAck(r);
            return DropReason.TCP_UNACCEPTABLE;
        }
        // Fifth: the ACK field. An ACK of something not yet sent: send an ACK, drop the segment.
        if ((segFlags & TcpHeader.ACK) == 0)
        {
            return DropReason.TCP_UNACCEPTABLE;
        }
        if (SeqNum.gt(segAck, timeWait.sndNxt(r)))
        {
            outOfWindowAck(r, segLen, false);
            return DropReason.TCP_UNACCEPTABLE;
        }
        // RFC 7323 §4.3: an acceptable segment starting at or before Last.ACK.sent (RCV.NXT here) refreshes TS.Recent.
        if (ts && options.hasTimestamps() && SeqNum.le(segSeq, rcvNxt)
            && SeqNum.ge(options.tsVal(), timeWait.tsRecent(r)))
        {
            timeWait.tsRecent(r, options.tsVal());
        }
        // Seventh and eighth: the peer's FIN came already; text, and a FIN anywhere but the one above, are ignored.
        return dataLength > 0 || fin ? DropReason.TCP_AFTER_FIN : DropReason.NONE;
    }

    /** An ACK for an unacceptable segment; those without text or FIN (and SYNs) at most one per interval (as Linux). */
    private void outOfWindowAck(final int r, final int segLen, final boolean syn)
    {
        if ((segLen == 0 || syn) && time.now - timeWait.lastOutOfWindowAckNs(r) < invalidAckIntervalNs)
        {
            counters.increment(StackCounter.TCP_INVALID_ACKS_SUPPRESSED);
            return;
        }
        timeWait.lastOutOfWindowAckNs(r, time.now);
        ack(r);
    }

    /** RFC 5961 §7: capped per second per 4-tuple, as for a connection. */
    private void challengeAck(final int r)
    {
        if (!timeWait.challengeAllowed(r, time.now, challengeAckLimit))
        {
            counters.increment(StackCounter.TCP_CHALLENGE_ACKS_SUPPRESSED);
            return;
        }
        counters.increment(StackCounter.TCP_CHALLENGE_ACKS);
        ack(r);
    }

    /** <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, with the window last offered and, if negotiated, timestamps. */
    private void ack(final int r)
    {
        out.sendTimeWaitAck(timeWait.remoteIp(r), timeWait.remotePort(r), timeWait.localPort(r), timeWait.sndNxt(r),
            timeWait.rcvNxt(r), timeWait.windowField(r), timeWait.timestamps(r), timeWait.tsOffset(r),
            timeWait.tsRecent(r));
    }
}
