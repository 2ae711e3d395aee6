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

    /**
     * Keeps the connection's single wheel timer at or before the earliest of its deadlines. A deadline that only
     * moved later (the retransmission timer restarted by every ACK of new data, a delayed ACK armed again) leaves
     * the wheel alone: the timer fires early, {@link TcpTimers#onExpiry} finds nothing due and arms it at the real
     * deadline. Linux's TCP timers are lazy the same way (sk_reset_timer only when a deadline comes sooner). A
     * keep-alive exchange used to unlink and relink its timer several times; now at most once per delayed-ACK
     * interval. With no deadline left the timer is cancelled at once, so an idle connection holds none.
     */
    void rearm(final TcpConnection c)
    {
        final long deadline = Math.min(Math.min(c.rtxDeadline, c.ackDeadline), c.keepAliveDeadline);
        final long scheduled = c.timerDeadline;
        if (deadline == scheduled)
        {
            return;
        }
        if (deadline == NO_DEADLINE)
        {
            c.timerDeadline = NO_DEADLINE;
            wheel.cancel(c.slot);
        }
        else if (scheduled == NO_DEADLINE || deadline - scheduled < 0)
        {
            c.timerDeadline = deadline;
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
