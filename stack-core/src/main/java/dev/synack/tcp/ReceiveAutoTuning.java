package dev.synack.tcp;

import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;

/**
 * Receive-window auto-tuning, as Linux's tcp_rcv_space_adjust (tcp_moderate_rcvbuf): a connection starts with a
 * modest RCV.WND and, once per round trip, grows it to about twice what the application read in that round trip,
 * up to the receive buffer. A peer's throughput is bounded by window / RTT; sized this way the window stays ahead of
 * the rate the application actually drains, and a connection that reads slowly (or not at all) never asks for
 * memory it would not use. The window only grows here: RFC 9293 §3.8.6.2.2 forbids moving an offered right edge
 * left, and {@link SegmentOutput} keeps every edge already offered. The window scale (RFC 7323 §2.3) was chosen in
 * the SYN from the whole receive buffer, so the window can grow to it.
 * <p>
 * The round trip: the receiver's own measure from timestamps (RFC 7323 §4: the TSecr of in-order data echoes the
 * TSval of the ACK that released it, as Linux's tcp_rcv_rtt_measure_ts), else {@link RttEstimator}'s SRTT (at
 * least the handshake's sample). Without either nothing grows. Stack thread only; never allocates.
 */
final class ReceiveAutoTuning
{
    /** Room beyond twice the rate: a few full segments, so a window at a small rate is not a segment short. */
    private static final int HEADROOM_SEGMENTS = 4;
    /** The first measurement's bar, as Linux's rcvq_space: the initial congestion window (RFC 6928), 10 segments. */
    private static final int INITIAL_SPACE_SEGMENTS = 10;

    private final StackCounters counters;
    private final TcpTime time;
    private final boolean enabled;
    private final int initialWindow;
    private final int receiveSize;
    private final int ourMss;
    private final long maxRttNs;

    ReceiveAutoTuning(
        final StackConfig config, final StackCounters counters, final TcpTime time, final int receiveSize,
        final int ourMss)
    {
        this.counters = counters;
        this.time = time;
        this.enabled = config.receiveAutoTuning();
        this.initialWindow = enabled ? config.receiveWindowInitial() : receiveSize;
        this.receiveSize = receiveSize;
        this.ourMss = ourMss;
        this.maxRttNs = config.maxRtoNs();
    }

    /** @return the receive window a connection offers first (in its SYN too). */
    int initialWindow()
    {
        return initialWindow;
    }

    /** A fresh TCB: the initial window, tuned unless configured off. */
    void open(final TcpConnection c)
    {
        c.rcvAutoTuning = enabled;
        c.rcvLimit = initialWindow;
        c.rcvSpace = Math.min(initialWindow, INITIAL_SPACE_SEGMENTS * ourMss);
        c.rcvRttNs = 0;
        c.rcvSpaceSeq = c.readSeq;
        c.rcvSpaceStartNs = time.now;
    }

    /** On entering ESTABLISHED: the first measurement starts at READ.SEQ, now known. */
    void established(final TcpConnection c)
    {
        c.rcvSpaceSeq = c.readSeq;
        c.rcvSpaceStartNs = time.now;
    }

    /** The application set its own receive buffer limit (as SO_RCVBUF turns tuning off in Linux). */
    void limitSet(final TcpConnection c)
    {
        c.rcvAutoTuning = false;
    }

    /**
     * In-order text arrived with timestamps: now less the TSval its TSecr echoes is a round trip, from our ACK to
     * the data it let the peer send. Kept as Linux keeps rcv_rtt_est: a lower sample is taken at once (the echo of
     * an older ACK reads long), a higher one only an eighth.
     */
    void timestampEcho(final TcpConnection c, final int tsEcr)
    {
        if (!c.rcvAutoTuning || tsEcr == 0)
        {
            return;
        }
        final long ticks = SegmentOutput.tsClock(time.now, c.tsOffset) - tsEcr;
        final long r = ticks << SegmentOutput.TS_TICK_SHIFT;
        if (ticks <= 0 || r > maxRttNs)
        {
            return; // below the TSval clock's tick, or no echo of anything we could still be waiting on
        }
        c.rcvRttNs = c.rcvRttNs == 0 || r < c.rcvRttNs ? r : c.rcvRttNs + ((r - c.rcvRttNs) >> 3);
    }

    /**
     * READ.SEQ may have moved: once a round trip has passed since the measurement began, what the application read
     * in it is the rate × RTT the window must hold. More than the last such measure grows RCV.WND's limit to twice
     * it (a rate still climbing, as slow start climbs, doubles within the next round trip) plus a few segments.
     */
    void delivered(final TcpConnection c)
    {
        if (!c.rcvAutoTuning)
        {
            return;
        }
        final long rtt = c.rcvRttNs != 0 ? c.rcvRttNs : c.srttNs;
        if (rtt == 0 || time.now - c.rcvSpaceStartNs < rtt)
        {
            return;
        }
        final int read = c.readSeq - c.rcvSpaceSeq;
        if (read > c.rcvSpace)
        {
            c.rcvSpace = read;
            final int limit = (int)Math.min(receiveSize, 2L * read + (long)HEADROOM_SEGMENTS * ourMss);
            if (limit > c.rcvLimit)
            {
                c.rcvLimit = limit;
                counters.increment(StackCounter.TCP_RCV_WINDOW_GROWN);
            }
        }
        c.rcvSpaceSeq = c.readSeq;
        c.rcvSpaceStartNs = time.now;
    }
}
