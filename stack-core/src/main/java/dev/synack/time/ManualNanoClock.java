package dev.synack.time;

import java.util.concurrent.TimeUnit;

/**
 * A clock that moves only when told to: the clock of every scenario test and of the in-memory benchmarks.
 * <p>
 * Not thread-safe; owned by the thread that drives the stacks.
 */
public final class ManualNanoClock implements NanoClock
{
    private long nowNs;

    /**
     * @param startNs the initial reading.
     */
    public ManualNanoClock(final long startNs)
    {
        this.nowNs = startNs;
    }

    /** A clock starting at an arbitrary non-zero time, so no code can depend on time zero. */
    public ManualNanoClock()
    {
        this(1_000_000_000L);
    }

    @Override
    public long nanoTime()
    {
        return nowNs;
    }

    /**
     * @param durationNs how far to move forward; must not be negative (time is monotonic).
     */
    public void advanceNs(final long durationNs)
    {
        if (durationNs < 0)
        {
            throw new IllegalArgumentException("time is monotonic: advance by " + durationNs + " ns");
        }
        nowNs += durationNs;
    }

    /**
     * @param duration how far to move forward.
     * @param unit the unit of {@code duration}.
     */
    public void advance(final long duration, final TimeUnit unit)
    {
        advanceNs(unit.toNanos(duration));
    }
}
