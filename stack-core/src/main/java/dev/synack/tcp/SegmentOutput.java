package dev.synack.tcp;

import org.agrona.MutableDirectBuffer;

import dev.synack.ip.IpOutput;
import dev.synack.ip.Ipv4Header;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;

/**
 * Output (RFC 9293 §3.10.2 SEND, §3.8.6 windows and segmentation): which segments a connection sends now, and
 * building each in place in the tx ring — the header, the options each state carries (MSS and window scale in a SYN,
 * RFC 7323 timestamps, RFC 2018 SACK-permitted and blocks), the advertised window, the payload from the send ring —
 * and the RSTs that answer segments for no connection. Nagle, sender SWS avoidance, the persist timer's start and
 * autocorking decide when; what the congestion and peer windows allow decides how much.
 * <p>
 * Stack thread only; never allocates.
 */
final class SegmentOutput
{
    private static final long NO_DEADLINE = TcpConnection.NO_DEADLINE;
    /** Our TSval clock ticks every 2^20 ns (see {@link #tsVal}). */
    static final int TS_TICK_SHIFT = 20;

    private final IpOutput ip;
    private final StackCounters counters;
    private final TcpTime time;
    private final ConnectionTable table;
    private final ConnectionBuffers buffers;
    private final OutOfOrderRanges outOfOrder;
    private final SackScoreboard scoreboard;
    private final ConnectionTimer timer;
    private final int localIp;
    private final int ourMss;
    private final int ourWindowShift;
    private final boolean timestampsEnabled;
    private final boolean sackEnabled;

    // Autocorking, as Linux's tcp_autocorking: while the stack drains a batch of received frames, output is only
    // noted per connection; flushCorked() then sends each connection's data as full segments (and one ACK for
    // the whole batch) once the batch is done. Sends made outside a duty cycle leave at once, so a lone
    // request waits for nothing.
    private boolean corking;
    private final int[] corked;
    private int corkedCount;

    SegmentOutput(
        final StackConfig config, final IpOutput ip, final StackCounters counters, final TcpTime time,
        final ConnectionTable table, final ConnectionBuffers buffers, final OutOfOrderRanges outOfOrder,
        final SackScoreboard scoreboard, final ConnectionTimer timer, final int ourMss, final int ourWindowShift)
    {
        this.ip = ip;
        this.counters = counters;
        this.time = time;
        this.table = table;
        this.buffers = buffers;
        this.outOfOrder = outOfOrder;
        this.scoreboard = scoreboard;
        this.timer = timer;
        this.localIp = config.ip();
        this.ourMss = ourMss;
        this.ourWindowShift = ourWindowShift;
        this.timestampsEnabled = config.timestamps();
        this.sackEnabled = config.sack();
        corked = new int[2 * config.maxConnections()]; // a slot freed and reused within one batch may be listed twice
    }

    /**
     * Starts a duty cycle's batch: from now until {@link #flushCorked()}, segments a connection would send (data
     * the application sends from its callbacks, ACKs owed, window updates) wait so that they leave together.
     * Called by the stack agent before it drains the rx ring.
     */
    void cork()
    {
        corking = true;
    }

    /**
     * Ends the batch begun by {@link #cork()}: sends what every connection touched in it has to send.
     *
     * @return connections flushed.
     */
    int flushCorked()
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
    void output(final TcpConnection c)
    {
        if (c.delivering)
        {
            return; // the caller of onData outputs once the callback has returned and READ.SEQ is settled
        }
        if (!c.ackNow && c.sndBufEnd - c.sndNxt <= 0 && !(c.finQueued && c.sndNxt == c.sndBufEnd))
        {
            // Nothing to send and no ACK owed (most ACKs that arrive): only the timers may have moved. Whatever
            // later in the batch gives this connection something to send (the application's send, an ACK owed)
            // calls output again and corks it then.
            timer.rearm(c);
            return;
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
        if (c.ackNow && outOfOrder.count(c.slot) > 0)
        {
            // While a hole is open, the owed ACK goes out bare, with its SACK blocks, ahead of any data: an ACK
            // riding on data carries no SACK blocks, and a sender counts no data segment as a duplicate ACK
            // (RFC 5681 §2), so it would learn of the hole only from its retransmission timer.
            sendAck(c);
        }
        final TcpState s = c.state;
        final boolean canSendData = s == TcpState.ESTABLISHED || s == TcpState.CLOSE_WAIT
            || s == TcpState.FIN_WAIT_1 || s == TcpState.CLOSING || s == TcpState.LAST_ACK;
        while (canSendData)
        {
            final int unsent = c.sndBufEnd - c.sndNxt;
            if (unsent > 0)
            {
                final long outstanding = (c.sndNxt - c.sndUna) & 0xFFFF_FFFFL;
                // Only data never sent before (RFC 3042 §2): not the go-back-N resends after a timeout.
                final boolean limitedTransmit = !c.inRecovery && c.dupAcks > 0 && c.sndNxt == c.sndMax;
                // RFC 6675 §5 (C): in SACK recovery cwnd bounds pipe, the bytes still in the network, not all those
                // outstanding (what the peer SACKed, or what is lost, left). Limited Transmit before recovery: with
                // SACK, §5 step (3), new data while cwnd - pipe allows; without, RFC 3042 §2, one new segment per
                // duplicate ACK, at most two beyond cwnd. Either way cwnd itself does not change.
                final long inFlight = c.sackPermitted && (c.inRecovery || limitedTransmit)
                    ? scoreboard.pipe(c) : outstanding;
                final long cwnd = limitedTransmit && !c.sackPermitted
                    ? c.cwnd + (long)Math.min(c.dupAcks, 2) * c.sndMss : c.cwnd;
                final long usable = Math.min(c.sndWnd - outstanding, cwnd - inFlight);
                int length = (int)Math.min(Math.min(unsent, c.sndMss), Math.max(0, usable));
                if (length <= 0)
                {
                    if (c.sndWnd == 0 && c.sndUna == c.sndMax && !c.persist)
                    {
                        // RFC 9293 §3.8.6.1: zero window and nothing in flight — probe on the persist timer.
                        c.persist = true;
                        c.rtxDeadline = time.now + c.rtoNs;
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
                        c.rtxDeadline = time.now + c.rtoNs;
                    }
                    break;
                }
                if (c.dsackPending)
                {
                    // RFC 2883 §4: the next ACK reports the duplicate. One riding on data carries no SACK blocks
                    // and would swallow it, leaving the sender to count its needless retransmission as a loss
                    // repaired: the D-SACK goes out bare, ahead of the data.
                    sendAck(c);
                }
                if (limitedTransmit && outstanding + length > c.cwnd)
                {
                    c.limitedTransmitted += Math.min(length, outstanding + length - c.cwnd);
                    counters.increment(StackCounter.TCP_LIMITED_TRANSMITS);
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
        timer.rearm(c);
    }

    void sendData(final TcpConnection c, final int seq, final int length, final int flags)
    {
        if (SeqNum.lt(seq, c.sndMax))
        {
            counters.increment(StackCounter.TCP_RETRANSMITS);
            c.retransmits++;
        }
        if (!writeSegment(c, seq, flags, length))
        {
            // No room in the tx ring: treat as lost; the retransmission timer recovers.
            if (c.rtxDeadline == NO_DEADLINE)
            {
                c.rtxDeadline = time.now + c.rtoNs;
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
            c.rttStartNs = time.now;
        }
        c.sndNxt = end;
        if (SeqNum.gt(end, c.sndMax))
        {
            c.sndMax = end;
        }
        if (c.rtxDeadline == NO_DEADLINE)
        {
            c.rtxDeadline = time.now + c.rtoNs;
        }
    }

    void sendSyn(final TcpConnection c, final int flags)
    {
        // Karn: time the first SYN only; a retransmitted one gives no sample.
        c.rttTiming = c.retries == 0;
        c.rttSeq = c.iss + 1;
        c.rttStartNs = time.now;
        writeSegment(c, c.iss, flags, 0);
    }

    void sendAck(final TcpConnection c)
    {
        // A sequence number the peer must find acceptable: SND.MAX (after a go-back-N rewind SND.NXT may lie
        // below what the peer already has), but never past the right edge of its window (with a zero
        // window only RCV.NXT = SND.UNA is acceptable). Linux's tcp_acceptable_seq() makes the same choice.
        final int edge = c.sndUna + (int)Math.min(c.sndWnd, Integer.MAX_VALUE);
        writeSegment(c, SeqNum.gt(c.sndMax, edge) ? edge : c.sndMax, TcpHeader.ACK, 0);
    }

    /** Builds one segment in place in the tx ring; payload from the send ring. */
    boolean writeSegment(final TcpConnection c, final int seq, final int flags, final int length)
    {
        final boolean syn = (flags & TcpHeader.SYN) != 0;
        final boolean useScale = syn && (!c.passive || c.windowScaling);
        // Our first SYN offers timestamps; a SYN-ACK (simultaneous open too) and everything after carry them only
        // once the peer's SYN did (RFC 7323 §3.2). SACK-permitted likewise (RFC 2018 §2).
        final boolean firstSyn = syn && c.state == TcpState.SYN_SENT;
        final boolean useTs = firstSyn ? timestampsEnabled : c.timestamps;
        final boolean offerSack = syn && (firstSyn ? sackEnabled : c.sackPermitted);
        // RFC 2018 §4: a pure ACK names the blocks held beyond a hole (3 fit next to timestamps, else 4), after a
        // duplicate's D-SACK block (RFC 2883 §4) when one is owed.
        final boolean sackAck = !syn && length == 0 && (flags & TcpHeader.ACK) != 0 && c.sackPermitted;
        final boolean dsack = sackAck && c.dsackPending;
        final int sackBlocks = sackAck
            ? Math.min((dsack ? 1 : 0) + outOfOrder.count(c.slot), useTs ? 3 : TcpOptions.MAX_SACK_BLOCKS) : 0;
        final int optionsLength = (syn ? TcpOptions.synOptionsLength(useScale, offerSack) : 0)
            + (useTs ? TcpOptions.TIMESTAMPS_LENGTH : 0) + (sackBlocks > 0 ? 4 + 8 * sackBlocks : 0);
        final int segmentLength = TcpHeader.MIN_HEADER_LENGTH + optionsLength + length;
        final int at = ip.begin(c.remoteIp, Ipv4Header.PROTOCOL_TCP, segmentLength, time.now);
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
            o += TcpOptions.writeSynOptions(out, o, ourMss, useScale, ourWindowShift, offerSack);
        }
        if (useTs)
        {
            // RFC 7323 §4.3: TSecr echoes TS.Recent (0 in an active SYN, where nothing is known yet).
            o += TcpOptions.writeTimestamps(out, o, tsVal(c), c.tsRecent);
        }
        if (sackBlocks > 0)
        {
            writeSackBlocks(c, out, o, sackBlocks, dsack);
        }
        if (length > 0)
        {
            buffers.copySent(c, seq, length, out, at + TcpHeader.MIN_HEADER_LENGTH + optionsLength);
        }
        TcpHeader.writeChecksum(out, at, segmentLength, localIp, c.remoteIp);
        ip.commit();
        counters.increment(StackCounter.TCP_SEGMENTS_OUT);
        if ((flags & TcpHeader.ACK) != 0)
        {
            c.lastAckSent = c.rcvNxt;
            c.dsackPending = false; // RFC 2883 §4: a duplicate is reported in one ACK at most
            if (sackBlocks > 0 || outOfOrder.count(c.slot) == 0)
            {
                c.dupAckCompressed = false; // what a merged duplicate ACK owed is said, or no block is left to say
            }
            // Every ACK we send acknowledges everything: nothing is owed any more.
            c.ackNow = false;
            c.unackedSegments = 0;
            c.ackDeadline = NO_DEADLINE;
        }
        return true;
    }

    /**
     * RFC 2018 §4: the first block holds the segment that arrived last (so the sender hears of it even when older
     * blocks no longer fit), then the others in sequence order. RFC 2883 §4: a D-SACK comes before them all; when
     * it duplicates held text, the block that arrived last is the one containing it, as §4 (3) asks.
     */
    private void writeSackBlocks(
        final TcpConnection c, final MutableDirectBuffer out, final int at, final int blocks, final boolean dsack)
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
        int written = 0;
        if (dsack)
        {
            o += TcpOptions.writeSackBlock(out, o, c.dsackStart, c.dsackEnd);
            written++;
            counters.increment(StackCounter.TCP_DSACKS_SENT);
        }
        if (held > 0 && written < blocks)
        {
            o += TcpOptions.writeSackBlock(out, o, outOfOrder.start(slot, first), outOfOrder.end(slot, first));
            written++;
        }
        for (int i = 0; i < held && written < blocks; i++)
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
        return tsClock(time.now, c.tsOffset);
    }

    /** @return the TSval clock at {@code now} for a connection with this offset. */
    static int tsClock(final long now, final int tsOffset)
    {
        return (int)(now >>> TS_TICK_SHIFT) + tsOffset;
    }

    /**
     * Receiver-side SWS avoidance (RFC 9293 §3.8.6.2.2, MUST-39): the least the right edge may move on by, min(half
     * the buffer, a full segment).
     */
    int windowOpeningWorthAdvertising(final TcpConnection c)
    {
        return Math.min(c.rcvLimit / 2, ourMss);
    }

    /** The window field: free receive space, scaled, never moving the right edge left (RFC 9293 §3.8.6.2.2). */
    private int advertiseWindow(final TcpConnection c, final boolean syn)
    {
        final int free = buffers.reserveReceiveWindow(c);
        if (syn)
        {
            // RFC 7323 §2.2: the window in a SYN is never scaled.
            return Math.min(free, 0xFFFF);
        }
        int field = Math.min(free >>> c.rcvShift, 0xFFFF);
        final int edge = c.rcvNxt + (field << c.rcvShift);
        // Receiver-side SWS avoidance (RFC 9293 §3.8.6.2.2, MUST-39): the right edge moves on only by at least
        // min(half the buffer, a full segment); a smaller opening is kept back, so the peer never sees a window
        // worth only a silly segment.
        final boolean silly = SeqNum.gt(edge, c.rcvAdv) && edge - c.rcvAdv < windowOpeningWorthAdvertising(c);
        if (SeqNum.lt(edge, c.rcvAdv) || silly)
        {
            // Keep the edge already offered; the scaled field rounds up, so the peer may now see an edge up to
            // 2^shift - 1 bytes further: that is the edge we accept from now on (what we offer, we take).
            field = Math.min((c.rcvAdv - c.rcvNxt + (1 << c.rcvShift) - 1) >>> c.rcvShift, 0xFFFF);
            final int offered = c.rcvNxt + (field << c.rcvShift);
            if (SeqNum.gt(offered, c.rcvAdv))
            {
                buffers.reserveReceiveEdge(c, offered);
                c.rcvAdv = offered;
            }
        }
        else
        {
            c.rcvAdv = edge;
        }
        return field;
    }

    /**
     * The ACK a TIME-WAIT record answers with (§3.6.1, §3.10.7.4): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, the window
     * last offered, and timestamps (TSval from our clock and the connection's offset, TSecr = TS.Recent) when the
     * connection had them.
     */
    void sendTimeWaitAck(final int remoteIp, final int remotePort, final int localPort, final int seq, final int ack,
        final int windowField, final boolean timestamps, final int tsOffset, final int tsRecent)
    {
        sendBare(remoteIp, remotePort, localPort, seq, ack, TcpHeader.ACK, windowField, timestamps,
            tsClock(time.now, tsOffset), tsRecent);
    }

    void sendRst(
        final int remoteIp, final int remotePort, final int localPort, final int seq, final int ack, final int flags)
    {
        if (sendBare(remoteIp, remotePort, localPort, seq, ack, flags, 0, false, 0, 0))
        {
            counters.increment(StackCounter.TCP_RESETS_SENT);
        }
    }

    /** A segment of no text for a 4-tuple without a connection: a RST, or a TIME-WAIT record's ACK. */
    private boolean sendBare(final int remoteIp, final int remotePort, final int localPort, final int seq,
        final int ack, final int flags, final int windowField, final boolean timestamps, final int tsVal,
        final int tsEcr)
    {
        final int length = TcpHeader.MIN_HEADER_LENGTH + (timestamps ? TcpOptions.TIMESTAMPS_LENGTH : 0);
        final int at = ip.begin(remoteIp, Ipv4Header.PROTOCOL_TCP, length, time.now);
        if (at < 0)
        {
            return false;
        }
        final MutableDirectBuffer out = ip.buffer();
        TcpHeader.writeHeader(out, at, localPort, remotePort, seq, ack, length, flags, windowField);
        if (timestamps)
        {
            TcpOptions.writeTimestamps(out, at + TcpHeader.MIN_HEADER_LENGTH, tsVal, tsEcr);
        }
        TcpHeader.writeChecksum(out, at, length, localIp, remoteIp);
        ip.commit();
        counters.increment(StackCounter.TCP_SEGMENTS_OUT);
        return true;
    }
}
