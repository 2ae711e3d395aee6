package dev.synack.tcp;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.ip.IpOutput;
import dev.synack.ip.Ipv4Header;
import dev.synack.stack.StackConfig;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.timer.TimerHandler;
import dev.synack.timer.TimerWheel;

/**
 * The TCP engine: connection table, listeners, and the user calls of RFC 9293 §3.10.1-§3.10.5 (OPEN, SEND, CLOSE,
 * ABORT) for one stack; the entry points hand each event to the part that owns its rule:
 * {@link SegmentArrival} (§3.10.7, RFC 5961, RFC 7323 PAWS), {@link SegmentOutput} (segmentation, options,
 * windows), {@link TcpTimers} (RFC 6298 retransmission, persist, keep-alive, FIN-WAIT-2, 2MSL),
 * {@link LossRecovery} (RFC 5681, RFC 6582, SACK), {@link RttEstimator} (RFC 6298 §2-§5),
 * {@link ConnectionLifecycle} (TCB set-up, state changes, the end). docs/architecture.md draws how they depend.
 * <p>
 * Single-threaded, on the stack thread; every callback to the application runs here too. Sized at
 * construction from {@link StackConfig}; segment processing, output and timers never allocate.
 */
public final class TcpEngine implements TimerHandler
{
    /** Smallest path MTU a fragmentation-needed report may set (Linux's min_pmtu). */
    static final int MIN_PATH_MTU = 552;

    private final StackCounters counters;
    private final int listenBacklog;
    private final TcpTime time;
    private final ConnectionTable table;
    private final Int2ObjectHashMap<Listener> listeners = new Int2ObjectHashMap<>();
    private final TimerWheel wheel;
    private final TimeWaitTable timeWait;
    /** What the peer reported holding beyond SND.UNA (its SACK blocks): at most 4 per ACK, kept merged. */
    private final OutOfOrderRanges sacked;
    private final SackScoreboard scoreboard;
    private final ConnectionBuffers buffers;
    private final ReceivePages receivePages;
    private final ConnectionTimer timer;
    private final ReceiveAutoTuning autoTuning;
    private final SegmentOutput out;
    private final ConnectionLifecycle lifecycle;
    private final TcpTimers timers;
    private final SegmentArrival arrival;
    private LocalPortFilter localPortFilter;
    private final int ephemeralFirst;
    private final int ephemeralLast;
    private final int ephemeralPorts;
    private int nextEphemeral;

    /**
     * @param config sizes and timeouts (already validated).
     * @param ip where segments are built.
     * @param counters counters.
     * @param now the time at construction.
     */
    public TcpEngine(final StackConfig config, final IpOutput ip, final StackCounters counters, final long now)
    {
        this.counters = counters;
        this.time = new TcpTime(now);
        final int ourMss = ip.maxPayload() - TcpHeader.MIN_HEADER_LENGTH;
        final int receiveSize = config.receiveBufferSize();
        int shift = 0;
        while ((receiveSize >>> shift) > 0xFFFF)
        {
            shift++;
        }
        final int ourWindowShift = shift;
        this.listenBacklog = config.listenBacklog();
        final int capacity = config.maxConnections();
        table = new ConnectionTable(this, capacity);
        // One timer per connection at most, identified by its slot; deadlines are exact, the tick only bounds work.
        wheel = new TimerWheel(capacity, Long.highestOneBit(Math.max(1024, config.timerTickNs())), now);
        timeWait = new TimeWaitTable(capacity);
        final OutOfOrderRanges outOfOrder = new OutOfOrderRanges(capacity, config.outOfOrderSegments());
        sacked = new OutOfOrderRanges(capacity, 2 * TcpOptions.MAX_SACK_BLOCKS);
        receivePages = new ReceivePages(counters, capacity, receiveSize, config.receivePageSize(),
            (int)(config.receivePoolBytes() / config.receivePageSize()), ConnectionBuffers.MAX_CHUNK_BYTES);
        buffers = new ConnectionBuffers(capacity, config.sendBufferSize(), receivePages, receiveSize);
        timer = new ConnectionTimer(wheel, time);
        autoTuning = new ReceiveAutoTuning(config, counters, time, receiveSize, ourMss);
        // The parts, each built on those before it (so each depends only on lower ones): see docs/architecture.md.
        final RttEstimator rtt = new RttEstimator(wheel, config.initialRtoNs(), config.minRtoNs(), config.maxRtoNs());
        scoreboard = new SackScoreboard(sacked);
        out = new SegmentOutput(
            config, ip, counters, time, table, buffers, outOfOrder, scoreboard, timer, ourMss, ourWindowShift);
        final LossRecovery loss = new LossRecovery(counters, time, sacked, scoreboard,
            new OutOfOrderRanges(capacity, 2 * TcpOptions.MAX_SACK_BLOCKS), out, rtt);
        final IsnGenerator isn = new IsnGenerator(config.isnSecret());
        lifecycle = new ConnectionLifecycle(config, counters, time, table, isn,
            timeWait, outOfOrder, sacked, buffers, timer, rtt, autoTuning, ourMss, ourWindowShift);
        timers = new TcpTimers(
            config, counters, time, table, wheel, timeWait, buffers, timer, rtt, out, loss, lifecycle);
        arrival = new SegmentArrival(
            config, counters, time, table, listeners, outOfOrder, buffers, timer, rtt, autoTuning, out, loss,
            lifecycle, timers, timeWait, config.synCookies() ? new CookieHandshake(ip, counters, isn, ourMss,
                ourWindowShift, autoTuning.initialWindow(), config.timestamps(), config.sack()) : null);
        ephemeralFirst = config.ephemeralFirst();
        ephemeralLast = config.ephemeralLast();
        ephemeralPorts = ephemeralLast - ephemeralFirst + 1;
        nextEphemeral = ephemeralFirst + (int)Long.remainderUnsigned(config.isnSecret() >>> 17, ephemeralPorts);
    }

    // ------------------------------------------------------------------------------------------------
    // Application API
    // ------------------------------------------------------------------------------------------------

    /**
     * Passive OPEN (RFC 9293 §3.10.1): accept connections on a port.
     *
     * @param port the local port.
     * @param handler told of every connection accepted on it.
     * @throws IllegalArgumentException for a bad port or one already listening.
     */
    public void listen(final int port, final TcpHandler handler)
    {
        if (port <= 0 || port > 0xFFFF)
        {
            throw new IllegalArgumentException("port must be 1..65535: " + port);
        }
        if (handler == null)
        {
            throw new IllegalArgumentException("handler must not be null");
        }
        if (listeners.containsKey(port))
        {
            throw new IllegalArgumentException("port " + port + " is already listening");
        }
        listeners.put(port, new Listener(port, handler, listenBacklog));
    }

    /**
     * @param port a local port.
     * @return whether a listener is on it (so {@link #listen} would refuse it).
     */
    public boolean isListening(final int port)
    {
        return listeners.containsKey(port);
    }

    /**
     * Stops accepting on a port; established connections are not touched.
     *
     * @param port the local port.
     * @return whether it was listening.
     */
    public boolean unlisten(final int port)
    {
        return listeners.remove(port) != null;
    }

    /**
     * Active OPEN (RFC 9293 §3.10.1): sends a SYN.
     *
     * @param remoteIp the peer.
     * @param remotePort its port.
     * @param handler told of this connection's events.
     * @return the connection's handle, or -1 when the table is full or no local port is free (counted).
     */
    public long connect(final int remoteIp, final int remotePort, final TcpHandler handler)
    {
        if (remotePort <= 0 || remotePort > 0xFFFF || handler == null)
        {
            throw new IllegalArgumentException("connect needs a port 1..65535 and a handler: " + remotePort);
        }
        TcpConnection c = null;
        for (int tries = 0; tries < ephemeralPorts && c == null; tries++)
        {
            final int port = nextEphemeral;
            nextEphemeral = nextEphemeral == ephemeralLast ? ephemeralFirst : nextEphemeral + 1;
            if (table.find(remoteIp, remotePort, port) == null && !inTimeWait(remoteIp, remotePort, port)
                && !listeners.containsKey(port)
                && (localPortFilter == null || localPortFilter.accept(remoteIp, remotePort, port)))
            {
                c = lifecycle.allocate(remoteIp, remotePort, port);
                if (c == null)
                {
                    break;
                }
            }
        }
        if (c == null)
        {
            counters.increment(StackCounter.TCP_TABLE_FULL);
            return -1;
        }
        lifecycle.open(c, handler, null);
        counters.increment(StackCounter.TCP_ACTIVE_OPENS);
        // RFC 9293 §3.10.1 OPEN in CLOSED: send <SEQ=ISS><CTL=SYN>, SND.UNA = ISS, SND.NXT = ISS + 1.
        lifecycle.state(c, TcpState.SYN_SENT, "active OPEN");
        out.sendSyn(c, TcpHeader.SYN);
        timer.armRetransmit(c);
        timer.rearm(c);
        return c.handle();
    }

    /**
     * @param handle a handle from {@link #connect} or {@link TcpConnection#handle()}.
     * @return the live connection, or null when the handle is stale — ended, or in TIME-WAIT, which keeps a record
     *     instead of the connection (see {@link #stateOf}).
     */
    public TcpConnection connection(final long handle)
    {
        return table.byHandle(handle);
    }

    /**
     * The state of the connection a handle named, TIME-WAIT included: a connection in TIME-WAIT has left its slot
     * (its handle no longer finds it through {@link #connection}) for a record that lasts 2MSL. For inspection and
     * tests: a connection is found at once, a TIME-WAIT by a scan of the records.
     *
     * @param handle a handle from {@link #connect} or {@link TcpConnection#handle()}.
     * @return its state; CLOSED when it has ended.
     */
    public TcpState stateOf(final long handle)
    {
        final TcpConnection c = table.byHandle(handle);
        if (c != null)
        {
            return c.state;
        }
        return timeWait.findHandle(handle) == TimeWaitTable.NONE ? TcpState.CLOSED : TcpState.TIME_WAIT;
    }

    /**
     * @param remoteIp the peer.
     * @param remotePort its port.
     * @param localPort ours.
     * @return whether this 4-tuple is in TIME-WAIT.
     */
    public boolean inTimeWait(final int remoteIp, final int remotePort, final int localPort)
    {
        return timeWait.find(remoteIp, remotePort, localPort) != TimeWaitTable.NONE;
    }

    /**
     * Restricts the ephemeral ports active opens take (several stacks sharing one address, one per NIC queue).
     * Call on the stack thread, or before it starts.
     *
     * @param filter which ports this stack may take, or null for any free one (the default).
     */
    public void localPortFilter(final LocalPortFilter filter)
    {
        this.localPortFilter = filter;
    }

    /**
     * @param trace told of every state change; null for none.
     */
    public void stateListener(final StateListener trace)
    {
        lifecycle.stateListener(trace);
    }

    /** @return connections in any state but CLOSED (TIME-WAIT included). */
    public int connectionsInUse()
    {
        return table.inUse() + timeWait.live();
    }

    /**
     * @param state a state.
     * @return connections now in it.
     */
    public int connectionsIn(final TcpState state)
    {
        return lifecycle.connectionsIn(state);
    }

    /** @return timers scheduled on the wheel (zero when every connection is idle or gone). */
    public long timersScheduled()
    {
        return wheel.count();
    }

    /** @return pages of the shared receive pool holding data now (see {@link StackConfig#receivePoolBytes()}). */
    public int receivePagesInUse()
    {
        return receivePages.pagesInUse();
    }

    /** @return pages of the shared receive pool reserved for the windows connections have offered. */
    public int receivePagesReserved()
    {
        return receivePages.pagesReserved();
    }

    TimeWaitTable timeWaitTable()
    {
        return timeWait;
    }

    ReceivePages receivePages()
    {
        return receivePages;
    }

    /** @return TIME-WAIT entries waiting for expiry, those ended early included. */
    public int timeWaitQueued()
    {
        return timeWait.queued();
    }

    /**
     * Starts a duty cycle's batch: from now until {@link #flushCorked()}, segments a connection would send (data
     * the application sends from its callbacks, ACKs owed, window updates) wait so that they leave together.
     * Called by the stack agent before it drains the rx ring.
     */
    public void cork()
    {
        out.cork();
    }

    /**
     * Ends the batch begun by {@link #cork()}: sends what every connection touched in it has to send.
     *
     * @return connections flushed.
     */
    public int flushCorked()
    {
        return out.flushCorked();
    }

    int send(final TcpConnection c, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < 0 || offset < 0 || offset + length > buffer.capacity())
        {
            throw new IllegalArgumentException("bad range [" + offset + ", +" + length + ") of " + buffer.capacity());
        }
        // RFC 9293 §3.10.2: SEND is allowed in ESTABLISHED and CLOSE-WAIT (after our FIN: "connection closing").
        if ((c.state != TcpState.ESTABLISHED && c.state != TcpState.CLOSE_WAIT) || c.finQueued)
        {
            return -1;
        }
        final int accepted = Math.min(length, buffers.sendCapacity(c));
        if (accepted < length)
        {
            c.wantWritable = true;
        }
        if (accepted > 0)
        {
            buffers.queue(c, buffer, offset, accepted);
            c.sndBufEnd += accepted;
            out.output(c);
        }
        return accepted;
    }

    long pipe(final TcpConnection c)
    {
        return scoreboard.pipe(c);
    }

    int sendQueued(final TcpConnection c)
    {
        return buffers.sendQueued(c);
    }

    int sendCapacity(final TcpConnection c)
    {
        return buffers.sendCapacity(c);
    }

    int receiveWindow(final TcpConnection c)
    {
        return buffers.receiveWindow(c);
    }

    void receiveBufferLimit(final TcpConnection c, final int bytes)
    {
        if (bytes <= 0)
        {
            throw new IllegalArgumentException("receive buffer limit must be positive: " + bytes);
        }
        c.rcvLimit = Math.min(bytes, buffers.receiveSize());
        autoTuning.limitSet(c);
    }

    void shutdownOutput(final TcpConnection c)
    {
        switch (c.state)
        {
            case SYN_SENT:
                // RFC 9293 §3.10.4: CLOSE in SYN-SENT deletes the TCB.
                lifecycle.finish(c, CloseReason.CANCELLED, "CLOSE in SYN-SENT");
                return;
            case SYN_RECEIVED:
                // RFC 9293 §3.10.4: with a handshake still open, the FIN waits for ESTABLISHED.
                c.finQueued = true;
                return;
            case ESTABLISHED:
                // RFC 9293 §3.10.4: queue the FIN behind pending data; enter FIN-WAIT-1.
                c.finQueued = true;
                lifecycle.state(c, TcpState.FIN_WAIT_1, "CLOSE");
                break;
            case CLOSE_WAIT:
                // RFC 9293 §3.10.4: CLOSE in CLOSE-WAIT: FIN after pending data, enter LAST-ACK.
                c.finQueued = true;
                lifecycle.state(c, TcpState.LAST_ACK, "CLOSE in CLOSE-WAIT");
                break;
            default:
                return;
        }
        out.output(c);
    }

    void abort(final TcpConnection c)
    {
        // RFC 9293 §3.10.5: ABORT in synchronized states (and SYN-RECEIVED) sends <SEQ=SND.NXT><CTL=RST>.
        if (c.state != TcpState.CLOSED && c.state != TcpState.SYN_SENT && c.state != TcpState.TIME_WAIT)
        {
            out.sendRst(c.remoteIp, c.remotePort, c.localPort, c.sndNxt, 0, TcpHeader.RST);
        }
        if (c.state != TcpState.CLOSED)
        {
            lifecycle.finish(c, CloseReason.ABORTED, "ABORT");
        }
    }

    void keepAlive(final TcpConnection c, final long idleNs, final long intervalNs, final int probes)
    {
        timers.keepAlive(c, idleNs, intervalNs, probes);
    }

    void resumeReading(final TcpConnection c)
    {
        if (!c.readingPaused || c.handler == null)
        {
            return;
        }
        c.readingPaused = false;
        final int gen = c.generation;
        buffers.deliverStored(c);
        if (c.state == TcpState.CLOSED || c.generation != gen)
        {
            return;
        }
        autoTuning.delivered(c);
        // RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): announce the reopened window only when its right edge
        // moves a full segment or half the buffer past the edge last advertised, or when the peer was looking
        // at a zero window. Anything less would reach the peer as a duplicate ACK. Data the application sent
        // from onData goes out now, carrying the window in any case.
        final int window = buffers.reserveReceiveWindow(c);
        final int advertised = c.rcvAdv - c.rcvNxt;
        final int grown = c.rcvNxt + window - c.rcvAdv;
        if (grown > 0 && (advertised <= 0 || grown >= out.windowOpeningWorthAdvertising(c)))
        {
            c.ackNow = true;
        }
        out.output(c);
    }

    // ------------------------------------------------------------------------------------------------
    // Segment arrival: RFC 9293 §3.10.7
    // ------------------------------------------------------------------------------------------------

    /**
     * Processes one segment addressed to us.
     *
     * @param buffer the frame's buffer.
     * @param offset where the TCP header starts.
     * @param length the segment length.
     * @param sourceIp the sender.
     * @param now the time.
     * @return why it was dropped, or {@link DropReason#NONE} when it was processed.
     */
    public DropReason onSegment(
        final MutableDirectBuffer buffer, final int offset, final int length, final int sourceIp, final long now)
    {
        time.now = now;
        return arrival.onSegment(buffer, offset, length, sourceIp);
    }

    // ------------------------------------------------------------------------------------------------
    // Timers: RFC 6298 retransmission, persist, delayed ACK on the wheel; TIME-WAIT in its FIFO
    // ------------------------------------------------------------------------------------------------

    /**
     * Runs expired timers.
     *
     * @param now the time.
     * @return work done.
     */
    public int poll(final long now)
    {
        time.now = now;
        return timers.poll(now, this);
    }

    /**
     * A connection's timer is due: run whichever of its deadlines passed, then output (which re-arms it).
     *
     * @param slot the connection's slot (its timer id).
     * @param now the time.
     */
    @Override
    public void onExpiry(final int slot, final long now)
    {
        timers.onExpiry(slot, now);
    }

    /**
     * RFC 1191 §6.3: an ICMP "fragmentation needed" for one of our segments lowers the connection's MSS to fit
     * the reported next-hop MTU, and what that segment carried is sent again at once in smaller pieces (as
     * Linux's tcp_simple_retransmit does) instead of waiting for an RTO. RFC 5927 §4.1: taken only for a
     * sequence number in flight [SND.UNA, SND.MAX), so a blind attacker must guess it; and never below
     * {@link #MIN_PATH_MTU}, so a forged report cannot make us send tiny segments.
     *
     * @param remoteIp the peer.
     * @param remotePort the peer's port.
     * @param localPort our port.
     * @param sequence the quoted segment's sequence number.
     * @param nextHopMtu the reported MTU (0: a pre-RFC 1191 router; 576 is assumed).
     * @param now the stack's clock.
     * @return why the report was ignored, or {@link DropReason#NONE}.
     */
    public DropReason onFragmentationNeeded(
        final int remoteIp, final int remotePort, final int localPort, final int sequence, final int nextHopMtu,
        final long now)
    {
        time.now = now;
        final TcpConnection c = table.find(remoteIp, remotePort, localPort);
        if (c == null || !SeqNum.le(c.sndUna, sequence) || !SeqNum.lt(sequence, c.sndMax))
        {
            return DropReason.ICMP_PMTU_UNMATCHED;
        }
        final int mtu = Math.max(MIN_PATH_MTU, nextHopMtu == 0 ? 576 : nextHopMtu);
        final int mss = mtu - Ipv4Header.MIN_HEADER_LENGTH - TcpHeader.MIN_HEADER_LENGTH
            - (c.timestamps ? TcpOptions.TIMESTAMPS_LENGTH : 0);
        if (mss < c.sndMss)
        {
            c.sndMss = mss;
            counters.increment(StackCounter.TCP_PMTU_REDUCTIONS);
            if (c.sndMax != c.sndUna && c.state.ordinal() >= TcpState.ESTABLISHED.ordinal())
            {
                // everything in flight was cut for the old MSS and is lost: go back to SND.UNA and resend it in
                // pieces that fit. Not a congestion signal (RFC 1191 §6.5): cwnd and ssthresh stay.
                c.rttTiming = false;
                sacked.clear(c.slot);
                c.highRxt = c.sndUna;
                c.sndNxt = c.sndUna;
                out.output(c);
            }
        }
        return DropReason.NONE;
    }
}
