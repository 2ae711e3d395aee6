package dev.synack.tcp;

import org.agrona.MutableDirectBuffer;

import dev.synack.ip.IpOutput;
import dev.synack.ip.Ipv4Header;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;

/**
 * The stateless handshake a listener falls back on when it has no room for another SYN-RECEIVED entry (RFC 4987
 * §3.6): the SYN is answered with a SYN-ACK whose ISS is a {@link SynCookies} cookie and nothing is kept; the ACK
 * that completes the handshake is checked as one, and when valid the TCB is rebuilt from it.
 * <p>
 * Called by {@link TcpEngine} on the stack thread; never allocates.
 */
final class CookieHandshake
{
    /** How long after its last cookie a listener checks ACKs as cookies (Linux: TCP_SYNCOOKIE_VALID). */
    private static final long CHECK_WINDOW_NS = 2 * SynCookies.PERIOD_NS;
    /** RFC 9293 §3.7.1: the MSS of a SYN without the option. */
    private static final int DEFAULT_PEER_MSS = 536;

    private final IpOutput ip;
    private final StackCounters counters;
    private final SynCookies cookies;
    private final IsnGenerator isn;
    private final int localIp;
    private final int ourMss;
    private final int ourWindowShift;
    private final int synWindow;
    private final boolean timestampsEnabled;
    private final boolean sackEnabled;

    // What accept() took from the ACK, for restore().
    private int irs;
    private int mss;
    private int windowScale;
    private boolean sackPermitted;
    private boolean timestamps;
    private int tsRecent;

    CookieHandshake(
        final IpOutput ip, final StackCounters counters, final IsnGenerator isn, final int ourMss,
        final int ourWindowShift, final int initialWindow, final boolean timestampsEnabled, final boolean sackEnabled)
    {
        this.ip = ip;
        this.counters = counters;
        this.cookies = new SynCookies(isn);
        this.isn = isn;
        this.localIp = ip.localIp();
        this.ourMss = ourMss;
        this.ourWindowShift = ourWindowShift;
        this.synWindow = Math.min(initialWindow, 0xFFFF); // RFC 7323 §2.2: the window in a SYN is never scaled
        this.timestampsEnabled = timestampsEnabled;
        this.sackEnabled = sackEnabled;
    }

    /**
     * Linux's tcp_synq_no_recent_overflow: a listener that sent no cookie lately answers an ACK with RST unchecked,
     * so outside a flood nobody gets to try forged cookies.
     *
     * @return whether an ACK arriving at this listener is checked as a cookie.
     */
    boolean expected(final Listener listener, final long now)
    {
        return listener.cookieSent && now - listener.lastCookieNs < CHECK_WINDOW_NS;
    }

    /**
     * Answers the SYN with <SEQ=cookie><ACK=SEG.SEQ+1><CTL=SYN,ACK>, keeping no state. Without timestamps in the
     * SYN the SYN-ACK offers neither window scale nor SACK-permitted: nothing could carry them back.
     *
     * @param listener the full listener.
     * @param remoteIp the SYN's source.
     * @param syn the SYN.
     * @param now the time.
     */
    void synAck(final Listener listener, final int remoteIp, final TcpHeader syn, final long now)
    {
        listener.cookieSent = true;
        listener.lastCookieNs = now;
        final TcpOptions options = syn.options();
        final int remotePort = syn.sourcePort();
        final int peerMss = options.mss() == TcpOptions.ABSENT ? DEFAULT_PEER_MSS : options.mss();
        final int iss = cookies.cookie(localIp, listener.port, remoteIp, remotePort, syn.seq(), peerMss, now);
        final boolean useTs = timestampsEnabled && options.hasTimestamps();
        final boolean useScale = useTs && options.windowScale() != TcpOptions.ABSENT;
        final boolean offerSack = useTs && sackEnabled && options.sackPermitted();
        final int optionsLength = TcpOptions.synOptionsLength(useScale, offerSack)
            + (useTs ? TcpOptions.TIMESTAMPS_LENGTH : 0);
        final int segmentLength = TcpHeader.MIN_HEADER_LENGTH + optionsLength;
        final int at = ip.begin(remoteIp, Ipv4Header.PROTOCOL_TCP, segmentLength, now);
        if (at < 0)
        {
            return;
        }
        final MutableDirectBuffer out = ip.buffer();
        TcpHeader.writeHeader(out, at, listener.port, remotePort, iss, syn.seq() + 1, segmentLength,
            TcpHeader.SYN | TcpHeader.ACK, synWindow);
        final int o = at + TcpHeader.MIN_HEADER_LENGTH
            + TcpOptions.writeSynOptions(out, at + TcpHeader.MIN_HEADER_LENGTH, ourMss, useScale, ourWindowShift,
                offerSack);
        if (useTs)
        {
            // The TSval a connection would send now (RFC 7323 §5.4: the host pair's offset), options in its low bits.
            final int tsNow = (int)(now >>> 20) + isn.tsOffset(localIp, remoteIp);
            TcpOptions.writeTimestamps(out, o, SynCookies.tsVal(tsNow, options.windowScale(), offerSack),
                options.tsVal());
        }
        TcpHeader.writeChecksum(out, at, segmentLength, localIp, remoteIp);
        ip.commit();
        counters.increment(StackCounter.TCP_SEGMENTS_OUT);
        counters.increment(StackCounter.TCP_SYN_COOKIES_SENT);
    }

    /**
     * Checks an ACK to a listener as the third step of a cookie handshake: SEG.ACK - 1 must be a cookie for this
     * 4-tuple and SEG.SEQ - 1; its TSecr, when it has timestamps, our cookie SYN-ACK's TSval. Counted either way.
     *
     * @return whether the TCB may be rebuilt ({@link #restore}).
     */
    boolean accept(final int remoteIp, final int localPort, final TcpHeader ack, final long now)
    {
        final TcpOptions options = ack.options();
        irs = ack.seq() - 1;
        final boolean valid = cookies.check(ack.ack() - 1, localIp, localPort, remoteIp, ack.sourcePort(),
            irs, now) && takeTimestamps(options);
        counters.increment(valid ? StackCounter.TCP_SYN_COOKIES_ACCEPTED : StackCounter.TCP_SYN_COOKIES_REJECTED);
        return valid;
    }

    /** Linux's cookie_timestamp_decode: the options our SYN-ACK's TSval carried, back in TSecr. */
    private boolean takeTimestamps(final TcpOptions options)
    {
        mss = cookies.mss;
        timestamps = options.hasTimestamps();
        if (!timestamps)
        {
            windowScale = TcpOptions.ABSENT;
            sackPermitted = false;
            return true;
        }
        tsRecent = options.tsVal();
        windowScale = SynCookies.windowScale(options.tsEcr());
        sackPermitted = SynCookies.sackPermitted(options.tsEcr());
        // We never sent timestamps (or SACK-permitted) with this configuration: not our cookie's echo.
        return timestampsEnabled && (sackEnabled || !sackPermitted);
    }

    /**
     * What a SYN in LISTEN sets in a new TCB (RFC 9293 §3.10.7.2), set from the cookie the last {@link #accept} took.
     *
     * @param c the connection just opened with the cookie as its ISS.
     */
    void restore(final TcpConnection c)
    {
        c.passive = true;
        c.irs = irs;
        c.rcvNxt = irs + 1;
        c.readSeq = c.rcvNxt;
        c.rcvAdv = c.rcvNxt;
        c.sndWl1 = irs;
        c.sndWl2 = c.iss;
        c.sndMss = Math.min(mss, ourMss);
        c.windowScaling = windowScale != TcpOptions.ABSENT;
        if (c.windowScaling)
        {
            c.sndShift = windowScale;
            c.rcvShift = ourWindowShift;
        }
        c.sackPermitted = sackPermitted;
        if (timestamps)
        {
            // The ACK's TSecr echoes our cookie SYN-ACK's TSval: processing it (processAck) takes the first RTT
            // sample (RFC 7323 §4, RTTM). That TSval was rounded down from the clock to free its low 6 bits for the
            // options, so the sample errs long, by up to 63 ticks: the safe side for the RTO. Without timestamps
            // there is none (the cookie holds no send time) and the initial RTO stands (RFC 6298 §2.1).
            c.timestamps = true;
            c.tsRecent = tsRecent;
            // RFC 7323 §4.3: our cookie SYN-ACK acknowledged IRS + 1; later segments from there update TS.Recent.
            c.lastAckSent = c.rcvNxt;
            c.sndMss -= TcpOptions.TIMESTAMPS_LENGTH;
        }
    }
}
