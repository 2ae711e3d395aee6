package dev.synack.tcp;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.stack.CongestionControl;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;

/**
 * A connection's life from slot to slot: taking a slot (evicting the oldest TIME-WAIT when configured), the fresh
 * TCB an OPEN or a SYN gets (RFC 9293 §3.3.1, ISS by RFC 6528, what the SYNs negotiated: MSS §3.7.1, window scale
 * RFC 7323 §2.2, SACK-permitted RFC 2018 §2, timestamps RFC 7323 §3.2), entering ESTABLISHED, state changes (counted
 * and traced), and the end — telling the application why, handing over what it has not read, freeing the slot.
 * Stack thread only; never allocates.
 */
final class ConnectionLifecycle
{
    private static final int DEFAULT_PEER_MSS = 536;
    private static final long NO_DEADLINE = TcpConnection.NO_DEADLINE;

    private final StackCounters counters;
    private final TcpTime time;
    private final ConnectionTable table;
    private final IsnGenerator isn;
    private final TimeWaitTable timeWait;
    private final OutOfOrderRanges outOfOrder;
    private final OutOfOrderRanges sacked;
    private final ConnectionBuffers buffers;
    private final ConnectionTimer timer;
    private final RttEstimator rtt;
    private final ReceiveAutoTuning autoTuning;
    private final int localIp;
    private final int ourMss;
    private final int ourWindowShift;
    private final boolean evictTimeWait;
    private final boolean timestampsEnabled;
    private final boolean sackEnabled;
    private final boolean cubic;
    private final int synRetries;
    private final long initialRtoNs;
    private final long keepAliveIdleNs;
    private final long keepAliveIntervalNs;
    private final int keepAliveProbes;
    private final long invalidAckIntervalNs;
    private final int[] stateCounts = new int[TcpState.values().length];
    private StateListener stateListener;
    /** Set while a SYN reopens a TIME-WAIT, or a cookie rebuilds its entry: the ISS to take instead of a fresh one. */
    private int reopenIss;
    private boolean reopenIssSet;

    ConnectionLifecycle(
        final StackConfig config, final StackCounters counters, final TcpTime time, final ConnectionTable table,
        final IsnGenerator isn, final TimeWaitTable timeWait, final OutOfOrderRanges outOfOrder,
        final OutOfOrderRanges sacked, final ConnectionBuffers buffers, final ConnectionTimer timer,
        final RttEstimator rtt, final ReceiveAutoTuning autoTuning, final int ourMss, final int ourWindowShift)
    {
        this.counters = counters;
        this.time = time;
        this.table = table;
        this.isn = isn;
        this.timeWait = timeWait;
        this.outOfOrder = outOfOrder;
        this.sacked = sacked;
        this.buffers = buffers;
        this.timer = timer;
        this.rtt = rtt;
        this.autoTuning = autoTuning;
        this.localIp = config.ip();
        this.ourMss = ourMss;
        this.ourWindowShift = ourWindowShift;
        this.evictTimeWait = config.evictTimeWait();
        this.timestampsEnabled = config.timestamps();
        this.sackEnabled = config.sack();
        this.cubic = config.congestionControl() == CongestionControl.CUBIC;
        this.synRetries = config.synRetries();
        this.initialRtoNs = config.initialRtoNs();
        this.keepAliveIdleNs = config.keepAliveIdleNs();
        this.keepAliveIntervalNs = config.keepAliveIntervalNs();
        this.keepAliveProbes = config.keepAliveProbes();
        this.invalidAckIntervalNs = config.invalidAckIntervalNs();
        stateCounts[TcpState.CLOSED.ordinal()] = config.maxConnections();
    }

    void stateListener(final StateListener trace)
    {
        this.stateListener = trace;
    }

    int connectionsIn(final TcpState state)
    {
        return state == TcpState.TIME_WAIT ? timeWait.live() : stateCounts[state.ordinal()];
    }

    /** The next {@link #open} takes this ISS: a SYN reopens a TIME-WAIT (RFC 9293 §3.6.1, RFC 6191). */
    void reopenIss(final int iss)
    {
        reopenIss = iss;
        reopenIssSet = true;
    }

    void reopenIssDone()
    {
        reopenIssSet = false;
    }

    /**
     * A free slot, or null. Connections in TIME-WAIT hold no slot but count against the table's capacity, as they
     * did when they held one: with a full table the oldest TIME-WAIT is ended for the new connection (when
     * configured), or the new connection is refused.
     */
    TcpConnection allocate(final int remoteIp, final int remotePort, final int localPort)
    {
        if (table.inUse() + timeWait.live() >= table.capacity() && (!evictTimeWait || !evictOldestTimeWait()))
        {
            return null;
        }
        return table.allocate(remoteIp, remotePort, localPort);
    }

    private boolean evictOldestTimeWait()
    {
        while (timeWait.headRecord() != TimeWaitTable.NONE)
        {
            if (dropOldestRecord())
            {
                return true;
            }
        }
        return false;
    }

    /** Drops the ring's head entry, ending it first (counted as evicted) if it still lives; returns whether it did. */
    private boolean dropOldestRecord()
    {
        final int r = timeWait.headRecord();
        final boolean live = timeWait.isLive(r);
        if (live)
        {
            counters.increment(StackCounter.TCP_TIME_WAIT_EVICTED);
            endTimeWait(r, "TIME-WAIT evicted for room");
        }
        timeWait.popHead();
        return live;
    }

    /**
     * A connection in TIME-WAIT leaves its slot for a {@link TimeWaitTable} record (the application was told of the
     * end already). Its state is traced once more only when the record ends.
     *
     * @param window the window last offered, in bytes.
     * @param windowField that window as our ACKs carry it.
     * @param expiresAt the 2MSL deadline.
     */
    void handOffToTimeWait(final TcpConnection c, final int window, final int windowField, final long expiresAt)
    {
        while (timeWait.ringFull())
        {
            // Only records ended early (reset, reopened, evicted) and followed by many more can fill the ring: its
            // oldest entry goes, ended first if it still lives.
            dropOldestRecord();
        }
        timeWait.enter(c, window, windowField, expiresAt);
        stateCounts[TcpState.TIME_WAIT.ordinal()]--;
        stateCounts[TcpState.CLOSED.ordinal()]++;
        c.state = TcpState.CLOSED;
        freeSlot(c);
    }

    /**
     * Ends a TIME-WAIT record (RFC 9293 §3.10.8: 2MSL passed; or a RST, a reopening SYN, eviction): the connection
     * it kept is now CLOSED.
     */
    void endTimeWait(final int r, final String reason)
    {
        counters.add(StackCounter.TCP_TIME_WAIT, -1);
        counters.add(StackCounter.TCP_CONNECTIONS, -1);
        counters.increment(StackCounter.TCP_CLOSED);
        if (stateListener != null)
        {
            stateListener.onTimeWaitEnd(timeWait.remoteIp(r), timeWait.remotePort(r), timeWait.localPort(r), reason);
        }
        timeWait.remove(r);
    }

    void open(final TcpConnection c, final TcpHandler handler, final Listener listener)
    {
        c.handler = handler;
        c.listener = listener;
        c.passive = listener != null;
        c.iss = reopenIssSet ? reopenIss : isn.isn(localIp, c.localPort, c.remoteIp, c.remotePort, time.now);
        c.sndUna = c.iss;
        c.sndNxt = c.iss + 1;
        c.sndMax = c.sndNxt;
        c.sndBufEnd = c.iss + 1;
        c.sndWnd = 0;
        c.maxSndWnd = 0;
        c.sndShift = 0;
        c.rcvShift = 0;
        // No IRS yet: READ.SEQ at ring offset 0, as it will be, so a reservation made for our SYN's window holds.
        c.irs = 0;
        c.rcvNxt = 1;
        c.readSeq = 1;
        c.rcvAdv = 1;
        buffers.receiveStart(c);
        c.sndMss = DEFAULT_PEER_MSS;
        c.timestamps = false;
        c.sackPermitted = false;
        c.dsackPending = false;
        c.dupAckRcvNxt = c.rcvNxt;
        c.dupAcksSent = 0;
        c.dupAckCompressed = false;
        c.tsRecent = 0;
        // RFC 7323 §5.4 and §5.5: a secret offset per host pair, so TSval reveals no uptime yet stays monotonic from
        // one incarnation of a 4-tuple to the next (a peer holding TIME-WAIT judges our new SYN by PAWS, RFC 6191).
        c.tsOffset = isn.tsOffset(localIp, c.remoteIp);
        c.lastAckSent = 0;
        c.challengeWindowStart = time.now;
        c.challengeAcks = 0;
        c.lastInvalidAckNs = time.now - invalidAckIntervalNs;
        autoTuning.open(c);
        c.readingPaused = false;
        c.keepUnread = 0;
        c.peerClosedPending = false;
        c.finQueued = false;
        c.finSent = false;
        c.peerFinPending = false;
        c.srttNs = 0;
        c.rttvarNs = 0;
        c.rtoNs = initialRtoNs;
        c.rttTiming = false;
        c.retries = 0;
        c.retransmits = 0;
        c.handshakeRetries = synRetries;
        c.handshakeTimedOut = false;
        c.probesOut = 0;
        c.cwnd = 0;
        c.ssthresh = Integer.MAX_VALUE;
        c.dupAcks = 0;
        c.limitedTransmitted = 0;
        c.inRecovery = false;
        c.recover = c.iss;
        c.undoable = false;
        c.unackedSegments = 0;
        c.ackNow = false;
        c.rtxDeadline = NO_DEADLINE;
        c.ackDeadline = NO_DEADLINE;
        c.persist = false;
        c.keepAliveIdleNs = keepAliveIdleNs;
        c.keepAliveIntervalNs = keepAliveIntervalNs;
        c.keepAliveProbes = keepAliveProbes;
        c.keepAliveSent = 0;
        c.keepAliveDeadline = NO_DEADLINE;
        c.noDelay = true;
        c.wantWritable = false;
        CongestionWindow.reset(c, cubic);
        outOfOrder.clear(c.slot);
        sacked.clear(c.slot);
        c.highRxt = c.iss;
        c.rescueRxt = c.iss;
        counters.add(StackCounter.TCP_CONNECTIONS, 1);
    }

    void takeSynOptions(final TcpConnection c, final TcpOptions options)
    {
        // RFC 9293 §3.7.1: without the option the peer takes 536; never send more than either side allows.
        final int peerMss = options.mss() == TcpOptions.ABSENT ? DEFAULT_PEER_MSS : Math.max(64, options.mss());
        c.sndMss = Math.min(peerMss, ourMss);
        // RFC 7323 §2.2: scaling only when both SYNs carry the option.
        c.windowScaling = options.windowScale() != TcpOptions.ABSENT;
        if (c.windowScaling)
        {
            c.sndShift = options.windowScale();
            c.rcvShift = ourWindowShift;
        }
        // RFC 2018 §2: SACK blocks only to a peer whose SYN carried SACK-permitted.
        c.sackPermitted = sackEnabled && options.sackPermitted();
        // RFC 7323 §3.2: timestamps only when both SYNs carry the option; then every segment carries 12 more
        // option bytes, so a full segment holds 12 fewer data bytes.
        if (timestampsEnabled && options.hasTimestamps())
        {
            c.timestamps = true;
            c.tsRecent = options.tsVal();
            c.tsRecentAtNs = time.now;
            c.sndMss -= TcpOptions.TIMESTAMPS_LENGTH;
        }
        c.cwnd = initialWindow(c);
    }

    /** RFC 6928 initial window: min(10 MSS, max(2 MSS, 14600)). */
    private static long initialWindow(final TcpConnection c)
    {
        return Math.min(10L * c.sndMss, Math.max(2L * c.sndMss, 14600));
    }

    void established(final TcpConnection c)
    {
        counters.increment(StackCounter.TCP_ESTABLISHED);
        if (c.cwnd == 0)
        {
            c.cwnd = initialWindow(c);
        }
        rtt.established(c);
        autoTuning.established(c);
        timer.keepAliveRestart(c);
        c.handler.onOpen(c);
    }

    /**
     * Before a normal end is reported: bytes the application still holds unread (paused, or kept with
     * keepUnread) are handed over now — keepUnread and pauseReading no longer hold them back, the application
     * must copy what it keeps — followed by onPeerClosed if it was still owed. A close never loses data.
     *
     * @return false when a callback ended the connection meanwhile (nothing more to report).
     */
    boolean handOverUnread(final TcpConnection c)
    {
        if (c.handler == null || (c.readSeq == ConnectionBuffers.dataEnd(c) && !c.peerClosedPending))
        {
            return true;
        }
        final int gen = c.generation;
        c.readingPaused = false;
        c.finalDelivery = true;
        buffers.deliverStored(c);
        c.finalDelivery = false;
        return c.generation == gen && c.state != TcpState.CLOSED;
    }

    /** Ends a connection the application knows: tells it why, then frees the slot. */
    void finish(final TcpConnection c, final CloseReason reason, final String why)
    {
        final boolean toldOpen = c.state.isSynchronized() || c.state == TcpState.SYN_SENT
            || (c.state == TcpState.SYN_RECEIVED && !c.passive);
        final TcpHandler handler = c.handler;
        state(c, TcpState.CLOSED, why);
        if (toldOpen && handler != null)
        {
            handler.onClosed(c, reason);
        }
        free(c);
    }

    void notifyClosed(final TcpConnection c, final CloseReason reason)
    {
        final TcpHandler handler = c.handler;
        c.handler = null;
        if (handler != null)
        {
            handler.onClosed(c, reason);
        }
    }

    /** Frees a connection without telling the application (it never saw it, or was told already). */
    void release(final TcpConnection c)
    {
        state(c, TcpState.CLOSED, "deleted");
        free(c);
    }

    private void free(final TcpConnection c)
    {
        counters.add(StackCounter.TCP_CONNECTIONS, -1);
        counters.increment(StackCounter.TCP_CLOSED);
        freeSlot(c);
    }

    private void freeSlot(final TcpConnection c)
    {
        c.corked = false;
        if (c.listener != null)
        {
            c.listener.embryonic--;
            c.listener = null;
        }
        c.rtxDeadline = NO_DEADLINE;
        c.ackDeadline = NO_DEADLINE;
        c.keepAliveDeadline = NO_DEADLINE;
        timer.rearm(c);
        c.handler = null;
        outOfOrder.clear(c.slot);
        buffers.releaseReceive(c);
        table.release(c);
    }

    void state(final TcpConnection c, final TcpState next, final String reason)
    {
        final TcpState from = c.state;
        if (from == next)
        {
            return;
        }
        // The TIME-WAIT gauge follows the state, and its record after it (endTimeWait takes it off there).
        if (from == TcpState.TIME_WAIT)
        {
            counters.add(StackCounter.TCP_TIME_WAIT, -1);
        }
        else if (next == TcpState.TIME_WAIT)
        {
            counters.add(StackCounter.TCP_TIME_WAIT, 1);
        }
        stateCounts[from.ordinal()]--;
        stateCounts[next.ordinal()]++;
        c.state = next;
        if (stateListener != null)
        {
            stateListener.onStateChange(c, from, next, reason);
        }
    }
}
