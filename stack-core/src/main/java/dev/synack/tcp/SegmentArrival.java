package dev.synack.tcp;

import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

import dev.synack.api.CloseReason;
import dev.synack.stack.StackConfig;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;

/**
 * Segment arrival, in the order of RFC 9293 §3.10.7: CLOSED (§3.10.7.1), LISTEN (§3.10.7.2), SYN-SENT (§3.10.7.3),
 * and SYN-RECEIVED with the synchronized states (§3.10.7.4, steps one to eight: acceptability and trimming to the
 * window, RST, SYN, ACK, text, FIN), with RFC 5961's challenge ACKs, RFC 7323's PAWS and TS.Recent, and the
 * reopening of a TIME-WAIT by a new SYN (RFC 6191). What the ACK does to the congestion window is
 * {@link LossRecovery}'s; what goes out in answer is {@link SegmentOutput}'s.
 * <p>
 * Stack thread only; never allocates.
 */
final class SegmentArrival
{
    private static final long NO_DEADLINE = TcpConnection.NO_DEADLINE;
    private static final int ACK_CONTINUE = 0;
    private static final int ACK_DONE = 1;
    private static final int ACK_DROP = 2;
    /** What a new incarnation's ISS adds to the SND.NXT of the TIME-WAIT it reopens (Linux: 65535 + 2). */
    private static final int REOPEN_ISS_GAP = 65537;
    /** Duplicate ACKs sent at once per RCV.NXT before the rest are compressed (Linux: TCP_FASTRETRANS_THRESH). */
    private static final int IMMEDIATE_DUP_ACKS = 3;
    /** RFC 7323 §5.5: how long TS.Recent stays valid on an idle connection (Linux: TCP_PAWS_24DAYS). */
    private static final long PAWS_IDLE_NS = 24L * 24 * 3600 * 1_000_000_000L;

    private final StackCounters counters;
    private final TcpTime time;
    private final ConnectionTable table;
    private final Int2ObjectHashMap<Listener> listeners;
    private final OutOfOrderRanges outOfOrder;
    private final ConnectionBuffers buffers;
    private final ConnectionTimer timer;
    private final RttEstimator rtt;
    private final ReceiveAutoTuning autoTuning;
    private final SegmentOutput out;
    private final LossRecovery loss;
    private final ConnectionLifecycle lifecycle;
    private final TcpTimers timers;
    private final TimeWaitTable timeWait;
    private final TimeWaitSegments timeWaitSegments;
    private final int localIp;
    private final int receiveSize;
    private final boolean rstOnFullTable;
    private final int challengeAckLimit;
    private final long delayedAckNs;
    private final long invalidAckIntervalNs;
    private final long finWait2TimeoutNs;
    private final int synRetries;
    /** RFC 4987 §3.6: SYN cookies for a full listener; null when configured off. */
    private final CookieHandshake cookies;

    private final TcpHeader seg = new TcpHeader();
    private int segGeneration;
    // The segment being processed (RFC 9293 §3.10.7 names: SEG.SEQ, SEG.ACK, SEG.LEN, SEG.WND).
    private int segSeq;
    private int segAck;
    private int segFlags;
    private int segWnd;
    private int segLen;
    private int dataOffset;
    private int dataLength;
    private boolean segFin;
    /** RFC 7323 §4.3: the segment's TSval may become TS.Recent once the segment is accepted. */
    private boolean segTsRecent;
    /** RFC 2883 §4: text of the segment below RCV.NXT, cut off by trimming: [dupStart, dupEnd), empty if none. */
    private int dupStart;
    private int dupEnd;

    SegmentArrival(
        final StackConfig config, final StackCounters counters, final TcpTime time, final ConnectionTable table,
        final Int2ObjectHashMap<Listener> listeners, final OutOfOrderRanges outOfOrder, final ConnectionBuffers buffers,
        final ConnectionTimer timer, final RttEstimator rtt, final ReceiveAutoTuning autoTuning,
        final SegmentOutput out, final LossRecovery loss, final ConnectionLifecycle lifecycle, final TcpTimers timers,
        final TimeWaitTable timeWait, final CookieHandshake cookies)
    {
        this.counters = counters;
        this.time = time;
        this.table = table;
        this.listeners = listeners;
        this.outOfOrder = outOfOrder;
        this.buffers = buffers;
        this.timer = timer;
        this.rtt = rtt;
        this.autoTuning = autoTuning;
        this.out = out;
        this.loss = loss;
        this.lifecycle = lifecycle;
        this.timers = timers;
        this.timeWait = timeWait;
        this.timeWaitSegments = new TimeWaitSegments(config, counters, time, timeWait, out, lifecycle);
        this.localIp = config.ip();
        this.receiveSize = buffers.receiveSize();
        this.rstOnFullTable = config.rstOnFullTable();
        this.challengeAckLimit = config.challengeAckLimit();
        this.delayedAckNs = config.delayedAckNs();
        this.invalidAckIntervalNs = config.invalidAckIntervalNs();
        this.finWait2TimeoutNs = config.finWait2TimeoutNs();
        this.synRetries = config.synRetries();
        this.cookies = cookies;
    }

    /**
     * Processes one segment addressed to us.
     *
     * @param buffer the frame's buffer.
     * @param offset where the TCP header starts.
     * @param length the segment length.
     * @param sourceIp the sender.
     * @return why it was dropped, or {@link DropReason#NONE} when it was processed.
     */
    DropReason onSegment(final MutableDirectBuffer buffer, final int offset, final int length, final int sourceIp)
    {
        final DropReason reason = seg.wrapChecked(buffer, offset, length, sourceIp, localIp);
        if (reason != DropReason.NONE)
        {
            return reason;
        }
        counters.increment(StackCounter.TCP_SEGMENTS_IN);
        segSeq = seg.seq();
        segAck = seg.ack();
        segFlags = seg.flags();
        segWnd = seg.window();
        dataOffset = seg.payloadOffset();
        dataLength = seg.payloadLength();
        segFin = (segFlags & TcpHeader.FIN) != 0;
        segLen = dataLength + ((segFlags & TcpHeader.SYN) != 0 ? 1 : 0) + (segFin ? 1 : 0);
        dupStart = 0;
        dupEnd = 0;
        final int remotePort = seg.sourcePort();
        final int localPort = seg.destinationPort();
        if (remotePort == 0 || localPort == 0)
        {
            return DropReason.TCP_UNACCEPTABLE;
        }

        final TcpConnection c = table.find(sourceIp, remotePort, localPort);
        if (c == null)
        {
            final int r = timeWait.find(sourceIp, remotePort, localPort);
            if (r != TimeWaitTable.NONE)
            {
                return timeWait(r, sourceIp, remotePort, localPort);
            }
            final Listener listener = listeners.get(localPort);
            return listener == null ? closed(sourceIp, remotePort, localPort) : listen(listener, sourceIp, remotePort);
        }
        segGeneration = c.generation;
        if (c.state == TcpState.SYN_SENT)
        {
            return synSent(c);
        }
        final DropReason result = synchronizedArrival(c);
        if (!gone(c))
        {
            out.output(c);
        }
        return result;
    }

    /** A segment for a 4-tuple in TIME-WAIT: a SYN that may reopen it goes to the listener, the rest to the record. */
    private DropReason timeWait(final int r, final int remoteIp, final int remotePort, final int localPort)
    {
        if (has(TcpHeader.SYN) && !has(TcpHeader.RST | TcpHeader.ACK))
        {
            final Listener listener = listeners.get(localPort);
            if (listener != null && timeWaitSegments.reopens(r, segSeq, seg.options()))
            {
                if (listener.embryonic >= listener.backlog)
                {
                    // The TIME-WAIT is ended only for a SYN the listener takes: kept, the peer's SYN retry finds it.
                    counters.increment(StackCounter.TCP_TABLE_FULL);
                    return DropReason.NONE;
                }
                // RFC 9293 §3.6.1, RFC 6191: the new incarnation's ISS lies above all the old one sent (as Linux:
                // SND.NXT + 65537), so the peer's TIME-WAIT, if it holds one too, takes our SYN-ACK as new.
                lifecycle.reopenIss(timeWait.sndNxt(r) + REOPEN_ISS_GAP);
                lifecycle.endTimeWait(r, "SYN reopens TIME-WAIT");
                final DropReason result = listen(listener, remoteIp, remotePort);
                lifecycle.reopenIssDone();
                return result;
            }
        }
        return timeWaitSegments.onSegment(r, segSeq, segAck, segFlags, segLen, dataLength, seg.options());
    }

    /**
     * @return whether the connection this segment arrived for has ended — a callback may have aborted it, and
     *     even reused its slot for a new connection (the free list is LIFO) — so processing must stop.
     */
    private boolean gone(final TcpConnection c)
    {
        return c.state == TcpState.CLOSED || c.generation != segGeneration;
    }

    private boolean has(final int flags)
    {
        return (segFlags & flags) != 0;
    }

    /** RFC 9293 §3.10.7.1: CLOSED — no connection and no listener. */
    private DropReason closed(final int remoteIp, final int remotePort, final int localPort)
    {
        if (has(TcpHeader.RST))
        {
            return DropReason.TCP_RST_TO_CLOSED;
        }
        if (has(TcpHeader.ACK))
        {
            out.sendRst(remoteIp, remotePort, localPort, segAck, 0, TcpHeader.RST);
        }
        else
        {
            out.sendRst(remoteIp, remotePort, localPort, 0, segSeq + segLen, TcpHeader.RST | TcpHeader.ACK);
        }
        return DropReason.NONE;
    }

    /** RFC 9293 §3.10.7.2: LISTEN. */
    private DropReason listen(final Listener listener, final int remoteIp, final int remotePort)
    {
        if (has(TcpHeader.RST))
        {
            return DropReason.TCP_UNACCEPTABLE;
        }
        if (has(TcpHeader.ACK))
        {
            if (cookies != null && !has(TcpHeader.SYN) && cookies.expected(listener, time.now))
            {
                return cookieAck(listener, remoteIp, remotePort);
            }
            // An ACK to a listener (a stale or forged handshake completion): <SEQ=SEG.ACK><CTL=RST>.
            out.sendRst(remoteIp, remotePort, listener.port, segAck, 0, TcpHeader.RST);
            return DropReason.NONE;
        }
        if (!has(TcpHeader.SYN))
        {
            return DropReason.TCP_UNACCEPTABLE;
        }
        final TcpConnection c = listener.embryonic < listener.backlog
            ? lifecycle.allocate(remoteIp, remotePort, listener.port) : null;
        if (c == null)
        {
            if (cookies != null)
            {
                cookies.synAck(listener, remoteIp, seg, time.now); // RFC 4987 §3.6: a SYN-ACK that keeps no state
                return DropReason.NONE;
            }
            counters.increment(StackCounter.TCP_TABLE_FULL);
            if (rstOnFullTable)
            {
                out.sendRst(remoteIp, remotePort, listener.port, 0, segSeq + segLen, TcpHeader.RST | TcpHeader.ACK);
            }
            return DropReason.NONE;
        }
        lifecycle.open(c, listener.handler, listener);
        listener.embryonic++;
        c.handshakeRetries = listener.synAckRetries(synRetries);
        counters.increment(StackCounter.TCP_PASSIVE_OPENS);
        // RCV.NXT = SEG.SEQ + 1, IRS = SEG.SEQ; text in the SYN is not queued: the peer retransmits it.
        c.irs = segSeq;
        c.rcvNxt = segSeq + 1;
        c.readSeq = c.rcvNxt;
        c.rcvAdv = c.rcvNxt;
        buffers.receiveStart(c);
        lifecycle.takeSynOptions(c, seg.options());
        c.sndWnd = segWnd;
        c.sndWl1 = segSeq;
        c.sndWl2 = c.iss;
        lifecycle.state(c, TcpState.SYN_RECEIVED, "SYN in LISTEN");
        out.sendSyn(c, TcpHeader.SYN | TcpHeader.ACK);
        timer.armRetransmit(c);
        timer.rearm(c);
        return DropReason.NONE;
    }

    /**
     * RFC 4987 §3.6: an ACK to a listener whose SEG.ACK - 1 is one of our cookies stands for the SYN-RECEIVED entry
     * the listener had no room for. The entry is rebuilt from the cookie and the ACK then processed in it (§3.10.7.4),
     * which takes the connection to ESTABLISHED with any text the ACK carries. A bad cookie gets the RST any ACK to
     * a listener gets.
     */
    private DropReason cookieAck(final Listener listener, final int remoteIp, final int remotePort)
    {
        if (!cookies.accept(remoteIp, listener.port, seg, time.now))
        {
            out.sendRst(remoteIp, remotePort, listener.port, segAck, 0, TcpHeader.RST);
            return DropReason.NONE;
        }
        final TcpConnection c = lifecycle.allocate(remoteIp, remotePort, listener.port);
        if (c == null)
        {
            // No slot: the cookie stays good, and the peer's retransmission brings it back.
            counters.increment(StackCounter.TCP_TABLE_FULL);
            return DropReason.NONE;
        }
        lifecycle.reopenIss(segAck - 1);
        // not an embryo of the listener: it leaves SYN-RECEIVED with this ACK
        lifecycle.open(c, listener.handler, null);
        lifecycle.reopenIssDone();
        counters.increment(StackCounter.TCP_PASSIVE_OPENS);
        cookies.restore(c);
        buffers.receiveStart(c);
        buffers.reserveReceiveWindow(c); // the window the cookie's SYN-ACK offered, as far as the pool allows
        c.tsRecentAtNs = time.now;
        segGeneration = c.generation;
        lifecycle.state(c, TcpState.SYN_RECEIVED, "SYN cookie in ACK to LISTEN");
        final DropReason result = synchronizedArrival(c);
        if (!gone(c))
        {
            out.output(c);
        }
        return result;
    }

    /** RFC 9293 §3.10.7.3: SYN-SENT. */
    private DropReason synSent(final TcpConnection c)
    {
        final boolean ackAcceptable = SeqNum.lt(c.iss, segAck) && SeqNum.le(segAck, c.sndNxt);
        if (has(TcpHeader.ACK) && !ackAcceptable)
        {
            // An ACK for something we never sent (e.g. an old duplicate's SYN-ACK, §3.5): <SEQ=SEG.ACK><CTL=RST>.
            if (!has(TcpHeader.RST))
            {
                out.sendRst(c.remoteIp, c.remotePort, c.localPort, segAck, 0, TcpHeader.RST);
            }
            return DropReason.TCP_UNACCEPTABLE;
        }
        if (has(TcpHeader.RST))
        {
            if (!ackAcceptable)
            {
                return DropReason.TCP_UNACCEPTABLE;
            }
            counters.increment(StackCounter.TCP_RESETS_RECEIVED);
            lifecycle.finish(c, CloseReason.REFUSED, "RST in SYN-SENT: connection refused");
            return DropReason.NONE;
        }
        if (!has(TcpHeader.SYN))
        {
            return DropReason.TCP_UNACCEPTABLE;
        }
        c.irs = segSeq;
        c.rcvNxt = segSeq + 1;
        c.readSeq = c.rcvNxt;
        c.rcvAdv = c.rcvNxt;
        buffers.receiveStart(c);
        lifecycle.takeSynOptions(c, seg.options());
        if (has(TcpHeader.ACK))
        {
            c.sndUna = segAck;
            rtt.sample(c, segAck, seg.options().tsEcr(), time.now);
            c.retries = 0;
            updateWindow(c, segWnd, segSeq, segAck);
            c.rtxDeadline = NO_DEADLINE;
            // Our SYN is acknowledged: ESTABLISHED; <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
            lifecycle.state(c, TcpState.ESTABLISHED, "SYN-ACK in SYN-SENT");
            c.ackNow = true;
            lifecycle.established(c);
        }
        else
        {
            // Simultaneous open (§3.5, figure 8): SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
            c.sndWnd = segWnd;
            c.sndWl1 = segSeq;
            lifecycle.state(c, TcpState.SYN_RECEIVED, "SYN in SYN-SENT: simultaneous open");
            out.sendSyn(c, TcpHeader.SYN | TcpHeader.ACK);
            timer.armRetransmit(c);
        }
        if (!gone(c))
        {
            out.output(c);
        }
        return DropReason.NONE;
    }

    /** RFC 9293 §3.10.7.4: SYN-RECEIVED and the synchronized states, steps one to eight. */
    private DropReason synchronizedArrival(final TcpConnection c)
    {
        // Any segment on the 4-tuple, acceptable or not, shows the peer is not silent (the FIN-WAIT-2 timeout).
        c.lastHeardNs = time.now;
        // RFC 7323 §3.2: once both SYNs carried timestamps, every segment but a RST carries them; one that does not
        // is dropped silently (a RST is judged by the usual rules).
        if (c.timestamps && !seg.options().hasTimestamps() && !has(TcpHeader.RST))
        {
            return DropReason.TCP_NO_TIMESTAMPS;
        }
        // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost; answer with it again.
        if (c.state == TcpState.SYN_RECEIVED && has(TcpHeader.SYN) && !has(TcpHeader.ACK | TcpHeader.RST)
            && segSeq == c.irs)
        {
            out.sendSyn(c, TcpHeader.SYN | TcpHeader.ACK);
            // RFC 6298 §3 (Karn): the SYN-ACK went out twice, so the ACK that completes the handshake may answer
            // either; it gives no RTT sample.
            c.rttTiming = false;
            counters.increment(StackCounter.TCP_RETRANSMITS);
            c.retransmits++;
            return DropReason.NONE;
        }

        // Simultaneous open (§3.5 figure 8): the peer's SYN-ACK repeats the SYN we already took; the SYN
        // occupies IRS, below RCV.NXT, so drop it from the segment and process the rest (its ACK).
        if (c.state == TcpState.SYN_RECEIVED && has(TcpHeader.SYN) && has(TcpHeader.ACK) && !has(TcpHeader.RST)
            && segSeq == c.irs)
        {
            segFlags &= ~TcpHeader.SYN;
            segSeq++;
            segLen--;
        }

        // RFC 7323 §5.3 R1 (PAWS), before the sequence check: a timestamp older than TS.Recent marks an old
        // duplicate from an earlier wrap of the sequence space; ACK it and drop it (a RST is judged as usual).
        final TcpOptions options = seg.options();
        // RFC 7323 §5.5: after 24 days idle the peer's clock may have moved 2^31 ticks on, so TS.Recent is no
        // longer valid: PAWS does not judge the segment, and its TSval is taken whatever it is.
        // One tick older passes, as on Linux, but not for a SYN (Acceptability).
        final boolean tsRecentValid = time.now - c.tsRecentAtNs < PAWS_IDLE_NS;
        if (c.timestamps && options.hasTimestamps() && !has(TcpHeader.RST) && tsRecentValid
            && Acceptability.pawsRejects(c.tsRecent, options.tsVal(), has(TcpHeader.SYN)))
        {
            invalidAck(c);
            return DropReason.TCP_PAWS;
        }

        // First: check the sequence number. A segment of no length exactly at RCV.NXT (most ACKs) is acceptable
        // whatever the window, zero included, and has nothing to trim: the window is not even computed for it.
        final boolean bareAtRcvNxt = segLen == 0 && segSeq == c.rcvNxt;
        final int window = bareAtRcvNxt ? 0 : SeqNum.max(c.rcvAdv, c.rcvNxt + buffers.receiveWindow(c)) - c.rcvNxt;
        if (!bareAtRcvNxt && !Acceptability.inWindow(c.rcvNxt, window, segSeq, segLen, has(TcpHeader.RST)))
        {
            if (window == 0 && segSeq == c.rcvNxt)
            {
                // §3.10.7.4: a zero window still takes valid ACKs, URGs and RSTs; the text is dropped.
                dataLength = 0;
                segFin = false;
                c.ackNow = true;
            }
            else
            {
                if (!has(TcpHeader.RST))
                {
                    if (dataLength > 0 && !has(TcpHeader.SYN) && SeqNum.le(segSeq + dataLength, c.rcvNxt))
                    {
                        duplicateText(c, segSeq, segSeq + dataLength);
                    }
                    invalidAck(c); // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
                }
                return DropReason.TCP_UNACCEPTABLE;
            }
        }
        // RFC 7323 §4.3 (R3): a segment that starts at or before Last.ACK.sent may refresh TS.Recent — judged here,
        // on SEG.SEQ as sent, but taken only once the RST, SYN and ACK checks have accepted the segment.
        segTsRecent = c.timestamps && options.hasTimestamps() && SeqNum.le(segSeq, c.lastAckSent)
            && (!tsRecentValid || SeqNum.ge(options.tsVal(), c.tsRecent));
        // RFC 5961 §3.2 judges a RST by the sequence number it was sent with, before trimming moves it.
        final int rstSeq = segSeq;
        if (!bareAtRcvNxt)
        {
            trimToWindow(c, window);
        }
        timer.keepAliveRestart(c);

        // Second: the RST bit (RFC 5961 §3.2: only an exact RCV.NXT match resets; others get a challenge ACK).
        if (has(TcpHeader.RST))
        {
            if (rstSeq != c.rcvNxt)
            {
                challengeAck(c);
                return DropReason.TCP_UNACCEPTABLE;
            }
            counters.increment(StackCounter.TCP_RESETS_RECEIVED);
            switch (c.state)
            {
                case SYN_RECEIVED:
                    if (c.passive)
                    {
                        // §3.10.7.4: a passive open returns to LISTEN — the listener stays, the embryo goes.
                        lifecycle.release(c);
                        return DropReason.NONE;
                    }
                    lifecycle.finish(c, CloseReason.REFUSED, "RST in SYN-RECEIVED: connection refused");
                    return DropReason.NONE;
                case ESTABLISHED:
                case FIN_WAIT_1:
                case FIN_WAIT_2:
                case CLOSE_WAIT:
                    lifecycle.finish(c, CloseReason.RESET, "RST: connection reset");
                    return DropReason.NONE;
                default:
                    // §3.10.7.4: CLOSING, LAST-ACK — enter CLOSED, delete the TCB; the user has not heard the end yet.
                    // (TIME-WAIT holds no connection: TimeWaitSegments.)
                    lifecycle.finish(c, CloseReason.RESET, "RST in CLOSING or LAST-ACK: connection reset");
                    return DropReason.NONE;
            }
        }

        // Fourth: the SYN bit. SYN-RECEIVED of a passive OPEN returns to LISTEN (§3.10.7.4): the embryo goes, the
        // listener stays and the application never hears. Elsewhere RFC 5961 §4.2: a challenge ACK.
        if (has(TcpHeader.SYN))
        {
            if (c.state == TcpState.SYN_RECEIVED && c.passive)
            {
                counters.increment(StackCounter.TCP_SYN_IN_SYN_RECEIVED);
                lifecycle.release(c);
                return DropReason.NONE;
            }
            challengeAck(c);
            return DropReason.TCP_UNACCEPTABLE;
        }

        // Fifth: the ACK field.
        if (!has(TcpHeader.ACK))
        {
            return DropReason.TCP_UNACCEPTABLE;
        }
        if (c.state == TcpState.SYN_RECEIVED)
        {
            if (SeqNum.lt(c.sndUna, segAck) && SeqNum.le(segAck, c.sndMax))
            {
                // Third step of the handshake: ESTABLISHED.
                if (c.listener != null)
                {
                    c.listener.embryonic--;
                    c.listener = null;
                }
                c.retries = 0;
                c.rtxDeadline = NO_DEADLINE;
                updateWindow(c, segWnd << c.sndShift, segSeq, segAck);
                lifecycle.state(c, TcpState.ESTABLISHED, "ACK of SYN in SYN-RECEIVED");
                lifecycle.established(c);
                if (gone(c))
                {
                    return DropReason.NONE;
                }
                if (c.finQueued && c.state == TcpState.ESTABLISHED)
                {
                    // A CLOSE issued in SYN-RECEIVED (§3.10.4) takes effect now.
                    lifecycle.state(c, TcpState.FIN_WAIT_1, "CLOSE queued in SYN-RECEIVED");
                }
            }
            else
            {
                // Not an ACK of our SYN (§3.5 old duplicate handling): <SEQ=SEG.ACK><CTL=RST>.
                out.sendRst(c.remoteIp, c.remotePort, c.localPort, segAck, 0, TcpHeader.RST);
                return DropReason.TCP_UNACCEPTABLE;
            }
        }
        final int ackResult = processAck(c);
        if (ackResult == ACK_DROP)
        {
            return DropReason.TCP_UNACCEPTABLE;
        }
        if (ackResult == ACK_DONE || gone(c))
        {
            return DropReason.NONE;
        }

        // RFC 9293 §3.10.7.4 steps 7 and 8 — in CLOSE-WAIT, CLOSING, LAST-ACK and TIME-WAIT the peer's FIN came
        // already: text and a further FIN are ignored; RCV.NXT and the FIN's place stay where the first FIN put them.
        if (ConnectionBuffers.finReceived(c))
        {
            return dataLength > 0 || segFin ? DropReason.TCP_AFTER_FIN : DropReason.NONE;
        }

        // Sixth (URG) is ignored; seventh: the segment text (ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2).
        partialDuplicate(c);
        if (dataLength > 0)
        {
            receiveText(c);
            if (gone(c))
            {
                return DropReason.NONE;
            }
        }

        // Eighth: the FIN bit (a FIN received while processing the text, from beyond a hole, moved the state on).
        if (segFin && !ConnectionBuffers.finReceived(c))
        {
            final int finSeq = segSeq + dataLength;
            if (finSeq == c.rcvNxt)
            {
                receiveFin(c);
            }
            else if (SeqNum.gt(finSeq, c.rcvNxt))
            {
                c.peerFinPending = true;
                c.peerFinSeq = finSeq;
            }
        }
        return DropReason.NONE;
    }

    /** Cuts off what lies before RCV.NXT or beyond the window, so only new, fitting text remains. */
    private void trimToWindow(final TcpConnection c, final int window)
    {
        if (has(TcpHeader.SYN))
        {
            // RFC 5961 §4: a SYN in a synchronized state is challenged whatever its sequence number — never trimmed
            // off (that would take a blind SYN's text below RCV.NXT as if it were the next bytes of the stream).
            return;
        }
        if (SeqNum.lt(segSeq, c.rcvNxt))
        {
            final int skip = c.rcvNxt - segSeq;
            final int cut = Math.min(skip, dataLength);
            dupStart = segSeq;
            dupEnd = segSeq + cut;
            dataOffset += cut;
            dataLength -= cut;
            segSeq += cut;
            if (skip > cut)
            {
                segFin = false;
                segSeq = c.rcvNxt;
            }
        }
        // The ring's end, and the end of the pages reserved for it (which every window offered lies within) until
        // the FIN is in: then no text is taken, and the reservation past it is gone.
        final int ringEnd = SeqNum.min(c.rcvNxt + window, c.readSeq + receiveSize);
        final int right = ConnectionBuffers.finReceived(c) ? ringEnd : SeqNum.min(ringEnd, buffers.reservedEdge(c));
        if (SeqNum.gt(segSeq + dataLength, right))
        {
            dataLength = Math.max(0, right - segSeq);
            segFin = false;
        }
    }

    /** §3.10.7.4 fifth step for ESTABLISHED and the closing states. */
    private int processAck(final TcpConnection c)
    {
        if (c.persist && segAck == c.sndMax + 1 && c.sndNxt == c.sndMax && c.sndBufEnd != c.sndMax)
        {
            // The peer kept the byte of new data our zero-window probe carried (RFC 9293 §3.8.6.1): it counts as sent.
            c.sndNxt = segAck;
            c.sndMax = segAck;
        }
        // RFC 5961 §5.2: SEG.ACK must lie in [SND.UNA - MAX.SND.WND, SND.NXT]; else a challenge ACK.
        if (SeqNum.gt(segAck, c.sndMax))
        {
            invalidAck(c); // RFC 9293 §3.10.7.4: an ACK of something not yet sent — send an ACK, drop the segment
            return ACK_DROP;
        }
        if (SeqNum.lt(segAck, c.sndUna - (int)Math.min(c.maxSndWnd, Integer.MAX_VALUE)))
        {
            challengeAck(c);
            return ACK_DROP;
        }
        if (segTsRecent)
        {
            // RFC 7323 §4.3 (and Linux since 2013): the ACK is acceptable, so the segment is; only now may its TSval
            // become TS.Recent. A blind segment with a bad ACK, RST or SYN never poisons PAWS for the genuine peer.
            c.tsRecent = seg.options().tsVal();
            c.tsRecentAtNs = time.now;
        }
        c.probesOut = 0; // the peer answers: zero-window probes count toward the limit only while it is silent
        final int scaledWindow = segWnd << c.sndShift;
        final boolean newlySacked = c.sackPermitted && loss.takeSackBlocks(c, seg.options(), segAck);
        final boolean sndUnaMoves = SeqNum.gt(segAck, c.sndUna);
        if (sndUnaMoves)
        {
            loss.newAck(c, segAck, seg.options().tsEcr());
            if (newlySacked && !c.inRecovery)
            {
                // RFC 6675 §2: an ACK that SACKs new data is a duplicate ACK too, though it moves SND.UNA (§5: the
                // cumulative ACK reset DupAcks first).
                loss.duplicateAck(c, segAck);
            }
        }
        else if (segAck == c.sndUna && c.sndMax != c.sndUna)
        {
            // RFC 5681 §2: a duplicate ACK carries no data, judged on the segment as sent, not as trimmed to our
            // window. With SACK, RFC 6675 §2's instead: one that SACKs new data (a repeated block, or a D-SACK of a
            // segment the network duplicated, is none), and in recovery every ACK (§5 (B)); RFC 5681's still for a
            // peer that sends no blocks.
            final boolean duplicate = seg.payloadLength() == 0 && !segFin && scaledWindow == c.sndWnd && c.sndWnd != 0;
            if (c.sackPermitted
                ? newlySacked || c.inRecovery || (duplicate && seg.options().sackBlockCount() == 0)
                : duplicate)
            {
                loss.duplicateAck(c, segAck);
            }
        }
        // SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK: take the window. And, as Linux's
        // tcp_may_update_window, whenever SEG.ACK moves SND.UNA: that ACK is the peer's newest word, even on a
        // retransmission whose SEG.SEQ lies below SND.WL1. Skipping its window would leave SND.WND relative to the
        // older SND.WL2 while SND.UNA moves on, and SND.UNA + SND.WND would overshoot the edge the peer offered
        // (a Linux receiver drops the excess as beyond its window, and only an RTO recovers).
        if (sndUnaMoves || SeqNum.lt(c.sndWl1, segSeq) || (c.sndWl1 == segSeq && SeqNum.le(c.sndWl2, segAck)))
        {
            updateWindow(c, scaledWindow, segSeq, segAck);
            if (c.persist && scaledWindow != 0)
            {
                c.persist = false;
                c.rtxDeadline = c.sndUna == c.sndMax ? NO_DEADLINE : time.now + c.rtoNs;
            }
        }
        notifyWritable(c);
        if (gone(c))
        {
            return ACK_DONE;
        }
        final boolean finAcked = c.finSent && SeqNum.gt(segAck, c.finSeq);
        switch (c.state)
        {
            case FIN_WAIT_1:
                if (finAcked)
                {
                    lifecycle.state(c, TcpState.FIN_WAIT_2, "ACK of FIN in FIN-WAIT-1");
                    // The idle timer now bounds FIN-WAIT-2: a peer that never sends its FIN cannot hold the slot.
                    c.keepAliveDeadline = finWait2TimeoutNs > 0 ? time.now + finWait2TimeoutNs : NO_DEADLINE;
                }
                break;
            case CLOSING:
                if (finAcked)
                {
                    timers.enterTimeWait(c, "ACK of FIN in CLOSING");
                    return ACK_DONE;
                }
                break;
            case LAST_ACK:
                if (finAcked)
                {
                    if (lifecycle.handOverUnread(c))
                    {
                        lifecycle.finish(c, CloseReason.NORMAL, "ACK of FIN in LAST-ACK");
                    }
                    return ACK_DONE;
                }
                break;
            default:
                break;
        }
        return ACK_CONTINUE;
    }

    /**
     * Tells the application it may send again. Called only once SND.WND has been taken from the segment too:
     * between the SND.UNA update and the window update the usable window is SND.UNA(new) + SND.WND(old), which
     * lies past the peer's right edge whenever the peer's window shrank as its ACK advanced.
     */
    private void notifyWritable(final TcpConnection c)
    {
        if (c.wantWritable && buffers.sendCapacity(c) > 0 && c.handler != null)
        {
            c.wantWritable = false;
            c.handler.onWritable(c);
        }
    }

    private void updateWindow(final TcpConnection c, final long window, final int seq, final int ack)
    {
        c.sndWnd = window;
        c.sndWl1 = seq;
        c.sndWl2 = ack;
        if (window > c.maxSndWnd)
        {
            c.maxSndWnd = window;
        }
    }

    private void receiveText(final TcpConnection c)
    {
        final int end = segSeq + dataLength;
        if (segSeq == c.rcvNxt)
        {
            // RFC 9293 §3.8.6.3 / RFC 1122: ACK at least every second full-sized segment, else delay.
            // Decided before delivery, so a reply the application sends from onData carries the ACK.
            c.unackedSegments++;
            if (c.unackedSegments >= 2 || delayedAckNs == 0)
            {
                c.ackNow = true;
            }
            else if (c.ackDeadline == NO_DEADLINE)
            {
                c.ackDeadline = time.now + delayedAckNs;
            }
            if (c.timestamps && seg.options().hasTimestamps())
            {
                autoTuning.timestampEcho(c, seg.options().tsEcr());
            }
            if (!c.readingPaused && c.readSeq == c.rcvNxt)
            {
                // READ.SEQ moves only after onData returns: a segment the application sends from onData must
                // not advertise room for bytes it may yet hand back with keepUnread (the window cannot shrink).
                c.rcvNxt = end;
                final int gen = c.generation;
                c.delivering = true;
                c.handler.onData(c, seg.buffer(), dataOffset, dataLength);
                c.delivering = false;
                if (c.state == TcpState.CLOSED || c.generation != gen)
                {
                    return; // aborted in onData (and the slot perhaps reused by a connect from it)
                }
                c.readSeq = end;
                if (c.keepUnread > 0)
                {
                    // The application took only part: the rest goes to the receive ring, reading pauses.
                    final int kept = Math.min(c.keepUnread, dataLength);
                    c.keepUnread = 0;
                    final int at = dataOffset + dataLength - kept;
                    buffers.storeBytes(c, end - kept, seg.buffer(), at, kept);
                    c.readSeq = end - kept;
                    c.readingPaused = true;
                }
                buffers.receiveRead(c);
            }
            else
            {
                storeText(c);
                c.rcvNxt = end;
            }
            if (outOfOrder.count(c.slot) > 0)
            {
                final int next = outOfOrder.advance(c.slot, c.rcvNxt);
                if (next != c.rcvNxt)
                {
                    c.rcvNxt = next;
                    c.ackNow = true; // RFC 5681 §4.2: ACK at once when a hole is filled.
                }
            }
            buffers.deliverStored(c);
            if (c.state == TcpState.CLOSED)
            {
                return;
            }
            autoTuning.delivered(c);
            if (c.peerFinPending && c.peerFinSeq == c.rcvNxt)
            {
                c.peerFinPending = false;
                receiveFin(c);
            }
        }
        else
        {
            // Out of order: keep it (bounded) and send a duplicate ACK naming this segment's block first (RFC 2018
            // §4), so a sender learns every hole, not the three that fit one ACK.
            final boolean growsNewest = growsNewestBlock(c);
            if (c.dupAckCompressed && !growsNewest)
            {
                out.sendAck(c); // the merged ACK first, naming the block it grew, before another block takes its place
            }
            if (outOfOrder.covers(c.slot, segSeq, end))
            {
                c.sackRecent = segSeq; // a D-SACK of it all (partialDuplicate)
            }
            else if (outOfOrder.add(c.slot, segSeq, end))
            {
                storeText(c);
                c.sackRecent = segSeq;
            }
            duplicateAck(c, growsNewest);
        }
    }

    /**
     * RFC 5681 §4.2 asks for a duplicate ACK at once for each out-of-order segment. The first three since RCV.NXT
     * last moved go at once, even within a batch of received frames: they are what a sender counts toward fast
     * retransmit (RFC 5681 §3.2). After them, a segment that only grows the block the last ACK named first (the
     * train of segments behind a hole) is merged into one ACK at the batch's end, as Linux compresses SACKs
     * (tcp_comp_sack): a sender learns nothing from forty ACKs naming the same growing block that the last one does
     * not tell it, and each costs both ends a frame. Any other — a new hole, a block further back, a duplicate — is
     * ACKed at once, after the merged one, so that no block's news is lost to the three blocks an ACK can carry
     * (a sender with RACK would take the unreported bytes for lost and resend them). The batch bounds the delay
     * (Linux bounds it with a timer: 5 % of the RTT, at most 1 ms).
     */
    private void duplicateAck(final TcpConnection c, final boolean growsNewest)
    {
        if (c.dupAckRcvNxt != c.rcvNxt)
        {
            c.dupAckRcvNxt = c.rcvNxt;
            c.dupAcksSent = 0;
        }
        if (growsNewest && c.dupAcksSent >= IMMEDIATE_DUP_ACKS)
        {
            c.ackNow = true;
            c.dupAckCompressed = true;
            counters.increment(StackCounter.TCP_DUP_ACKS_COMPRESSED);
        }
        else
        {
            c.dupAcksSent++;
            out.sendAck(c);
        }
    }

    /** @return whether this out-of-order segment starts where the block our last ACK named first ends. */
    private boolean growsNewestBlock(final TcpConnection c)
    {
        final int held = outOfOrder.count(c.slot);
        if (held == 0 || dataLength == 0)
        {
            return false;
        }
        final int i = outOfOrder.overlapping(c.slot, c.sackRecent, c.sackRecent + 1);
        return i >= 0 && outOfOrder.end(c.slot, i) == segSeq;
    }

    /**
     * RFC 2883 §4: an acceptable segment whose text was partly received already — its head below RCV.NXT, or bytes
     * inside a held out-of-order block — reports only the duplicate part as its D-SACK, the part below RCV.NXT first
     * when it has both (a D-SACK names one contiguous duplicate). A held block the segment overlaps or joins is then
     * the next block (§4 (3): {@link SegmentOutput} puts the block that arrived last first).
     */
    private void partialDuplicate(final TcpConnection c)
    {
        if (dupEnd != dupStart)
        {
            duplicateText(c, dupStart, dupEnd);
            return;
        }
        if (dataLength > 0 && outOfOrder.count(c.slot) > 0)
        {
            final int end = segSeq + dataLength;
            final int i = outOfOrder.overlapping(c.slot, segSeq, end);
            if (i >= 0)
            {
                duplicateText(c, SeqNum.max(outOfOrder.start(c.slot, i), segSeq),
                    SeqNum.min(outOfOrder.end(c.slot, i), end));
            }
        }
    }

    /**
     * RFC 2883 §4: text already received arrived again (wholly below RCV.NXT, or inside a held out-of-order block);
     * with SACK, the ACK it draws names it as a D-SACK, so the sender learns the retransmission was spurious.
     */
    private void duplicateText(final TcpConnection c, final int start, final int end)
    {
        if (c.sackPermitted)
        {
            c.dsackPending = true;
            c.dsackStart = start;
            c.dsackEnd = end;
        }
    }

    private void storeText(final TcpConnection c)
    {
        buffers.storeBytes(c, segSeq, seg.buffer(), dataOffset, dataLength);
    }

    /** §3.10.7.4 eighth step. */
    private void receiveFin(final TcpConnection c)
    {
        c.peerFinSeq = c.rcvNxt;
        c.rcvNxt = c.rcvNxt + 1;
        buffers.receiveFinished(c);
        c.ackNow = true;
        switch (c.state)
        {
            case ESTABLISHED:
                lifecycle.state(c, TcpState.CLOSE_WAIT, "FIN received");
                peerClosed(c);
                break;
            case FIN_WAIT_1:
                if (c.finSent && SeqNum.gt(c.sndUna, c.finSeq))
                {
                    peerClosed(c);
                    timers.enterTimeWait(c, "FIN in FIN-WAIT-1 with our FIN acknowledged");
                }
                else
                {
                    lifecycle.state(c, TcpState.CLOSING, "FIN in FIN-WAIT-1: simultaneous close");
                    peerClosed(c);
                }
                break;
            case FIN_WAIT_2:
                peerClosed(c);
                timers.enterTimeWait(c, "FIN in FIN-WAIT-2");
                break;
            default:
                break;
        }
    }

    /** End of stream reaches the application only after every byte before it (it may still hold some). */
    private void peerClosed(final TcpConnection c)
    {
        if (c.readSeq == c.peerFinSeq)
        {
            c.handler.onPeerClosed(c);
        }
        else
        {
            c.peerClosedPending = true;
        }
    }

    /**
     * The ACK that answers an invalid segment (out of window, PAWS, an ACK of unsent data). One without text (or
     * with a SYN) is answered at most once per invalidAckInterval per connection, as Linux's tcp_invalid_ratelimit:
     * two ends that disagree on the window would otherwise ACK each other in a loop, and a forged flood would turn
     * into as many ACKs. A segment with text always is: it is no part of an ACK loop, and its sender needs the ACK.
     */
    private void invalidAck(final TcpConnection c)
    {
        if ((segLen == 0 || has(TcpHeader.SYN)) && time.now - c.lastInvalidAckNs < invalidAckIntervalNs)
        {
            counters.increment(StackCounter.TCP_INVALID_ACKS_SUPPRESSED);
            return;
        }
        c.lastInvalidAckNs = time.now;
        c.ackNow = true;
    }

    private void challengeAck(final TcpConnection c)
    {
        // RFC 5961 §7: a cap on challenge ACKs per second, so a flood of blind RSTs/SYNs cannot turn the stack into
        // an ACK amplifier. Per connection, not stack-wide: a shared counter is the CVE-2016-5696 side channel (an
        // off-path attacker counts the challenge ACKs on its own connection to learn what a spoofed segment on
        // another one did).
        if (time.now - c.challengeWindowStart >= 1_000_000_000L)
        {
            c.challengeWindowStart = time.now;
            c.challengeAcks = 0;
        }
        if (c.challengeAcks >= challengeAckLimit)
        {
            counters.increment(StackCounter.TCP_CHALLENGE_ACKS_SUPPRESSED);
            return;
        }
        c.challengeAcks++;
        counters.increment(StackCounter.TCP_CHALLENGE_ACKS);
        c.ackNow = true;
    }
}
