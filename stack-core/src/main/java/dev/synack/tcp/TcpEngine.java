package dev.synack.tcp;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

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
 * The TCP engine: connection table, listeners, segment arrival, output and timers for one stack.
 * <p>
 * Read first: RFC 9293 §3.10 (event processing; segment arrival in the order of §3.10.7), RFC 6298
 * (retransmission timer), RFC 5961 (blind RST/SYN/data mitigations: challenge ACKs), RFC 7323 (window
 * scale), RFC 5681 and RFC 6582 (congestion control, NewReno recovery), RFC 6528 (ISNs).
 * <p>
 * Single-threaded, on the stack thread; every callback to the application runs here too. Sized at
 * construction from {@link StackConfig}; segment processing, output and timers never allocate.
 */
public final class TcpEngine implements TimerHandler
{
    /** The first ephemeral port active opens take (the range ends at 65535, as IANA's dynamic ports). */
    public static final int EPHEMERAL_FIRST = 49152;
    private static final int EPHEMERAL_COUNT = 65536 - EPHEMERAL_FIRST;
    private static final int DEFAULT_PEER_MSS = 536;
    private static final int OPTIONS_SYN_MAX = 8;
    private static final long NO_DEADLINE = TcpConnection.NO_DEADLINE;
    private static final int ACK_CONTINUE = 0;
    private static final int ACK_DONE = 1;
    private static final int ACK_DROP = 2;
    /** What a new incarnation's ISS adds to the SND.NXT of the TIME-WAIT it reopens (Linux: 65535 + 2). */
    private static final int REOPEN_ISS_GAP = 65537;
    /** Probes a FIN-WAIT-2 that heard nothing for finWait2Timeout sends, one RTO apart, before it gives up. */
    private static final int FIN_WAIT_2_PROBES = 3;
    /** RFC 6298 §5.7: the RTO data starts with after the handshake's retransmission timer expired. */
    private static final long RTO_AFTER_SYN_TIMEOUT_NS = 3_000_000_000L;
    /** TIME-WAITs one poll may end: a burst closed together is spread over duty cycles, not one long stall. */
    static final int TIME_WAIT_EXPIRIES_PER_POLL = 1024;

    private final IpOutput ip;
    private final StackCounters counters;
    private final int localIp;
    private final int ourMss;
    private final int sendSize;
    private final int receiveSize;
    private final int ourWindowShift;
    private final int listenBacklog;
    private final boolean rstOnFullTable;
    private int segGeneration;
    private final boolean evictTimeWait;
    private final boolean timestampsEnabled;
    private final boolean sackEnabled;
    private final int challengeAckLimit;
    private final long twoMslNs;
    private final long initialRtoNs;
    private final long keepAliveIdleNs;
    private final long keepAliveIntervalNs;
    private final int keepAliveProbes;
    private final long minRtoNs;
    private final long maxRtoNs;
    private final int synRetries;
    private final int dataRetries;
    private final long delayedAckNs;
    private final long invalidAckIntervalNs;
    private final long finWait2TimeoutNs;

    private final ConnectionTable table;
    /** Smallest path MTU a fragmentation-needed report may set (Linux's min_pmtu). */
    static final int MIN_PATH_MTU = 552;
    private final Int2ObjectHashMap<Listener> listeners = new Int2ObjectHashMap<>();
    private final TimerWheel timers;
    private final TimeWaitQueue timeWait;
    private final OutOfOrderRanges outOfOrder;
    private final OutOfOrderRanges sacked;
    private final ConnectionBuffers buffers;
    private final IsnGenerator isn;
    private final TcpHeader seg = new TcpHeader();
    private final int[] stateCounts = new int[TcpState.values().length];
    private StateListener stateListener;
    private LocalPortFilter localPortFilter;
    private long now;
    private int nextEphemeral;
    /** Set while a SYN reopens a TIME-WAIT: the ISS the new incarnation takes instead of a fresh one. */
    private int reopenIss;
    private boolean reopenIssSet;

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
    private MutableDirectBuffer segBuffer;

    /**
     * @param config sizes and timeouts (already validated).
     * @param ip where segments are built.
     * @param counters counters.
     * @param now the time at construction.
     */
    public TcpEngine(final StackConfig config, final IpOutput ip, final StackCounters counters, final long now)
    {
        this.ip = ip;
        this.counters = counters;
        this.localIp = config.ip();
        this.now = now;
        this.ourMss = ip.maxPayload() - TcpHeader.MIN_HEADER_LENGTH;
        this.sendSize = config.sendBufferSize();
        this.receiveSize = config.receiveBufferSize();
        int shift = 0;
        while ((receiveSize >>> shift) > 0xFFFF)
        {
            shift++;
        }
        this.ourWindowShift = shift;
        this.listenBacklog = config.listenBacklog();
        this.rstOnFullTable = config.rstOnFullTable();
        this.evictTimeWait = config.evictTimeWait();
        this.timestampsEnabled = config.timestamps();
        this.sackEnabled = config.sack();
        this.challengeAckLimit = config.challengeAckLimit();
        this.twoMslNs = 2 * config.mslNs();
        this.initialRtoNs = config.initialRtoNs();
        this.keepAliveIdleNs = config.keepAliveIdleNs();
        this.keepAliveIntervalNs = config.keepAliveIntervalNs();
        this.keepAliveProbes = config.keepAliveProbes();
        this.minRtoNs = config.minRtoNs();
        this.maxRtoNs = config.maxRtoNs();
        this.synRetries = config.synRetries();
        this.dataRetries = config.dataRetries();
        this.delayedAckNs = config.delayedAckNs();
        this.invalidAckIntervalNs = config.invalidAckIntervalNs();
        this.finWait2TimeoutNs = config.finWait2TimeoutNs();
        final int capacity = config.maxConnections();
        table = new ConnectionTable(this, capacity);
        // One timer per connection at most, identified by its slot; deadlines are exact, the tick only bounds work.
        timers = new TimerWheel(capacity, Long.highestOneBit(Math.max(1024, config.timerTickNs())), now);
        timeWait = new TimeWaitQueue(2 * capacity);
        stateCounts[TcpState.CLOSED.ordinal()] = capacity;
        outOfOrder = new OutOfOrderRanges(capacity, config.outOfOrderSegments());
        // What the peer reported holding beyond SND.UNA (its SACK blocks): at most 4 per ACK, kept merged.
        sacked = new OutOfOrderRanges(capacity, 2 * TcpOptions.MAX_SACK_BLOCKS);
        buffers = new ConnectionBuffers(capacity, sendSize, receiveSize);
        isn = new IsnGenerator(config.isnSecret());
        nextEphemeral = EPHEMERAL_FIRST + (int)((config.isnSecret() >>> 17) & (EPHEMERAL_COUNT - 1));
        corked = new int[2 * capacity]; // a slot freed and reused within one batch may be listed twice
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
        for (int tries = 0; tries < EPHEMERAL_COUNT && c == null; tries++)
        {
            final int port = nextEphemeral;
            nextEphemeral = nextEphemeral == 0xFFFF ? EPHEMERAL_FIRST : nextEphemeral + 1;
            if (table.find(remoteIp, remotePort, port) == null && !listeners.containsKey(port)
                && (localPortFilter == null || localPortFilter.accept(remoteIp, remotePort, port)))
            {
                c = allocate(remoteIp, remotePort, port);
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
        open(c, handler, null);
        counters.increment(StackCounter.TCP_ACTIVE_OPENS);
        // RFC 9293 §3.10.1 OPEN in CLOSED: send <SEQ=ISS><CTL=SYN>, SND.UNA = ISS, SND.NXT = ISS + 1.
        state(c, TcpState.SYN_SENT, "active OPEN");
        sendSyn(c, TcpHeader.SYN);
        armRetransmit(c);
        rearm(c);
        return c.handle();
    }

    /** A free slot, or with a full table the slot of the oldest TIME-WAIT (when configured), or null. */
    private TcpConnection allocate(final int remoteIp, final int remotePort, final int localPort)
    {
        final TcpConnection c = table.allocate(remoteIp, remotePort, localPort);
        return c != null || !evictTimeWait || !evictOldestTimeWait() ? c
            : table.allocate(remoteIp, remotePort, localPort);
    }

    private boolean evictOldestTimeWait()
    {
        while (!timeWait.isEmpty())
        {
            final TcpConnection c = table.slot(timeWait.headSlot());
            final boolean live = c.generation == timeWait.headGeneration() && c.state == TcpState.TIME_WAIT;
            timeWait.poll();
            if (live)
            {
                counters.increment(StackCounter.TCP_TIME_WAIT_EVICTED);
                release(c);
                return true;
            }
        }
        return false;
    }

    /**
     * @param handle a handle from {@link #connect} or {@link TcpConnection#handle()}.
     * @return the live connection, or null when the handle is stale.
     */
    public TcpConnection connection(final long handle)
    {
        return table.byHandle(handle);
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
        this.stateListener = trace;
    }

    /** @return connections in any state but CLOSED (TIME-WAIT included). */
    public int connectionsInUse()
    {
        return table.inUse();
    }

    /**
     * @param state a state.
     * @return connections now in it.
     */
    public int connectionsIn(final TcpState state)
    {
        return stateCounts[state.ordinal()];
    }

    /** @return timers scheduled on the wheel (zero when every connection is idle or gone). */
    public long timersScheduled()
    {
        return timers.count();
    }

    /** @return TIME-WAIT entries waiting for expiry, stale ones included. */
    public int timeWaitQueued()
    {
        return timeWait.size();
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
        final int accepted = Math.min(length, sendCapacity(c));
        if (accepted < length)
        {
            c.wantWritable = true;
        }
        if (accepted > 0)
        {
            final UnsafeBuffer slab = buffers.buffer(c.slot);
            final int base = buffers.sendOffset(c.slot);
            final int mask = sendSize - 1;
            final int pos = (c.sndBufEnd - c.iss - 1) & mask;
            final int first = Math.min(accepted, sendSize - pos);
            slab.putBytes(base + pos, buffer, offset, first);
            if (first < accepted)
            {
                slab.putBytes(base, buffer, offset + first, accepted - first);
            }
            c.sndBufEnd += accepted;
            output(c);
        }
        return accepted;
    }

    int sendQueued(final TcpConnection c)
    {
        // The SYN occupies ISS, not the buffer: until it is acknowledged the first data byte is ISS + 1. (Not
        // SeqNum.max: 2 GiB into a connection SND.UNA is "before" ISS + 1 in modular order.)
        final int queued = c.sndBufEnd - (c.sndUna == c.iss ? c.iss + 1 : c.sndUna);
        return Math.max(0, queued);
    }

    int sendCapacity(final TcpConnection c)
    {
        return sendSize - sendQueued(c);
    }

    int receiveWindow(final TcpConnection c)
    {
        // A scaled window field keeps the edge already offered by rounding up, up to 2^shift - 1 bytes past it
        // (RFC 7323 §2.3): leave that much of the ring free, so whatever we offer we can also hold.
        final int cap = Math.min(c.rcvLimit, receiveSize - ((1 << c.rcvShift) - 1));
        return Math.max(0, cap - (c.rcvNxt - c.readSeq));
    }

    void receiveBufferLimit(final TcpConnection c, final int bytes)
    {
        if (bytes <= 0)
        {
            throw new IllegalArgumentException("receive buffer limit must be positive: " + bytes);
        }
        c.rcvLimit = Math.min(bytes, receiveSize);
    }

    void shutdownOutput(final TcpConnection c)
    {
        switch (c.state)
        {
            case SYN_SENT:
                // RFC 9293 §3.10.4: CLOSE in SYN-SENT deletes the TCB.
                finish(c, CloseReason.CANCELLED, "CLOSE in SYN-SENT");
                return;
            case SYN_RECEIVED:
                // RFC 9293 §3.10.4: with a handshake still open, the FIN waits for ESTABLISHED.
                c.finQueued = true;
                return;
            case ESTABLISHED:
                // RFC 9293 §3.10.4: queue the FIN behind pending data; enter FIN-WAIT-1.
                c.finQueued = true;
                state(c, TcpState.FIN_WAIT_1, "CLOSE");
                break;
            case CLOSE_WAIT:
                // RFC 9293 §3.10.4: CLOSE in CLOSE-WAIT: FIN after pending data, enter LAST-ACK.
                c.finQueued = true;
                state(c, TcpState.LAST_ACK, "CLOSE in CLOSE-WAIT");
                break;
            default:
                return;
        }
        output(c);
    }

    void abort(final TcpConnection c)
    {
        // RFC 9293 §3.10.5: ABORT in synchronized states (and SYN-RECEIVED) sends <SEQ=SND.NXT><CTL=RST>.
        if (c.state != TcpState.CLOSED && c.state != TcpState.SYN_SENT && c.state != TcpState.TIME_WAIT)
        {
            sendRst(c.remoteIp, c.remotePort, c.localPort, c.sndNxt, 0, TcpHeader.RST);
        }
        if (c.state != TcpState.CLOSED)
        {
            finish(c, CloseReason.ABORTED, "ABORT");
        }
    }

    void resumeReading(final TcpConnection c)
    {
        if (!c.readingPaused || c.handler == null)
        {
            return;
        }
        c.readingPaused = false;
        final int gen = c.generation;
        deliverStored(c);
        if (c.state == TcpState.CLOSED || c.generation != gen)
        {
            return;
        }
        // RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): announce the reopened window only when its right edge
        // moves a full segment or half the buffer past the edge last advertised, or when the peer was looking
        // at a zero window. Anything less would reach the peer as a duplicate ACK. Data the application sent
        // from onData goes out now, carrying the window in any case.
        final int advertised = c.rcvAdv - c.rcvNxt;
        final int grown = c.rcvNxt + receiveWindow(c) - c.rcvAdv;
        if (grown > 0 && (advertised <= 0 || grown >= Math.min(c.rcvLimit / 2, ourMss)))
        {
            c.ackNow = true;
        }
        output(c);
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
        this.now = now;
        final DropReason reason = seg.wrapChecked(buffer, offset, length, sourceIp, localIp);
        if (reason != DropReason.NONE)
        {
            return reason;
        }
        counters.increment(StackCounter.TCP_SEGMENTS_IN);
        segBuffer = buffer;
        segSeq = seg.seq();
        segAck = seg.ack();
        segFlags = seg.flags();
        segWnd = seg.window();
        dataOffset = seg.payloadOffset();
        dataLength = seg.payloadLength();
        segFin = (segFlags & TcpHeader.FIN) != 0;
        segLen = dataLength + ((segFlags & TcpHeader.SYN) != 0 ? 1 : 0) + (segFin ? 1 : 0);
        final int remotePort = seg.sourcePort();
        final int localPort = seg.destinationPort();
        if (remotePort == 0 || localPort == 0)
        {
            return DropReason.TCP_UNACCEPTABLE;
        }

        final TcpConnection c = table.find(sourceIp, remotePort, localPort);
        if (c == null)
        {
            final Listener listener = listeners.get(localPort);
            return listener == null ? closed(sourceIp, remotePort, localPort) : listen(listener, sourceIp, remotePort);
        }
        segGeneration = c.generation;
        if (c.state == TcpState.SYN_SENT)
        {
            return synSent(c);
        }
        if (c.state == TcpState.TIME_WAIT && has(TcpHeader.SYN) && !has(TcpHeader.RST | TcpHeader.ACK))
        {
            final Listener listener = listeners.get(localPort);
            if (listener != null && reopensTimeWait(c))
            {
                if (listener.embryonic >= listener.backlog)
                {
                    // The TIME-WAIT is released only for a SYN the listener takes: kept, the peer's SYN retry finds it.
                    counters.increment(StackCounter.TCP_TABLE_FULL);
                    return DropReason.NONE;
                }
                // RFC 9293 §3.6.1, RFC 6191: the new incarnation's ISS lies above all the old one sent (as Linux:
                // SND.NXT + 65537), so the peer's TIME-WAIT, if it holds one too, takes our SYN-ACK as new.
                reopenIss = c.sndNxt + REOPEN_ISS_GAP;
                reopenIssSet = true;
                release(c);
                final DropReason result = listen(listener, sourceIp, remotePort);
                reopenIssSet = false;
                return result;
            }
        }
        final DropReason result = synchronizedArrival(c);
        if (!gone(c))
        {
            output(c);
        }
        return result;
    }

    /**
     * RFC 9293 §3.10.7.4 note, RFC 6191 §2: may this SYN reopen a 4-tuple held in TIME-WAIT? With timestamps on the
     * old incarnation and in the SYN, when its TSval is above TS.Recent; otherwise when its SEQ lies above RCV.NXT.
     * Either way none of the old incarnation's duplicates can be taken for the new one.
     */
    private boolean reopensTimeWait(final TcpConnection c)
    {
        final TcpOptions options = seg.options();
        if (c.timestamps && options.hasTimestamps())
        {
            return SeqNum.gt(options.tsVal(), c.tsRecent);
        }
        return SeqNum.gt(segSeq, c.rcvNxt);
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
            sendRst(remoteIp, remotePort, localPort, segAck, 0, TcpHeader.RST);
        }
        else
        {
            sendRst(remoteIp, remotePort, localPort, 0, segSeq + segLen, TcpHeader.RST | TcpHeader.ACK);
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
            // An ACK to a listener (a stale or forged handshake completion): <SEQ=SEG.ACK><CTL=RST>.
            sendRst(remoteIp, remotePort, listener.port, segAck, 0, TcpHeader.RST);
            return DropReason.NONE;
        }
        if (!has(TcpHeader.SYN))
        {
            return DropReason.TCP_UNACCEPTABLE;
        }
        final TcpConnection c = listener.embryonic < listener.backlog
            ? allocate(remoteIp, remotePort, listener.port) : null;
        if (c == null)
        {
            counters.increment(StackCounter.TCP_TABLE_FULL);
            if (rstOnFullTable)
            {
                sendRst(remoteIp, remotePort, listener.port, 0, segSeq + segLen, TcpHeader.RST | TcpHeader.ACK);
            }
            return DropReason.NONE;
        }
        open(c, listener.handler, listener);
        listener.embryonic++;
        counters.increment(StackCounter.TCP_PASSIVE_OPENS);
        // RCV.NXT = SEG.SEQ + 1, IRS = SEG.SEQ; text in the SYN is not queued: the peer retransmits it.
        c.irs = segSeq;
        c.rcvNxt = segSeq + 1;
        c.readSeq = c.rcvNxt;
        c.rcvAdv = c.rcvNxt;
        takeSynOptions(c);
        c.sndWnd = segWnd;
        c.sndWl1 = segSeq;
        c.sndWl2 = c.iss;
        state(c, TcpState.SYN_RECEIVED, "SYN in LISTEN");
        sendSyn(c, TcpHeader.SYN | TcpHeader.ACK);
        armRetransmit(c);
        rearm(c);
        return DropReason.NONE;
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
                sendRst(c.remoteIp, c.remotePort, c.localPort, segAck, 0, TcpHeader.RST);
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
            finish(c, CloseReason.REFUSED, "RST in SYN-SENT: connection refused");
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
        takeSynOptions(c);
        if (has(TcpHeader.ACK))
        {
            c.sndUna = segAck;
            sampleRtt(c);
            c.retries = 0;
            updateWindow(c, segWnd, segSeq, segAck);
            c.rtxDeadline = NO_DEADLINE;
            // Our SYN is acknowledged: ESTABLISHED; <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
            state(c, TcpState.ESTABLISHED, "SYN-ACK in SYN-SENT");
            c.ackNow = true;
            established(c);
        }
        else
        {
            // Simultaneous open (§3.5, figure 8): SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
            c.sndWnd = segWnd;
            c.sndWl1 = segSeq;
            state(c, TcpState.SYN_RECEIVED, "SYN in SYN-SENT: simultaneous open");
            sendSyn(c, TcpHeader.SYN | TcpHeader.ACK);
            armRetransmit(c);
        }
        if (!gone(c))
        {
            output(c);
        }
        return DropReason.NONE;
    }

    /** RFC 9293 §3.10.7.4: SYN-RECEIVED and the synchronized states, steps one to eight. */
    private DropReason synchronizedArrival(final TcpConnection c)
    {
        // Any segment on the 4-tuple, acceptable or not, shows the peer is not silent (the FIN-WAIT-2 timeout).
        c.lastHeardNs = now;
        // RFC 7323 §3.2: once both SYNs carried timestamps, every segment but a RST carries them; one that does not
        // is dropped silently (a RST is judged by the usual rules).
        if (c.timestamps && !seg.options().hasTimestamps() && !has(TcpHeader.RST))
        {
            return DropReason.TCP_NO_TIMESTAMPS;
        }
        // Retransmitted FIN while in TIME-WAIT (§3.6.1): ACK it again and restart the 2MSL timer.
        if (c.state == TcpState.TIME_WAIT && segFin && !has(TcpHeader.RST | TcpHeader.SYN)
            && segSeq + segLen == c.rcvNxt)
        {
            c.ackNow = true;
            enterTimeWait(c, "FIN retransmitted in TIME-WAIT: 2MSL restarted");
            return DropReason.NONE;
        }
        // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost; answer with it again.
        if (c.state == TcpState.SYN_RECEIVED && has(TcpHeader.SYN) && !has(TcpHeader.ACK | TcpHeader.RST)
            && segSeq == c.irs)
        {
            sendSyn(c, TcpHeader.SYN | TcpHeader.ACK);
            // RFC 6298 §3 (Karn): the SYN-ACK went out twice, so the ACK that completes the handshake may answer
            // either; it gives no RTT sample.
            c.rttTiming = false;
            counters.increment(StackCounter.TCP_RETRANSMITS);
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
        if (c.timestamps && options.hasTimestamps() && !has(TcpHeader.RST)
            && SeqNum.lt(options.tsVal(), c.tsRecent))
        {
            invalidAck(c);
            return DropReason.TCP_PAWS;
        }

        // First: check the sequence number.
        final int window = SeqNum.max(c.rcvAdv, c.rcvNxt + receiveWindow(c)) - c.rcvNxt;
        if (!acceptable(c, window))
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
                    invalidAck(c); // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
                }
                return DropReason.TCP_UNACCEPTABLE;
            }
        }
        // RFC 7323 §4.3 (R3): a segment that starts at or before Last.ACK.sent may refresh TS.Recent — judged here,
        // on SEG.SEQ as sent, but taken only once the RST, SYN and ACK checks have accepted the segment.
        segTsRecent = c.timestamps && options.hasTimestamps() && SeqNum.le(segSeq, c.lastAckSent)
            && SeqNum.ge(options.tsVal(), c.tsRecent);
        // RFC 5961 §3.2 judges a RST by the sequence number it was sent with, before trimming moves it.
        final int rstSeq = segSeq;
        trimToWindow(c, window);
        keepAliveRestart(c);

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
                        release(c);
                        return DropReason.NONE;
                    }
                    finish(c, CloseReason.REFUSED, "RST in SYN-RECEIVED: connection refused");
                    return DropReason.NONE;
                case ESTABLISHED:
                case FIN_WAIT_1:
                case FIN_WAIT_2:
                case CLOSE_WAIT:
                    finish(c, CloseReason.RESET, "RST: connection reset");
                    return DropReason.NONE;
                case CLOSING:
                case LAST_ACK:
                    // §3.10.7.4: CLOSING, LAST-ACK — enter CLOSED, delete the TCB; the user has not heard the end yet.
                    finish(c, CloseReason.RESET, "RST in CLOSING or LAST-ACK: connection reset");
                    return DropReason.NONE;
                default:
                    // TIME-WAIT: delete the TCB (the user was told of the normal end on entering TIME-WAIT).
                    release(c);
                    return DropReason.NONE;
            }
        }

        // Fourth: the SYN bit (RFC 5961 §4.2: challenge ACK in every synchronized state and SYN-RECEIVED).
        if (has(TcpHeader.SYN))
        {
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
                state(c, TcpState.ESTABLISHED, "ACK of SYN in SYN-RECEIVED");
                established(c);
                if (gone(c))
                {
                    return DropReason.NONE;
                }
                if (c.finQueued && c.state == TcpState.ESTABLISHED)
                {
                    // A CLOSE issued in SYN-RECEIVED (§3.10.4) takes effect now.
                    state(c, TcpState.FIN_WAIT_1, "CLOSE queued in SYN-RECEIVED");
                }
            }
            else
            {
                // Not an ACK of our SYN (§3.5 old duplicate handling): <SEQ=SEG.ACK><CTL=RST>.
                sendRst(c.remoteIp, c.remotePort, c.localPort, segAck, 0, TcpHeader.RST);
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
        if (finReceived(c))
        {
            return dataLength > 0 || segFin ? DropReason.TCP_AFTER_FIN : DropReason.NONE;
        }

        // Sixth (URG) is ignored; seventh: the segment text (ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2).
        if (dataLength > 0)
        {
            receiveText(c);
            if (gone(c))
            {
                return DropReason.NONE;
            }
        }

        // Eighth: the FIN bit (a FIN received while processing the text, from beyond a hole, moved the state on).
        if (segFin && !finReceived(c))
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

    /** §3.10.7.4 first step: the four cases of segment acceptability. */
    private boolean acceptable(final TcpConnection c, final int window)
    {
        final int rcvNxt = c.rcvNxt;
        if (segLen == 0)
        {
            // The right edge itself is taken for a bare ACK, as Linux does: a peer whose window we filled
            // exactly sends its ACKs there.
            return window == 0 ? segSeq == rcvNxt : SeqNum.inWindow(rcvNxt, segSeq, rcvNxt + window + 1);
        }
        return window != 0 && (SeqNum.inWindow(rcvNxt, segSeq, rcvNxt + window)
            || SeqNum.inWindow(rcvNxt, segSeq + segLen - 1, rcvNxt + window));
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
            dataOffset += cut;
            dataLength -= cut;
            segSeq += cut;
            if (skip > cut)
            {
                segFin = false;
                segSeq = c.rcvNxt;
            }
        }
        final int right = SeqNum.min(c.rcvNxt + window, c.readSeq + receiveSize);
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
        }
        c.probesOut = 0; // the peer answers: zero-window probes count toward the limit only while it is silent
        final int scaledWindow = segWnd << c.sndShift;
        if (c.sackPermitted)
        {
            takeSackBlocks(c);
        }
        if (SeqNum.gt(segAck, c.sndUna))
        {
            newAck(c);
        }
        // RFC 5681 §2: a duplicate ACK carries no data, judged on the segment as sent, not as trimmed to our window.
        else if (segAck == c.sndUna && seg.payloadLength() == 0 && !segFin && c.sndMax != c.sndUna
            && scaledWindow == c.sndWnd && c.sndWnd != 0)
        {
            duplicateAck(c);
        }
        // SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK: take the window.
        if (SeqNum.lt(c.sndWl1, segSeq) || (c.sndWl1 == segSeq && SeqNum.le(c.sndWl2, segAck)))
        {
            updateWindow(c, scaledWindow, segSeq, segAck);
            if (c.persist && scaledWindow != 0)
            {
                c.persist = false;
                c.rtxDeadline = c.sndUna == c.sndMax ? NO_DEADLINE : now + c.rtoNs;
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
                    state(c, TcpState.FIN_WAIT_2, "ACK of FIN in FIN-WAIT-1");
                    // The idle timer now bounds FIN-WAIT-2: a peer that never sends its FIN cannot hold the slot.
                    c.keepAliveDeadline = finWait2TimeoutNs > 0 ? now + finWait2TimeoutNs : NO_DEADLINE;
                }
                break;
            case CLOSING:
                if (finAcked)
                {
                    enterTimeWait(c, "ACK of FIN in CLOSING");
                    return ACK_DONE;
                }
                break;
            case LAST_ACK:
                if (finAcked)
                {
                    if (handOverUnread(c))
                    {
                        finish(c, CloseReason.NORMAL, "ACK of FIN in LAST-ACK");
                    }
                    return ACK_DONE;
                }
                break;
            default:
                break;
        }
        return ACK_CONTINUE;
    }

    private void newAck(final TcpConnection c)
    {
        final int acked = segAck - c.sndUna;
        sampleRtt(c);
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
        else if (c.cwnd < c.ssthresh)
        {
            c.cwnd += Math.min(acked, c.sndMss); // RFC 5681 §3.1 slow start
        }
        else
        {
            c.cwnd += Math.max(1, (long)c.sndMss * c.sndMss / c.cwnd); // congestion avoidance
        }
        // RFC 6298 §5.2/5.3: all data acknowledged stops the timer; otherwise restart it.
        c.persist = false;
        c.rtxDeadline = c.sndUna == c.sndMax ? NO_DEADLINE : now + c.rtoNs;
    }

    /**
     * Tells the application it may send again. Called only once SND.WND has been taken from the segment too:
     * between the SND.UNA update and the window update the usable window is SND.UNA(new) + SND.WND(old), which
     * lies past the peer's right edge whenever the peer's window shrank as its ACK advanced.
     */
    private void notifyWritable(final TcpConnection c)
    {
        if (c.wantWritable && sendCapacity(c) > 0 && c.handler != null)
        {
            c.wantWritable = false;
            c.handler.onWritable(c);
        }
    }

    private void duplicateAck(final TcpConnection c)
    {
        c.dupAcks++;
        // RFC 6582 §3.2 step 1: only duplicate ACKs that cover more than `recover` start a fast retransmit; those
        // for data sent before the last retransmission timeout (go-back-N resends it) would halve cwnd twice.
        if (c.dupAcks == 3 && !c.inRecovery && SeqNum.gt(segAck, c.recover))
        {
            // RFC 5681 §3.2 fast retransmit; RFC 6582 NewReno recovery up to SND.MAX.
            c.ssthresh = Math.max(flightSize(c) / 2, 2L * c.sndMss);
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

    private static long flightSize(final TcpConnection c)
    {
        return (c.sndMax - c.sndUna) & 0xFFFF_FFFFL;
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
                c.ackDeadline = now + delayedAckNs;
            }
            if (!c.readingPaused && c.readSeq == c.rcvNxt)
            {
                // READ.SEQ moves only after onData returns: a segment the application sends from onData must
                // not advertise room for bytes it may yet hand back with keepUnread (the window cannot shrink).
                c.rcvNxt = end;
                final int gen = c.generation;
                c.delivering = true;
                c.handler.onData(c, segBuffer, dataOffset, dataLength);
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
                    storeBytes(c, end - kept, segBuffer, at, kept);
                    c.readSeq = end - kept;
                    c.readingPaused = true;
                }
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
            deliverStored(c);
            if (c.state == TcpState.CLOSED)
            {
                return;
            }
            if (c.peerFinPending && c.peerFinSeq == c.rcvNxt)
            {
                c.peerFinPending = false;
                receiveFin(c);
            }
        }
        else
        {
            // Out of order: keep it (bounded) and send a duplicate ACK so the sender can fast-retransmit.
            if (outOfOrder.add(c.slot, segSeq, end))
            {
                storeText(c);
                c.sackRecent = segSeq;
            }
            c.ackNow = true;
        }
    }

    private void storeText(final TcpConnection c)
    {
        storeBytes(c, segSeq, segBuffer, dataOffset, dataLength);
    }

    private void storeBytes(
        final TcpConnection c, final int seq, final DirectBuffer source, final int offset, final int length)
    {
        final UnsafeBuffer slab = buffers.buffer(c.slot);
        final int base = buffers.receiveOffset(c.slot);
        final int pos = (seq - c.irs - 1) & (receiveSize - 1);
        final int first = Math.min(length, receiveSize - pos);
        slab.putBytes(base + pos, source, offset, first);
        if (first < length)
        {
            slab.putBytes(base, source, offset + first, length - first);
        }
    }

    /** Hands the application the in-order bytes held in the receive ring, in at most two pieces. */
    private void deliverStored(final TcpConnection c)
    {
        final int gen = c.generation;
        while ((!c.readingPaused || c.finalDelivery) && c.readSeq != dataEnd(c) && c.generation == gen
            && c.state != TcpState.CLOSED)
        {
            final UnsafeBuffer slab = buffers.buffer(c.slot);
            final int base = buffers.receiveOffset(c.slot);
            final int pos = (c.readSeq - c.irs - 1) & (receiveSize - 1);
            final int length = Math.min(dataEnd(c) - c.readSeq, receiveSize - pos);
            final int from = c.readSeq;
            c.delivering = true;
            c.handler.onData(c, slab, base + pos, length);
            c.delivering = false;
            if (c.generation != gen || c.state == TcpState.CLOSED)
            {
                break;
            }
            // As above: the bytes count as read only once onData has returned without keeping them.
            c.readSeq = from + length;
            if (c.finalDelivery)
            {
                c.keepUnread = 0;
            }
            else if (c.keepUnread > 0)
            {
                // The bytes are still in the ring: just step back and pause.
                c.readSeq -= Math.min(c.keepUnread, length);
                c.keepUnread = 0;
                c.readingPaused = true;
            }
        }
        if (c.peerClosedPending && c.readSeq == c.peerFinSeq && c.generation == gen && c.handler != null)
        {
            c.peerClosedPending = false;
            c.handler.onPeerClosed(c);
        }
    }

    /** The sequence number after the last in-order data byte: RCV.NXT, less one once the FIN is in. */
    private static int dataEnd(final TcpConnection c)
    {
        return finReceived(c) ? c.peerFinSeq : c.rcvNxt;
    }

    private static boolean finReceived(final TcpConnection c)
    {
        final TcpState s = c.state;
        return s == TcpState.CLOSE_WAIT || s == TcpState.CLOSING || s == TcpState.LAST_ACK || s == TcpState.TIME_WAIT;
    }

    /** §3.10.7.4 eighth step. */
    private void receiveFin(final TcpConnection c)
    {
        c.peerFinSeq = c.rcvNxt;
        c.rcvNxt = c.rcvNxt + 1;
        c.ackNow = true;
        switch (c.state)
        {
            case ESTABLISHED:
                state(c, TcpState.CLOSE_WAIT, "FIN received");
                peerClosed(c);
                break;
            case FIN_WAIT_1:
                if (c.finSent && SeqNum.gt(c.sndUna, c.finSeq))
                {
                    peerClosed(c);
                    enterTimeWait(c, "FIN in FIN-WAIT-1 with our FIN acknowledged");
                }
                else
                {
                    state(c, TcpState.CLOSING, "FIN in FIN-WAIT-1: simultaneous close");
                    peerClosed(c);
                }
                break;
            case FIN_WAIT_2:
                peerClosed(c);
                enterTimeWait(c, "FIN in FIN-WAIT-2");
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
        if ((segLen == 0 || has(TcpHeader.SYN)) && now - c.lastInvalidAckNs < invalidAckIntervalNs)
        {
            counters.increment(StackCounter.TCP_INVALID_ACKS_SUPPRESSED);
            return;
        }
        c.lastInvalidAckNs = now;
        c.ackNow = true;
    }

    private void challengeAck(final TcpConnection c)
    {
        // RFC 5961 §7: a cap on challenge ACKs per second, so a flood of blind RSTs/SYNs cannot turn the stack into
        // an ACK amplifier. Per connection, not stack-wide: a shared counter is the CVE-2016-5696 side channel (an
        // off-path attacker counts the challenge ACKs on its own connection to learn what a spoofed segment on
        // another one did).
        if (now - c.challengeWindowStart >= 1_000_000_000L)
        {
            c.challengeWindowStart = now;
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

    // ------------------------------------------------------------------------------------------------
    // Lifecycle
    // ------------------------------------------------------------------------------------------------

    private void open(final TcpConnection c, final TcpHandler handler, final Listener listener)
    {
        c.handler = handler;
        c.listener = listener;
        c.passive = listener != null;
        c.iss = reopenIssSet ? reopenIss : isn.isn(localIp, c.localPort, c.remoteIp, c.remotePort, now);
        c.sndUna = c.iss;
        c.sndNxt = c.iss + 1;
        c.sndMax = c.sndNxt;
        c.sndBufEnd = c.iss + 1;
        c.sndWnd = 0;
        c.maxSndWnd = 0;
        c.sndShift = 0;
        c.rcvShift = 0;
        c.sndMss = DEFAULT_PEER_MSS;
        c.timestamps = false;
        c.sackPermitted = false;
        c.tsRecent = 0;
        // RFC 7323 §5.4 and §5.5: a secret offset per host pair, so TSval reveals no uptime yet stays monotonic from
        // one incarnation of a 4-tuple to the next (a peer holding TIME-WAIT judges our new SYN by PAWS, RFC 6191).
        c.tsOffset = isn.tsOffset(localIp, c.remoteIp);
        c.lastAckSent = 0;
        c.challengeWindowStart = now;
        c.challengeAcks = 0;
        c.lastInvalidAckNs = now - invalidAckIntervalNs;
        c.rcvLimit = receiveSize;
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
        c.handshakeTimedOut = false;
        c.probesOut = 0;
        c.cwnd = 0;
        c.ssthresh = Integer.MAX_VALUE;
        c.dupAcks = 0;
        c.inRecovery = false;
        c.recover = c.iss;
        c.unackedSegments = 0;
        c.ackNow = false;
        c.rtxDeadline = NO_DEADLINE;
        c.ackDeadline = NO_DEADLINE;
        c.timeWaitDeadline = NO_DEADLINE;
        c.timeWaitOnWheel = false;
        c.persist = false;
        c.keepAliveIdleNs = keepAliveIdleNs;
        c.keepAliveIntervalNs = keepAliveIntervalNs;
        c.keepAliveProbes = keepAliveProbes;
        c.keepAliveSent = 0;
        c.keepAliveDeadline = NO_DEADLINE;
        c.noDelay = true;
        c.wantWritable = false;
        outOfOrder.clear(c.slot);
        sacked.clear(c.slot);
        c.highRxt = c.iss;
        counters.add(StackCounter.TCP_CONNECTIONS, 1);
    }

    private void takeSynOptions(final TcpConnection c)
    {
        final TcpOptions options = seg.options();
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
            c.sndMss -= TcpOptions.TIMESTAMPS_LENGTH;
        }
        c.cwnd = initialWindow(c);
    }

    /** RFC 6928 initial window: min(10 MSS, max(2 MSS, 14600)). */
    private static long initialWindow(final TcpConnection c)
    {
        return Math.min(10L * c.sndMss, Math.max(2L * c.sndMss, 14600));
    }

    private void established(final TcpConnection c)
    {
        counters.increment(StackCounter.TCP_ESTABLISHED);
        if (c.cwnd == 0)
        {
            c.cwnd = initialWindow(c);
        }
        if (c.handshakeTimedOut && c.srttNs == 0 && initialRtoNs < RTO_AFTER_SYN_TIMEOUT_NS)
        {
            // RFC 6298 §5.7: the timer expired awaiting the ACK of our SYN (or SYN-ACK) and the handshake gave no RTT
            // sample: data starts with an RTO of 3 s, not the 1 s that just proved too short.
            c.rtoNs = Math.min(maxRtoNs, RTO_AFTER_SYN_TIMEOUT_NS);
        }
        keepAliveRestart(c);
        c.handler.onOpen(c);
    }

    void keepAlive(final TcpConnection c, final long idleNs, final long intervalNs, final int probes)
    {
        if (!StackConfig.validKeepAlive(idleNs, intervalNs, probes))
        {
            throw new IllegalArgumentException("keep-alive needs idle >= 0, and with idle > 0 an interval > 0 and"
                + " at least 1 probe: " + idleNs + " ns, " + intervalNs + " ns, " + probes);
        }
        c.keepAliveIdleNs = idleNs;
        c.keepAliveIntervalNs = intervalNs;
        c.keepAliveProbes = probes;
        c.keepAliveDeadline = NO_DEADLINE;
        if (c.state == TcpState.ESTABLISHED || c.state == TcpState.CLOSE_WAIT)
        {
            keepAliveRestart(c);
        }
        rearm(c);
    }

    /**
     * RFC 1122 §4.2.3.6: the idle time before a probe restarts with every segment from the peer. Only the time is
     * noted here; the timer is moved when it fires (no wheel churn per segment).
     */
    private void keepAliveRestart(final TcpConnection c)
    {
        c.lastHeardNs = now;
        if (c.keepAliveIdleNs > 0)
        {
            c.keepAliveSent = 0;
            if (c.keepAliveDeadline == NO_DEADLINE)
            {
                c.keepAliveDeadline = now + c.keepAliveIdleNs;
            }
        }
    }

    private void keepAliveTimeout(final TcpConnection c)
    {
        if (c.state == TcpState.FIN_WAIT_2)
        {
            finWait2Timeout(c);
            return;
        }
        if (c.state != TcpState.ESTABLISHED && c.state != TcpState.CLOSE_WAIT)
        {
            return;
        }
        if (c.keepAliveSent == 0 && now - c.lastHeardNs < c.keepAliveIdleNs)
        {
            c.keepAliveDeadline = c.lastHeardNs + c.keepAliveIdleNs; // heard from the peer since: not idle yet
            return;
        }
        if (c.sndUna != c.sndMax || c.sndBufEnd != c.sndNxt)
        {
            // Data in flight or waiting: the retransmission timer already watches the peer (RFC 1122: probes
            // only on an idle connection).
            c.keepAliveDeadline = now + c.keepAliveIdleNs;
            return;
        }
        if (c.keepAliveSent >= c.keepAliveProbes)
        {
            counters.increment(StackCounter.TCP_KEEPALIVE_TIMEOUTS);
            sendRst(c.remoteIp, c.remotePort, c.localPort, c.sndNxt, 0, TcpHeader.RST);
            finish(c, CloseReason.TIMEOUT, "keep-alive: no answer to the probes");
            return;
        }
        // RFC 9293 §3.8.4: <SEQ=SND.UNA-1><ACK=RCV.NXT><CTL=ACK>, outside the peer's window, so it must answer.
        c.keepAliveSent++;
        counters.increment(StackCounter.TCP_KEEPALIVE_PROBES);
        writeSegment(c, c.sndUna - 1, TcpHeader.ACK, 0);
        c.keepAliveDeadline = now + c.keepAliveIntervalNs;
    }

    /**
     * FIN-WAIT-2 bounded as Linux bounds it (tcp_fin_timeout): our FIN is acknowledged but the peer's FIN has not
     * come, and the peer has sent nothing for finWait2Timeout — reset, and tell the application TIMEOUT.
     */
    private void finWait2Timeout(final TcpConnection c)
    {
        if (finWait2TimeoutNs == 0)
        {
            return;
        }
        if (now - c.lastHeardNs < finWait2TimeoutNs)
        {
            c.keepAliveSent = 0;
            c.keepAliveDeadline = c.lastHeardNs + finWait2TimeoutNs; // heard from the peer since: wait on
            return;
        }
        if (c.readingPaused || receiveWindow(c) == 0)
        {
            // The silence is ours: the application is not reading and the peer only probes our shut window, its
            // probes backing off past the timeout. Not a silent peer: wait on.
            c.keepAliveDeadline = now + finWait2TimeoutNs;
            return;
        }
        if (c.keepAliveSent < FIN_WAIT_2_PROBES)
        {
            // Silent for the whole timeout, yet a live peer may only be waiting out its backed-off persist timer on a
            // window it believes shut (our update lost; seen under loss). Probe as keep-alive does (RFC 9293
            // §3.8.4: <SEQ=SND.UNA-1><ACK=RCV.NXT>, carrying our window) before giving up: a live peer answers.
            c.keepAliveSent++;
            writeSegment(c, c.sndUna - 1, TcpHeader.ACK, 0);
            c.keepAliveDeadline = now + c.rtoNs;
            return;
        }
        counters.increment(StackCounter.TCP_FIN_WAIT_2_TIMEOUTS);
        sendRst(c.remoteIp, c.remotePort, c.localPort, c.sndNxt, 0, TcpHeader.RST);
        finish(c, CloseReason.TIMEOUT, "FIN-WAIT-2 timeout: the peer's FIN never came");
    }

    private void enterTimeWait(final TcpConnection c, final String reason)
    {
        final long deadline = now + twoMslNs;
        if (c.state == TcpState.TIME_WAIT)
        {
            // RFC 9293 §3.6.1: a retransmitted FIN restarts 2MSL. The connection keeps its one queue entry: the later
            // deadline is taken when that entry comes due (the rest then runs on the wheel), so a FIN storm from one
            // peer appends nothing and cannot crowd other connections out of TIME-WAIT.
            c.timeWaitDeadline = deadline;
            if (c.timeWaitOnWheel)
            {
                rearm(c);
            }
            return;
        }
        if (!timeWait.offer(c, deadline))
        {
            // One entry per connection in TIME-WAIT, 2 × capacity in all: only entries left by TIME-WAITs that ended
            // early (reset, evicted, reopened) and were followed by many more can fill it. Free at once.
            state(c, TcpState.TIME_WAIT, reason);
            sendAck(c);
            if (handOverUnread(c))
            {
                finish(c, CloseReason.NORMAL, "TIME-WAIT queue full");
            }
            return;
        }
        c.timeWaitDeadline = deadline;
        c.rtxDeadline = NO_DEADLINE;
        c.ackDeadline = NO_DEADLINE;
        c.keepAliveDeadline = NO_DEADLINE;
        state(c, TcpState.TIME_WAIT, reason);
        counters.add(StackCounter.TCP_TIME_WAIT, 1);
        rearm(c);
        if (handOverUnread(c))
        {
            notifyClosed(c, CloseReason.NORMAL);
        }
    }

    /**
     * Before a normal end is reported: bytes the application still holds unread (paused, or kept with
     * keepUnread) are handed over now — keepUnread and pauseReading no longer hold them back, the application
     * must copy what it keeps — followed by onPeerClosed if it was still owed. A close never loses data.
     *
     * @return false when a callback ended the connection meanwhile (nothing more to report).
     */
    private boolean handOverUnread(final TcpConnection c)
    {
        if (c.handler == null || (c.readSeq == dataEnd(c) && !c.peerClosedPending))
        {
            return true;
        }
        final int gen = c.generation;
        c.readingPaused = false;
        c.finalDelivery = true;
        deliverStored(c);
        c.finalDelivery = false;
        return c.generation == gen && c.state != TcpState.CLOSED;
    }

    /** Ends a connection the application knows: tells it why, then frees the slot. */
    private void finish(final TcpConnection c, final CloseReason reason, final String why)
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

    private void notifyClosed(final TcpConnection c, final CloseReason reason)
    {
        final TcpHandler handler = c.handler;
        c.handler = null;
        if (handler != null)
        {
            handler.onClosed(c, reason);
        }
    }

    /** Frees a connection without telling the application (it never saw it, or was told already). */
    private void release(final TcpConnection c)
    {
        state(c, TcpState.CLOSED, "deleted");
        free(c);
    }

    private void free(final TcpConnection c)
    {
        c.corked = false;
        if (c.listener != null)
        {
            c.listener.embryonic--;
            c.listener = null;
        }
        c.rtxDeadline = NO_DEADLINE;
        c.ackDeadline = NO_DEADLINE;
        c.timeWaitDeadline = NO_DEADLINE;
        c.timeWaitOnWheel = false;
        c.keepAliveDeadline = NO_DEADLINE;
        rearm(c);
        c.handler = null;
        outOfOrder.clear(c.slot);
        counters.add(StackCounter.TCP_CONNECTIONS, -1);
        counters.increment(StackCounter.TCP_CLOSED);
        table.release(c);
    }

    private void state(final TcpConnection c, final TcpState next, final String reason)
    {
        final TcpState from = c.state;
        if (from == next)
        {
            return;
        }
        if (from == TcpState.TIME_WAIT)
        {
            counters.add(StackCounter.TCP_TIME_WAIT, -1);
        }
        stateCounts[from.ordinal()]--;
        stateCounts[next.ordinal()]++;
        c.state = next;
        if (stateListener != null)
        {
            stateListener.onStateChange(c, from, next, reason);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Output
    // ------------------------------------------------------------------------------------------------

    // Autocorking, as Linux's tcp_autocorking: while the stack drains a batch of received frames, output is only
    // noted per connection; flushCorked() then sends each connection's data as full segments (and one ACK for
    // the whole batch) once the batch is done. Sends made outside a duty cycle leave at once, so a lone
    // request waits for nothing.
    private boolean corking;
    private final int[] corked;
    private int corkedCount;

    /**
     * Starts a duty cycle's batch: from now until {@link #flushCorked()}, segments a connection would send (data
     * the application sends from its callbacks, ACKs owed, window updates) wait so that they leave together.
     * Called by the stack agent before it drains the rx ring.
     */
    public void cork()
    {
        corking = true;
    }

    /**
     * Ends the batch begun by {@link #cork()}: sends what every connection touched in it has to send.
     *
     * @return connections flushed.
     */
    public int flushCorked()
    {
        corking = false;
        final int count = corkedCount;
        for (int i = 0; i < count; i++)
        {
            final TcpConnection c = table.slot(corked[i]);
            if (c.corked)
            {
                c.corked = false;
                output(c);
            }
        }
        corkedCount = 0;
        return count;
    }

    /** Sends what the windows allow, then a bare ACK if one is still owed. */
    private void output(final TcpConnection c)
    {
        if (c.delivering)
        {
            return; // the caller of onData outputs once the callback has returned and READ.SEQ is settled
        }
        if (corking)
        {
            if (!c.corked)
            {
                if (corkedCount == corked.length)
                {
                    flushCorked(); // cannot happen with 2 × capacity entries unless slots churn; stay correct
                    corking = true;
                }
                c.corked = true;
                corked[corkedCount++] = c.slot;
            }
            return;
        }
        final TcpState s = c.state;
        final boolean canSendData = s == TcpState.ESTABLISHED || s == TcpState.CLOSE_WAIT
            || s == TcpState.FIN_WAIT_1 || s == TcpState.CLOSING || s == TcpState.LAST_ACK;
        while (canSendData)
        {
            final int unsent = c.sndBufEnd - c.sndNxt;
            if (unsent > 0)
            {
                final long windowEdge = Math.min(c.sndWnd, c.cwnd);
                final long usable = windowEdge - ((c.sndNxt - c.sndUna) & 0xFFFF_FFFFL);
                int length = (int)Math.min(Math.min(unsent, c.sndMss), Math.max(0, usable));
                if (length <= 0)
                {
                    if (c.sndWnd == 0 && c.sndUna == c.sndMax && !c.persist)
                    {
                        // RFC 9293 §3.8.6.1: zero window and nothing in flight — probe on the persist timer.
                        c.persist = true;
                        c.rtxDeadline = now + c.rtoNs;
                    }
                    break;
                }
                // Nagle (RFC 9293 §3.7.4): hold a small segment while data is unacknowledged.
                if (!c.noDelay && length < c.sndMss && c.sndUna != c.sndMax && !c.finQueued)
                {
                    break;
                }
                // Sender-side SWS avoidance (RFC 9293 §3.8.6.2.1, MUST-38): a segment the window, not the data, cuts
                // below Eff.snd.MSS goes only when it is at least half the largest window the peer offered. With
                // nothing in flight no ACK will open the window, so the persist timer is the override timeout.
                if (length < c.sndMss && length < unsent && 2L * length < c.maxSndWnd)
                {
                    if (c.sndUna == c.sndMax && !c.persist)
                    {
                        c.persist = true;
                        c.rtxDeadline = now + c.rtoNs;
                    }
                    break;
                }
                int flags = TcpHeader.ACK;
                if (length == unsent)
                {
                    flags |= TcpHeader.PSH;
                    if (c.finQueued)
                    {
                        flags |= TcpHeader.FIN;
                    }
                }
                sendData(c, c.sndNxt, length, flags);
            }
            else if (c.finQueued && c.sndNxt == c.sndBufEnd)
            {
                sendData(c, c.sndNxt, 0, TcpHeader.FIN | TcpHeader.ACK);
            }
            else
            {
                break;
            }
        }
        if (c.ackNow)
        {
            sendAck(c);
        }
        rearm(c);
    }

    private void sendData(final TcpConnection c, final int seq, final int length, final int flags)
    {
        if (SeqNum.lt(seq, c.sndMax))
        {
            counters.increment(StackCounter.TCP_RETRANSMITS);
        }
        if (!writeSegment(c, seq, flags, length))
        {
            // No room in the tx ring: treat as lost; the retransmission timer recovers.
            if (c.rtxDeadline == NO_DEADLINE)
            {
                c.rtxDeadline = now + c.rtoNs;
            }
        }
        int end = seq + length;
        if ((flags & TcpHeader.FIN) != 0)
        {
            c.finSent = true;
            c.finSeq = end;
            end++;
        }
        if (!c.rttTiming && SeqNum.ge(seq, c.sndMax) && end != seq)
        {
            // Time one segment per round trip; Karn: never a retransmitted one.
            c.rttTiming = true;
            c.rttSeq = end;
            c.rttStartNs = now;
        }
        c.sndNxt = end;
        if (SeqNum.gt(end, c.sndMax))
        {
            c.sndMax = end;
        }
        if (c.rtxDeadline == NO_DEADLINE)
        {
            c.rtxDeadline = now + c.rtoNs;
        }
    }

    /** RFC 2018 §3: the peer's blocks of data it holds beyond SEG.ACK, kept when they lie in what we sent. */
    private void takeSackBlocks(final TcpConnection c)
    {
        final TcpOptions options = seg.options();
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
        c.rttTiming = false;
        writeSegment(c, from, TcpHeader.ACK, length);
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

    private void retransmitFirst(final TcpConnection c)
    {
        // Only what was sent: bytes queued past SND.MAX are new data, and sending them here without moving SND.MAX
        // would let the peer acknowledge "unsent" data, which RFC 5961 §5.2 then makes us drop.
        final int unacked = (c.finSent ? c.finSeq : c.sndMax) - c.sndUna;
        if (unacked > 0)
        {
            final int length = Math.min(unacked, c.sndMss);
            final int flags = TcpHeader.ACK | (length == unacked && c.finSent ? TcpHeader.FIN : 0);
            counters.increment(StackCounter.TCP_RETRANSMITS);
            c.rttTiming = false;
            writeSegment(c, c.sndUna, flags, length);
            c.highRxt = c.sndUna + length; // what SACK recovery resends next starts past this
        }
        else if (c.finSent && c.sndUna == c.finSeq)
        {
            counters.increment(StackCounter.TCP_RETRANSMITS);
            writeSegment(c, c.finSeq, TcpHeader.FIN | TcpHeader.ACK, 0);
        }
    }

    private void sendSyn(final TcpConnection c, final int flags)
    {
        // Karn: time the first SYN only; a retransmitted one gives no sample.
        c.rttTiming = c.retries == 0;
        c.rttSeq = c.iss + 1;
        c.rttStartNs = now;
        writeSegment(c, c.iss, flags, 0);
    }

    private void sendAck(final TcpConnection c)
    {
        // A sequence number the peer must find acceptable: SND.MAX (after a go-back-N rewind SND.NXT may lie
        // below what the peer already has), but never past the right edge of its window (with a zero
        // window only RCV.NXT = SND.UNA is acceptable). Linux's tcp_acceptable_seq() makes the same choice.
        final int edge = c.sndUna + (int)Math.min(c.sndWnd, Integer.MAX_VALUE);
        writeSegment(c, SeqNum.gt(c.sndMax, edge) ? edge : c.sndMax, TcpHeader.ACK, 0);
    }

    /** Builds one segment in place in the tx ring; payload from the send ring. */
    private boolean writeSegment(final TcpConnection c, final int seq, final int flags, final int length)
    {
        final boolean syn = (flags & TcpHeader.SYN) != 0;
        final boolean useScale = syn && (!c.passive || c.windowScaling);
        // Our first SYN offers timestamps; a SYN-ACK (simultaneous open too) and everything after carry them only
        // once the peer's SYN did (RFC 7323 §3.2). SACK-permitted likewise (RFC 2018 §2).
        final boolean firstSyn = syn && c.state == TcpState.SYN_SENT;
        final boolean useTs = firstSyn ? timestampsEnabled : c.timestamps;
        final boolean offerSack = syn && (firstSyn ? sackEnabled : c.sackPermitted);
        // RFC 2018 §4: a pure ACK names the blocks held beyond a hole (3 fit next to timestamps, else 4).
        final int sackBlocks = !syn && length == 0 && (flags & TcpHeader.ACK) != 0 && c.sackPermitted
            ? Math.min(outOfOrder.count(c.slot), useTs ? 3 : TcpOptions.MAX_SACK_BLOCKS) : 0;
        final int optionsLength = (syn ? (useScale ? OPTIONS_SYN_MAX : 4) : 0) + (offerSack ? 4 : 0)
            + (useTs ? TcpOptions.TIMESTAMPS_LENGTH : 0) + (sackBlocks > 0 ? 4 + 8 * sackBlocks : 0);
        final int segmentLength = TcpHeader.MIN_HEADER_LENGTH + optionsLength + length;
        final int at = ip.begin(c.remoteIp, Ipv4Header.PROTOCOL_TCP, segmentLength, now);
        if (at < 0)
        {
            return false;
        }
        final MutableDirectBuffer out = ip.buffer();
        final int ack = (flags & TcpHeader.ACK) != 0 ? c.rcvNxt : 0;
        TcpHeader.writeHeader(out, at, c.localPort, c.remotePort, seq, ack,
            TcpHeader.MIN_HEADER_LENGTH + optionsLength, flags, advertiseWindow(c, syn));
        int o = at + TcpHeader.MIN_HEADER_LENGTH;
        if (syn)
        {
            o += TcpOptions.writeMss(out, o, ourMss);
            if (useScale)
            {
                o += TcpOptions.writeWindowScale(out, o, ourWindowShift);
            }
        }
        if (offerSack)
        {
            o += TcpOptions.writeSackPermitted(out, o);
        }
        if (useTs)
        {
            // RFC 7323 §4.3: TSecr echoes TS.Recent (0 in an active SYN, where nothing is known yet).
            o += TcpOptions.writeTimestamps(out, o, tsVal(c), c.tsRecent);
        }
        if (sackBlocks > 0)
        {
            writeSackBlocks(c, out, o, sackBlocks);
        }
        if (length > 0)
        {
            final UnsafeBuffer slab = buffers.buffer(c.slot);
            final int base = buffers.sendOffset(c.slot);
            final int pos = (seq - c.iss - 1) & (sendSize - 1);
            final int first = Math.min(length, sendSize - pos);
            final int payload = at + TcpHeader.MIN_HEADER_LENGTH + optionsLength;
            out.putBytes(payload, slab, base + pos, first);
            if (first < length)
            {
                out.putBytes(payload + first, slab, base, length - first);
            }
        }
        TcpHeader.writeChecksum(out, at, segmentLength, localIp, c.remoteIp);
        ip.commit();
        counters.increment(StackCounter.TCP_SEGMENTS_OUT);
        if ((flags & TcpHeader.ACK) != 0)
        {
            c.lastAckSent = c.rcvNxt;
            // Every ACK we send acknowledges everything: nothing is owed any more.
            c.ackNow = false;
            c.unackedSegments = 0;
            c.ackDeadline = NO_DEADLINE;
        }
        return true;
    }

    /**
     * RFC 2018 §4: the first block holds the segment that arrived last (so the sender hears of it even when older
     * blocks no longer fit), then the others in sequence order.
     */
    private void writeSackBlocks(final TcpConnection c, final MutableDirectBuffer out, final int at, final int blocks)
    {
        final int slot = c.slot;
        final int held = outOfOrder.count(slot);
        int first = 0;
        for (int i = 0; i < held; i++)
        {
            if (SeqNum.le(outOfOrder.start(slot, i), c.sackRecent)
                && SeqNum.lt(c.sackRecent, outOfOrder.end(slot, i)))
            {
                first = i;
                break;
            }
        }
        int o = at + TcpOptions.writeSackHeader(out, at, blocks);
        o += TcpOptions.writeSackBlock(out, o, outOfOrder.start(slot, first), outOfOrder.end(slot, first));
        for (int i = 0, written = 1; i < held && written < blocks; i++)
        {
            if (i != first)
            {
                o += TcpOptions.writeSackBlock(out, o, outOfOrder.start(slot, i), outOfOrder.end(slot, i));
                written++;
            }
        }
    }

    /**
     * @return our TSval: a 2^20 ns (about 1 ms) clock — RFC 7323 §5.4 allows 1 ms to 1 s per tick, and a shift is
     *     cheaper than a division on every segment — plus the connection's offset.
     */
    private int tsVal(final TcpConnection c)
    {
        return (int)(now >>> 20) + c.tsOffset;
    }

    /** The window field: free receive space, scaled, never moving the right edge left (RFC 9293 §3.8.6.2.2). */
    private int advertiseWindow(final TcpConnection c, final boolean syn)
    {
        final int free = receiveWindow(c);
        if (syn)
        {
            // RFC 7323 §2.2: the window in a SYN is never scaled.
            return Math.min(free, 0xFFFF);
        }
        int field = Math.min(free >>> c.rcvShift, 0xFFFF);
        final int edge = c.rcvNxt + (field << c.rcvShift);
        if (SeqNum.lt(edge, c.rcvAdv))
        {
            // Keep the edge already offered; the scaled field rounds up, so the peer may now see an edge up to
            // 2^shift - 1 bytes further: that is the edge we accept from now on (what we offer, we take).
            field = Math.min((c.rcvAdv - c.rcvNxt + (1 << c.rcvShift) - 1) >>> c.rcvShift, 0xFFFF);
            final int offered = c.rcvNxt + (field << c.rcvShift);
            if (SeqNum.gt(offered, c.rcvAdv))
            {
                c.rcvAdv = offered;
            }
        }
        else
        {
            c.rcvAdv = edge;
        }
        return field;
    }

    private void sendRst(
        final int remoteIp, final int remotePort, final int localPort, final int seq, final int ack, final int flags)
    {
        final int at = ip.begin(remoteIp, Ipv4Header.PROTOCOL_TCP, TcpHeader.MIN_HEADER_LENGTH, now);
        if (at >= 0)
        {
            final MutableDirectBuffer out = ip.buffer();
            TcpHeader.writeHeader(out, at, localPort, remotePort, seq, ack, TcpHeader.MIN_HEADER_LENGTH, flags, 0);
            TcpHeader.writeChecksum(out, at, TcpHeader.MIN_HEADER_LENGTH, localIp, remoteIp);
            ip.commit();
            counters.increment(StackCounter.TCP_SEGMENTS_OUT);
            counters.increment(StackCounter.TCP_RESETS_SENT);
        }
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
        this.now = now;
        int work = 0;
        while (work < TIME_WAIT_EXPIRIES_PER_POLL && timeWait.headExpired(now))
        {
            final TcpConnection c = table.slot(timeWait.headSlot());
            final boolean live = c.generation == timeWait.headGeneration() && c.state == TcpState.TIME_WAIT;
            timeWait.poll();
            if (live)
            {
                if (c.timeWaitDeadline - now <= 0)
                {
                    // RFC 9293 §3.10.8: the 2MSL timeout deletes the TCB.
                    release(c);
                }
                else
                {
                    // 2MSL was restarted by a retransmitted FIN (§3.6.1): the rest of it runs on the wheel.
                    c.timeWaitOnWheel = true;
                    rearm(c);
                }
            }
            work++;
        }
        // Costs O(1) when nothing is due: polled on every duty cycle, so a timer fires at its deadline.
        work += timers.poll(now, this, Integer.MAX_VALUE);
        return work;
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
        final TcpConnection c = table.slot(slot);
        c.timerDeadline = NO_DEADLINE;
        this.now = now;
        if (c.state == TcpState.TIME_WAIT)
        {
            if (c.timeWaitOnWheel && c.timeWaitDeadline - now <= 0)
            {
                release(c); // RFC 9293 §3.10.8: the restarted 2MSL timeout deletes the TCB
            }
            else
            {
                rearm(c);
            }
            return;
        }
        if (c.ackDeadline - now <= 0)
        {
            c.ackDeadline = NO_DEADLINE;
            c.ackNow = true;
        }
        if (c.rtxDeadline - now <= 0)
        {
            c.rtxDeadline = NO_DEADLINE;
            retransmitTimeout(c);
        }
        if (c.keepAliveDeadline - now <= 0 && c.state != TcpState.CLOSED)
        {
            c.keepAliveDeadline = NO_DEADLINE;
            keepAliveTimeout(c);
        }
        if (c.state != TcpState.CLOSED)
        {
            output(c);
        }
    }

    private void retransmitTimeout(final TcpConnection c)
    {
        switch (c.state)
        {
            case SYN_SENT:
            case SYN_RECEIVED:
                if (c.retries >= synRetries)
                {
                    timeout(c);
                    return;
                }
                c.retries++;
                c.handshakeTimedOut = true;
                backoff(c);
                counters.increment(StackCounter.TCP_RETRANSMITS);
                sendSyn(c, c.state == TcpState.SYN_SENT ? TcpHeader.SYN : TcpHeader.SYN | TcpHeader.ACK);
                armRetransmit(c);
                return;
            case TIME_WAIT:
            case CLOSED:
                return;
            default:
                break;
        }
        if (!c.persist && c.sndWnd == 0 && c.sndUna != c.sndMax)
        {
            // RFC 9293 §3.8.6.1, MUST-35 / SHLD-17: the peer shut its window with data in flight. What the timer
            // resends from now on are zero-window probes, not retransmissions: they never count toward dataRetries,
            // only toward the unanswered-probe limit. What lay beyond the window starts again from SND.UNA once it
            // opens (the peer may have dropped it), as after any timeout; cwnd stays, this is no congestion.
            c.persist = true;
            c.sndNxt = c.sndUna;
            c.rttTiming = false;
        }
        if (c.persist && c.sndWnd > 0 && c.sndUna == c.sndMax && c.sndBufEnd != c.sndNxt)
        {
            // The SWS override timeout (RFC 9293 §3.8.6.2.1): the window stayed open but small with nothing in
            // flight; send what fits rather than wait for ever.
            c.persist = false;
            final int unsent = c.sndBufEnd - c.sndNxt;
            final int length = (int)Math.min(Math.min(unsent, c.sndMss), Math.min(c.sndWnd, c.cwnd));
            sendData(c, c.sndNxt, length, TcpHeader.ACK | (length == unsent ? TcpHeader.PSH : 0));
            rearm(c);
            return;
        }
        if (c.persist)
        {
            // RFC 9293 §3.8.6.1: probe the zero window with one byte. A peer that answers may keep its window shut
            // for ever (MUST-35); one that stays silent for dataRetries probes is gone (Linux: tcp_retries2).
            if (c.probesOut >= dataRetries)
            {
                counters.increment(StackCounter.TCP_ZERO_WINDOW_TIMEOUTS);
                sendRst(c.remoteIp, c.remotePort, c.localPort, c.sndNxt, 0, TcpHeader.RST);
                finish(c, CloseReason.TIMEOUT, "zero-window probes unanswered");
                return;
            }
            c.probesOut++;
            backoff(c);
            if (c.sndUna != c.sndMax)
            {
                // Sent before: resend its first byte (or the FIN alone, when only the FIN is unacknowledged).
                if (c.sndBufEnd != c.sndUna)
                {
                    writeSegment(c, c.sndUna, TcpHeader.ACK, 1);
                }
                else
                {
                    retransmitFirst(c);
                }
            }
            else if (c.sndBufEnd != c.sndNxt)
            {
                // A byte of new data, but SND.NXT stays: a receiver with a zero window drops it (Linux does), and
                // advancing past it would leave a hole that only an RTO fills once the window opens. If the peer
                // keeps it, its ACK of SND.NXT + 1 is taken as sending it (processAck).
                writeSegment(c, c.sndNxt, TcpHeader.ACK, 1);
            }
            c.rtxDeadline = now + c.rtoNs;
            return;
        }
        if (c.sndUna == c.sndMax)
        {
            return;
        }
        if (c.retries >= dataRetries)
        {
            timeout(c);
            return;
        }
        c.retries++;
        // RFC 5681 §3.1 eqn. 4, RFC 6298 §5.5-5.6: halve ssthresh, one segment of cwnd, back off, resend.
        c.ssthresh = Math.max(flightSize(c) / 2, 2L * c.sndMss);
        c.cwnd = c.sndMss;
        // RFC 6582 §3.2 step 4: after a retransmit timeout, recover = the highest sequence number sent; leave recovery.
        c.recover = c.sndMax;
        c.inRecovery = false;
        c.dupAcks = 0;
        c.rttTiming = false;
        // RFC 2018 §8: after a timeout the receiver may have reneged; resend from SND.UNA without the blocks.
        sacked.clear(c.slot);
        c.highRxt = c.sndUna;
        backoff(c);
        c.sndNxt = c.sndUna;
        c.rtxDeadline = now + c.rtoNs;
    }

    private void timeout(final TcpConnection c)
    {
        counters.increment(StackCounter.TCP_TIMEOUTS);
        if (c.state == TcpState.SYN_RECEIVED && c.passive)
        {
            release(c);
            return;
        }
        if (c.state != TcpState.SYN_SENT)
        {
            sendRst(c.remoteIp, c.remotePort, c.localPort, c.sndNxt, 0, TcpHeader.RST);
        }
        finish(c, CloseReason.TIMEOUT, "retransmission limit reached");
    }

    private void backoff(final TcpConnection c)
    {
        c.rtoNs = Math.min(c.rtoNs * 2, maxRtoNs); // RFC 6298 §5.5
    }

    private void armRetransmit(final TcpConnection c)
    {
        c.rtxDeadline = now + c.rtoNs;
    }

    /** RFC 6298 §2: one sample per round trip, never from a retransmitted segment (Karn). */
    private void sampleRtt(final TcpConnection c)
    {
        if (!c.rttTiming || SeqNum.lt(segAck, c.rttSeq))
        {
            return;
        }
        c.rttTiming = false;
        rttSample(c, now - c.rttStartNs);
    }

    private void rttSample(final TcpConnection c, final long r)
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
        final long rto = c.srttNs + Math.max(timers.tickNs(), 4 * c.rttvarNs);
        c.rtoNs = Math.max(minRtoNs, Math.min(maxRtoNs, rto));
    }

    /** Keeps the connection's single wheel timer at the earliest of its deadlines. */
    private void rearm(final TcpConnection c)
    {
        final long deadline = Math.min(Math.min(c.rtxDeadline, c.ackDeadline),
            Math.min(c.keepAliveDeadline, c.timeWaitOnWheel ? c.timeWaitDeadline : NO_DEADLINE));
        if (deadline == c.timerDeadline)
        {
            return;
        }
        c.timerDeadline = deadline;
        if (deadline == NO_DEADLINE)
        {
            timers.cancel(c.slot);
        }
        else
        {
            timers.schedule(c.slot, deadline);
        }
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
        this.now = now;
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
                output(c);
            }
        }
        return DropReason.NONE;
    }
}
