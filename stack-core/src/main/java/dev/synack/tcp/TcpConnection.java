package dev.synack.tcp;

import org.agrona.DirectBuffer;

import dev.synack.api.TcpHandler;

/**
 * One connection: its transmission control block (RFC 9293 §3.3.1) and the application's handle on it.
 * <p>
 * One instance per connection-table slot, allocated at start-up and reused; a {@link #handle()} carries the
 * slot's generation so a stale handle can never touch a reused slot. Stack thread only.
 */
public final class TcpConnection
{
    static final long NO_DEADLINE = Long.MAX_VALUE;

    final TcpEngine engine;
    final int slot;
    int generation;
    TcpState state = TcpState.CLOSED;
    TcpHandler handler;
    Listener listener;
    boolean passive;
    boolean windowScaling;

    int localPort;
    int remoteIp;
    int remotePort;

    // RFC 9293 §3.3.1 send sequence variables.
    int iss;
    int sndUna;
    int sndNxt;
    int sndMax;
    long sndWnd;
    int sndWl1;
    int sndWl2;
    long maxSndWnd;
    int sndShift;
    int sndMss;

    // RFC 2018 SACK, receiver side: blocks in our ACKs when both SYNs carried SACK-permitted.
    boolean sackPermitted;
    int sackRecent;
    /** The RCV.NXT that {@code dupAcksSent} counts for (Linux: compressed_ack_rcv_nxt). */
    int dupAckRcvNxt;
    /** Duplicate ACKs sent at once for out-of-order segments since RCV.NXT last moved (Linux: dup_ack_counter). */
    int dupAcksSent;
    /** A duplicate ACK merged into the one the batch's end sends (its SACK blocks not yet on the wire). */
    boolean dupAckCompressed;
    /** RFC 2883: a duplicate [dsackStart, dsackEnd) the next ACK names as its first SACK block (a D-SACK). */
    boolean dsackPending;
    int dsackStart;
    int dsackEnd;
    /** Sender side: the highest sequence number retransmitted in this recovery (RFC 6675 HighRxt). */
    int highRxt;
    /** RFC 6675 RescueRxt: the one rescue retransmission a recovery may make (NextSeg rule 4) waits past it. */
    int rescueRxt;

    // RFC 7323 timestamps: negotiated when both SYNs carry the option.
    boolean timestamps;
    int tsRecent;
    /** When TS.Recent was last taken: idle past 24 days, it is no longer valid (RFC 7323 §5.5). */
    long tsRecentAtNs;
    int tsOffset;
    int lastAckSent;
    /** When the last ACK answering an invalid segment left (Linux: last_oow_ack_time). */
    long lastInvalidAckNs;

    // RFC 5961 §7 challenge ACKs sent in the current one-second window (per connection: CVE-2016-5696).
    long challengeWindowStart;
    int challengeAcks;

    // Receive sequence variables.
    int irs;
    int rcvNxt;
    int rcvAdv;
    int rcvShift;
    int readSeq;
    int rcvLimit;
    boolean readingPaused;
    // Receive-window auto-tuning (Linux's tcp_rcv_space_adjust), see ReceiveAutoTuning.
    /** rcvLimit grows with the measured rate × RTT: on unless configured off or the application set a limit. */
    boolean rcvAutoTuning;
    /** READ.SEQ when the current round trip's measurement began. */
    int rcvSpaceSeq;
    /** When it began. */
    long rcvSpaceStartNs;
    /** The most the application read in one measured round trip so far: reading more grows the window. */
    int rcvSpace;
    /** The receiver's round-trip time from timestamp echoes (RFC 7323 §4); 0 before the first sample. */
    long rcvRttNs;
    // Receive memory (ReceivePages): the reservation backing every window offered runs from rcvPageBase, the start
    // of READ.SEQ's ring page, for rcvReservedPages pages.
    int rcvPageBase;
    /** Receive pages this connection holds now (ReceivePages' table row entries that are not NONE). */
    int rcvPagesHeld;
    int rcvReservedPages;
    /** The end of the highest text written to the ring: from READ.SEQ at or past it, no page holds anything. */
    int rcvStoredEnd;
    /** Inside onData: segments wait until it returns, so they carry the window the callback left. */
    boolean delivering;
    /** Touched during the current duty cycle's batch: its output waits for {@code TcpEngine.flushCorked}. */
    boolean corked;
    /** Handing over the last unread bytes before a normal end: keepUnread and pauses no longer hold them. */
    boolean finalDelivery;
    int keepUnread;

    // Send buffer: bytes [sndUna, sndBufEnd) live at ring position (seq - iss - 1) & mask.
    int sndBufEnd;
    boolean finQueued;
    boolean finSent;
    int finSeq;

    // Peer FIN seen beyond a hole, processed when the hole fills.
    boolean peerFinPending;
    int peerFinSeq;
    boolean peerClosedPending;

    // RFC 6298 estimator and Karn's rule.
    long srttNs;
    long rttvarNs;
    long rtoNs;
    boolean rttTiming;
    int rttSeq;
    long rttStartNs;
    int retries;
    /** Every retransmission, for {@link #retransmits()}; never reset while the connection lives. */
    long retransmits;
    /** SYN (or SYN-ACK) retransmissions before the handshake gives up: fewer for a listener under pressure. */
    int handshakeRetries;
    /** The retransmission timer expired during the handshake (RFC 6298 §5.7). */
    boolean handshakeTimedOut;
    /** Zero-window probes sent since the peer last sent an acceptable ACK (Linux: icsk_probes_out). */
    int probesOut;

    // RFC 5681 congestion control, RFC 6582 NewReno recovery; with SACK, RFC 6675 recovery (RecoveryPoint = recover).
    long cwnd;
    long ssthresh;
    int dupAcks;
    /** Bytes sent beyond cwnd by Limited Transmit since the last new ACK (RFC 3042; RFC 5681 §3.2 step 2). */
    long limitedTransmitted;
    boolean inRecovery;
    int recover;

    // RFC 3708 detection of a recovery whose retransmissions were all needless (the peer D-SACKs each one).
    /** The last fast recovery's reduction may still be undone: no RTO since, and all it resent on record. */
    boolean undoable;
    long cwndBeforeRecovery;
    long ssthreshBeforeRecovery;
    /** Bytes that recovery retransmitted, and of them those the peer has D-SACKed. */
    long recoveryRetransmitted;
    long recoveryDsacked;

    // Delayed ACK and timers.
    int unackedSegments;
    boolean ackNow;
    long rtxDeadline = NO_DEADLINE;
    long ackDeadline = NO_DEADLINE;
    long timerDeadline = NO_DEADLINE;
    boolean persist;

    // Keep-alive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6): off unless idle > 0.
    long keepAliveIdleNs;
    long keepAliveIntervalNs;
    int keepAliveProbes;
    int keepAliveSent;
    long lastHeardNs;
    long keepAliveDeadline = NO_DEADLINE;

    // RFC 9438 CUBIC (when chosen): windows in segments, as the RFC's C = 0.4 segments/s^3 takes them.
    /** Congestion control follows RFC 9438 (CUBIC), not RFC 5681 (Reno); see {@link Cubic}. */
    boolean cubic;
    /** When this congestion avoidance stage began (t = 0), moved past app-limited time; or Cubic.NO_EPOCH. */
    long cubicEpochStartNs;
    /** The last ACK in congestion avoidance: the time since it is app-limited when the window was not full. */
    long cubicLastAckNs;
    /** W_max: the window before the last reduction (less with fast convergence); 0: take cwnd_epoch (§4.8). */
    double cubicWmaxSegments;
    /** K: seconds the window function takes to climb from cwnd_epoch to W_max. */
    double cubicKSeconds;
    /** W_est: the window Reno would have now (RFC 9438 §4.3). */
    double cubicWestSegments;
    /** cwnd_prior: the window just before the last reduction. */
    double cubicCwndPriorSegments;
    /** The fraction of a byte of window growth not yet added to cwnd (cwnd counts whole bytes). */
    double cubicCarryBytes;

    boolean noDelay = true;
    boolean wantWritable;

    TcpConnection(final TcpEngine engine, final int slot)
    {
        this.engine = engine;
        this.slot = slot;
    }

    /** @return slot and generation: what the application keeps to find this connection again. */
    public long handle()
    {
        return ((long)generation << 32) | slot;
    }

    /** @return the state, as RFC 9293 names it. */
    public TcpState state()
    {
        return state;
    }

    /** @return the peer's address. */
    public int remoteIp()
    {
        return remoteIp;
    }

    /** @return the peer's port. */
    public int remotePort()
    {
        return remotePort;
    }

    /** @return our port. */
    public int localPort()
    {
        return localPort;
    }

    /** @return ISS. */
    public int iss()
    {
        return iss;
    }

    /** @return IRS. */
    public int irs()
    {
        return irs;
    }

    /** @return SND.UNA. */
    public int sndUna()
    {
        return sndUna;
    }

    /** @return SND.NXT. */
    public int sndNxt()
    {
        return sndNxt;
    }

    /** @return SND.WND in bytes (scaled). */
    public long sndWnd()
    {
        return sndWnd;
    }

    /** @return RCV.NXT. */
    public int rcvNxt()
    {
        return rcvNxt;
    }

    /** @return RCV.WND in bytes: what we would advertise now. */
    public int rcvWnd()
    {
        return engine.receiveWindow(this);
    }

    /** @return the current retransmission timeout. */
    public long rtoNs()
    {
        return rtoNs;
    }

    /** @return the effective send MSS. */
    public int mss()
    {
        return sndMss;
    }

    /** @return the congestion window in bytes. */
    public long cwnd()
    {
        return cwnd;
    }

    /** @return the slow-start threshold in bytes (RFC 5681 §3.1); {@link Integer#MAX_VALUE} until a loss. */
    public long ssthresh()
    {
        return ssthresh;
    }

    /**
     * @return RFC 6675 §4 pipe: the sender's estimate of bytes in flight — between SND.UNA and SND.MAX, each byte
     *     the peer has not SACKed counts once unless lost (IsLost), and once more if retransmitted in this recovery.
     */
    public long pipe()
    {
        return engine.pipe(this);
    }

    /** @return SRTT, the smoothed round-trip time (RFC 6298 §2), in ns; 0 before the first sample. */
    public long srttNs()
    {
        return srttNs;
    }

    /** @return segments this connection sent again (timeouts, fast and SACK retransmits, SYNs and SYN-ACKs). */
    public long retransmits()
    {
        return retransmits;
    }

    /** @return bytes queued in the send buffer and not yet acknowledged. */
    public int sendQueued()
    {
        return engine.sendQueued(this);
    }

    /** @return bytes the send buffer can accept now. */
    public int sendCapacity()
    {
        return engine.sendCapacity(this);
    }

    /**
     * Queues bytes for sending; they leave as the windows allow.
     *
     * @param buffer the bytes.
     * @param offset where they start.
     * @param length how many.
     * @return bytes accepted (fewer when the send buffer is full; {@link TcpHandler#onWritable} follows), or
     *     -1 when the connection can no longer send (closed, or after shutdownOutput).
     */
    public int send(final DirectBuffer buffer, final int offset, final int length)
    {
        return engine.send(this, buffer, offset, length);
    }

    /** Half-close: our FIN follows the queued data; receiving goes on until the peer's FIN (RFC 9293 CLOSE). */
    public void shutdownOutput()
    {
        engine.shutdownOutput(this);
    }

    /** CLOSE as RFC 9293 §3.10.4 defines it: same as {@link #shutdownOutput()}; data still arrives until FIN. */
    public void close()
    {
        engine.shutdownOutput(this);
    }

    /** ABORT (RFC 9293 §3.10.5): sends RST, drops queued data, frees the connection at once. */
    public void abort()
    {
        engine.abort(this);
    }

    /**
     * @param noDelay true (the default, for latency) sends small segments at once; false applies Nagle's
     *     algorithm (RFC 9293 §3.7.4).
     * @return this.
     */
    public TcpConnection noDelay(final boolean noDelay)
    {
        this.noDelay = noDelay;
        return this;
    }

    /**
     * Keep-alive probes (RFC 9293 §3.8.4; off by default, as RFC 1122 §4.2.3.6 requires): after {@code idle}
     * with nothing received and nothing in flight, a probe {@code <SEQ=SND.UNA-1><ACK=RCV.NXT><CTL=ACK>} that a
     * live peer must answer; then one every {@code interval}; after {@code probes} unanswered, the connection
     * is reset and closes with {@link dev.synack.api.CloseReason#TIMEOUT}. Any segment from the peer restarts
     * the idle time.
     *
     * @param idle time without traffic before the first probe; 0 turns keep-alive off.
     * @param interval time between unanswered probes.
     * @param probes unanswered probes before the connection is declared dead (at least 1).
     * @param unit the unit of {@code idle} and {@code interval}.
     * @return this.
     */
    public TcpConnection keepAlive(final long idle, final long interval, final int probes,
        final java.util.concurrent.TimeUnit unit)
    {
        engine.keepAlive(this, unit.toNanos(idle), unit.toNanos(interval), probes);
        return this;
    }

    /**
     * Caps the receive window (the per-connection buffer size), at most the configured receive buffer.
     *
     * @param bytes the cap.
     * @return this.
     */
    public TcpConnection receiveBufferLimit(final int bytes)
    {
        engine.receiveBufferLimit(this, bytes);
        return this;
    }

    /**
     * Called from {@link TcpHandler#onData}: the last {@code bytes} of what was just delivered were not
     * consumed. The stack keeps them, pauses reading (the window shrinks as more arrives) and delivers them
     * again first after {@link #resumeReading()} — backpressure without losing a byte. Not while the connection
     * ends normally ({@link #canKeepUnread()} false): then every byte must be taken.
     *
     * @param bytes how many trailing bytes to keep, at most the length delivered.
     */
    public void keepUnread(final int bytes)
    {
        if (bytes < 0)
        {
            throw new IllegalArgumentException("bytes must not be negative: " + bytes);
        }
        keepUnread = bytes;
    }

    /**
     * @return false while the connection's last unread bytes are being handed over before a normal close: the
     *     application must take (copy) what it is given, {@link #keepUnread} is ignored.
     */
    public boolean canKeepUnread()
    {
        return !finalDelivery;
    }

    /** Stops delivering data: it accumulates in the receive buffer and the advertised window shrinks. */
    public void pauseReading()
    {
        readingPaused = true;
    }

    /** Delivers what accumulated while paused and reopens the window (a window update is sent). */
    public void resumeReading()
    {
        engine.resumeReading(this);
    }

    @Override
    public String toString()
    {
        return "TcpConnection[" + slot + "/" + generation + " " + state + " :" + localPort + " <-> "
            + dev.synack.ip.Ipv4Address.toString(remoteIp) + ":" + remotePort + "]";
    }
}
