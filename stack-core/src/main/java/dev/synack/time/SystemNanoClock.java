package dev.synack.time;

/**
 * {@link NanoClock} backed by {@link System#nanoTime()}: the production clock.
 * Stateless and thread-safe.
 */
public final class SystemNanoClock implements NanoClock
{
    /** The shared instance. */
    public static final SystemNanoClock INSTANCE = new SystemNanoClock();

    private SystemNanoClock()
    {
    }

    @Override
    public long nanoTime()
    {
        return System.nanoTime();
    }
}
