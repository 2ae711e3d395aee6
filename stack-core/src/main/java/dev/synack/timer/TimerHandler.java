package dev.synack.timer;

/**
 * Called by {@link TimerWheel#poll(long, TimerHandler, int)} for each timer that is due.
 * <p>
 * Runs on the thread that polls. The timer is no longer scheduled when the callback starts, so the handler may
 * schedule it again or schedule and cancel any other timer of the same wheel.
 */
@FunctionalInterface
public interface TimerHandler
{
    /**
     * A timer reached its deadline.
     *
     * @param id the timer's id.
     * @param nowNs the time given to the poll.
     */
    void onExpiry(int id, long nowNs);
}
