package dev.synack.tcp;

import dev.synack.api.CloseReason;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.timer.TimerHandler;
import dev.synack.timer.TimerWheel;

/**
 * What each deadline does when it passes: the retransmission timeout (RFC 6298 §5; SYN and data retries), the
 * persist timer and zero-window probes (RFC 9293 §3.8.6.1) with the SWS override (§3.8.6.2.1), the delayed ACK
 * (§3.8.6.3), keep-alive (RFC 1122 §4.2.3.6, RFC 9293 §3.8.4), the FIN-WAIT-2 timeout, and TIME-WAIT's 2MSL
 * (§3.6.1, §3.10.8): entered, when the connection leaves its slot for a {@link TimeWaitTable} record, and expired
 * from that table's ring.
 * <p>
 * Stack thread only; never allocates.
 */
final class TcpTimers
{
    /** TIME-WAITs one poll may end: a burst closed together is spread over duty cycles, not one long stall. */
    static final int TIME_WAIT_EXPIRIES_PER_POLL = 1024;
    /**
     * Connection timers (retransmission, SYN-ACK, persist, delayed ACK, keep-alive, FIN-WAIT-2) one poll may run.
     * Each may send a segment: 100k keep-alives set up together come due together, and run at once they would hold
     * the stack thread from its rx ring and flood its tx ring. The rest stay due on the wheel for the next polls.
     */
    static final int CONNECTION_EXPIRIES_PER_POLL = 1024;

    private static final long NO_DEADLINE = TcpConnection.NO_DEADLINE;
    /** Probes a FIN-WAIT-2 that heard nothing for finWait2Timeout sends, one RTO apart, before it gives up. */
    private static final int FIN_WAIT_2_PROBES = 3;

    private final StackCounters counters;
    private final TcpTime time;
    private final ConnectionTable table;
    private final TimerWheel wheel;
    private final TimeWaitTable timeWait;
    private final ConnectionBuffers buffers;
    private final ConnectionTimer timer;
    private final RttEstimator rtt;
    private final SegmentOutput out;
    private final LossRecovery loss;
    private final ConnectionLifecycle lifecycle;
    private final long twoMslNs;
    private final int dataRetries;
    private final int synRetries;
    private final long finWait2TimeoutNs;

    TcpTimers(
        final StackConfig config, final StackCounters counters, final TcpTime time, final ConnectionTable table,
        final TimerWheel wheel, final TimeWaitTable timeWait, final ConnectionBuffers buffers,
        final ConnectionTimer timer, final RttEstimator rtt, final SegmentOutput out, final LossRecovery loss,
        final ConnectionLifecycle lifecycle)
    {
        this.counters = counters;
        this.time = time;
        this.table = table;
        this.wheel = wheel;
        this.timeWait = timeWait;
        this.buffers = buffers;
        this.timer = timer;
        this.rtt = rtt;
        this.out = out;
        this.loss = loss;
        this.lifecycle = lifecycle;
        this.twoMslNs = 2 * config.mslNs();
        this.dataRetries = config.dataRetries();
        this.synRetries = config.synRetries();
        this.finWait2TimeoutNs = config.finWait2TimeoutNs();
    }

    /**
     * Runs expired timers.
     *
     * @param now the time.
     * @param engine the wheel's handler (the engine, which hands each expiry back to {@link #onExpiry}).
     * @return work done.
     */
    int poll(final long now, final TimerHandler engine)
    {
        int work = 0;
        while (work < TIME_WAIT_EXPIRIES_PER_POLL && timeWait.headDue(now))
        {
            final int r = timeWait.headRecord();
            if (!timeWait.isLive(r))
            {
                timeWait.popHead(); // ended early
            }
            else if (timeWait.deadline(r) - now <= 0)
            {
                // RFC 9293 §3.10.8: the 2MSL timeout deletes the TCB.
                lifecycle.endTimeWait(r, "2MSL timeout");
                timeWait.popHead();
            }
            else
            {
                // 2MSL was restarted by a retransmitted FIN (§3.6.1): round again, until the new deadline.
                timeWait.requeueHead();
            }
            work++;
        }
        // Costs O(1) when nothing is due: polled on every duty cycle, so a timer fires at its deadline.
        work += wheel.poll(now, engine, CONNECTION_EXPIRIES_PER_POLL);
        return work;
    }

    /**
     * A connection's timer is due: run whichever of its deadlines passed, then output (which re-arms it).
     *
     * @param slot the connection's slot (its timer id).
     * @param now the time.
     */
    void onExpiry(final int slot, final long now)
    {
        final TcpConnection c = table.slot(slot);
        c.timerDeadline = NO_DEADLINE;
        time.now = now;
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
            out.output(c);
        }
    }

    private void retransmitTimeout(final TcpConnection c)
    {
        switch (c.state)
        {
            case SYN_SENT:
            case SYN_RECEIVED:
                if (c.listener != null)
                {
                    // As Linux's reqsk_timer_handler: the limit follows the backlog's pressure now, not at the SYN.
                    c.handshakeRetries = c.listener.synAckRetries(synRetries);
                }
                if (c.retries >= c.handshakeRetries)
                {
                    timeout(c);
                    return;
                }
                c.retries++;
                c.handshakeTimedOut = true;
                rtt.backoff(c);
                counters.increment(StackCounter.TCP_RETRANSMITS);
                c.retransmits++;
                out.sendSyn(c, c.state == TcpState.SYN_SENT ? TcpHeader.SYN : TcpHeader.SYN | TcpHeader.ACK);
                timer.armRetransmit(c);
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
            out.sendData(c, c.sndNxt, length, TcpHeader.ACK | (length == unsent ? TcpHeader.PSH : 0));
            timer.rearm(c);
            return;
        }
        if (c.persist)
        {
            // RFC 9293 §3.8.6.1: probe the zero window with one byte. A peer that answers may keep its window shut
            // for ever (MUST-35); one that stays silent for dataRetries probes is gone (Linux: tcp_retries2).
            if (c.probesOut >= dataRetries)
            {
                counters.increment(StackCounter.TCP_ZERO_WINDOW_TIMEOUTS);
                out.sendRst(c.remoteIp, c.remotePort, c.localPort, c.sndNxt, 0, TcpHeader.RST);
                lifecycle.finish(c, CloseReason.TIMEOUT, "zero-window probes unanswered");
                return;
            }
            c.probesOut++;
            rtt.backoff(c);
            if (c.sndUna != c.sndMax)
            {
                // Sent before: resend its first byte (or the FIN alone, when only the FIN is unacknowledged).
                if (c.sndBufEnd != c.sndUna)
                {
                    out.writeSegment(c, c.sndUna, TcpHeader.ACK, 1);
                }
                else
                {
                    loss.retransmitFirst(c);
                }
            }
            else if (c.sndBufEnd != c.sndNxt)
            {
                // A byte of new data, but SND.NXT stays: a receiver with a zero window drops it (Linux does), and
                // advancing past it would leave a hole that only an RTO fills once the window opens. If the peer
                // keeps it, its ACK of SND.NXT + 1 is taken as sending it (processAck).
                out.writeSegment(c, c.sndNxt, TcpHeader.ACK, 1);
            }
            c.rtxDeadline = time.now + c.rtoNs;
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
        // RFC 6298 §5.5-5.6: the congestion response, back off, resend from SND.UNA.
        loss.retransmitTimeout(c);
        rtt.backoff(c);
        c.sndNxt = c.sndUna;
        c.rtxDeadline = time.now + c.rtoNs;
    }

    private void timeout(final TcpConnection c)
    {
        counters.increment(StackCounter.TCP_TIMEOUTS);
        if (c.state == TcpState.SYN_RECEIVED && c.passive)
        {
            lifecycle.release(c);
            return;
        }
        if (c.state != TcpState.SYN_SENT)
        {
            out.sendRst(c.remoteIp, c.remotePort, c.localPort, c.sndNxt, 0, TcpHeader.RST);
        }
        lifecycle.finish(c, CloseReason.TIMEOUT, "retransmission limit reached");
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
            timer.keepAliveRestart(c);
        }
        timer.rearm(c);
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
        if (c.keepAliveSent == 0 && time.now - c.lastHeardNs < c.keepAliveIdleNs)
        {
            c.keepAliveDeadline = c.lastHeardNs + c.keepAliveIdleNs; // heard from the peer since: not idle yet
            return;
        }
        if (c.sndUna != c.sndMax || c.sndBufEnd != c.sndNxt)
        {
            // Data in flight or waiting: the retransmission timer already watches the peer (RFC 1122: probes
            // only on an idle connection).
            c.keepAliveDeadline = time.now + c.keepAliveIdleNs;
            return;
        }
        if (c.keepAliveSent >= c.keepAliveProbes)
        {
            counters.increment(StackCounter.TCP_KEEPALIVE_TIMEOUTS);
            out.sendRst(c.remoteIp, c.remotePort, c.localPort, c.sndNxt, 0, TcpHeader.RST);
            lifecycle.finish(c, CloseReason.TIMEOUT, "keep-alive: no answer to the probes");
            return;
        }
        // RFC 9293 §3.8.4: <SEQ=SND.UNA-1><ACK=RCV.NXT><CTL=ACK>, outside the peer's window, so it must answer.
        c.keepAliveSent++;
        counters.increment(StackCounter.TCP_KEEPALIVE_PROBES);
        out.writeSegment(c, c.sndUna - 1, TcpHeader.ACK, 0);
        c.keepAliveDeadline = time.now + c.keepAliveIntervalNs;
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
        if (time.now - c.lastHeardNs < finWait2TimeoutNs)
        {
            c.keepAliveSent = 0;
            c.keepAliveDeadline = c.lastHeardNs + finWait2TimeoutNs; // heard from the peer since: wait on
            return;
        }
        if (c.readingPaused || buffers.receiveWindow(c) == 0)
        {
            // The silence is ours: the application is not reading and the peer only probes our shut window, its
            // probes backing off past the timeout. Not a silent peer: wait on.
            c.keepAliveDeadline = time.now + finWait2TimeoutNs;
            return;
        }
        if (c.keepAliveSent < FIN_WAIT_2_PROBES)
        {
            // Silent for the whole timeout, yet a live peer may only be waiting out its backed-off persist timer on a
            // window it believes shut (our update lost; seen under loss). Probe as keep-alive does (RFC 9293
            // §3.8.4: <SEQ=SND.UNA-1><ACK=RCV.NXT>, carrying our window) before giving up: a live peer answers.
            c.keepAliveSent++;
            out.writeSegment(c, c.sndUna - 1, TcpHeader.ACK, 0);
            c.keepAliveDeadline = time.now + c.rtoNs;
            return;
        }
        counters.increment(StackCounter.TCP_FIN_WAIT_2_TIMEOUTS);
        out.sendRst(c.remoteIp, c.remotePort, c.localPort, c.sndNxt, 0, TcpHeader.RST);
        lifecycle.finish(c, CloseReason.TIMEOUT, "FIN-WAIT-2 timeout: the peer's FIN never came");
    }

    /**
     * RFC 9293 §3.10.7.4: TIME-WAIT. The application hears of the normal end (after any bytes it has not read), an
     * ACK still owed (of the peer's FIN) goes out now, and the connection leaves its slot for a TIME-WAIT record
     * that lasts 2MSL.
     */
    void enterTimeWait(final TcpConnection c, final String reason)
    {
        lifecycle.state(c, TcpState.TIME_WAIT, reason);
        final int generation = c.generation;
        if (!lifecycle.handOverUnread(c))
        {
            return; // a callback ended it meanwhile
        }
        lifecycle.notifyClosed(c, CloseReason.NORMAL);
        if (c.generation != generation || c.state != TcpState.TIME_WAIT)
        {
            return; // the application aborted it from onClosed
        }
        if (c.ackNow)
        {
            out.sendAck(c);
        }
        // The window our last ACK offered is the one the record judges segments by and offers again.
        final int window = Math.max(0, SeqNum.max(c.rcvAdv, c.rcvNxt + buffers.receiveWindow(c)) - c.rcvNxt);
        lifecycle.handOffToTimeWait(c, window, Math.min(window >>> c.rcvShift, 0xFFFF), time.now + twoMslNs);
    }
}
