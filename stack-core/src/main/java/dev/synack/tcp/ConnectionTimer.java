package dev.synack.tcp;

import dev.synack.timer.TimerWheel;

/**
 * Each connection's single wheel timer, kept at the earliest of its deadlines (retransmission or persist, delayed
 * ACK, keep-alive or FIN-WAIT-2, a restarted 2MSL); the slot is the timer id. What a deadline does when it passes
 * is {@link TcpTimers}'s. Stack thread only; never allocates.
 */
final class ConnectionTimer
{
    private static final long NO_DEADLINE = TcpConnection.NO_DEADLINE;

    private final TimerWheel wheel;
    private final TcpTime time;

    ConnectionTimer(final TimerWheel wheel, final TcpTime time)
    {
        this.wheel = wheel;
        this.time = time;
    }

    /** Keeps the connection's single wheel timer at the earliest of its deadlines. */
    void rearm(final TcpConnection c)
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
            wheel.cancel(c.slot);
        }
        else
        {
            wheel.schedule(c.slot, deadline);
        }
    }

    void armRetransmit(final TcpConnection c)
    {
        c.rtxDeadline = time.now + c.rtoNs;
    }

    /**
     * RFC 1122 §4.2.3.6: the idle time before a probe restarts with every segment from the peer. Only the time is
     * noted here; the timer is moved when it fires (no wheel churn per segment).
     */
    void keepAliveRestart(final TcpConnection c)
    {
        final long now = time.now;
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
}
