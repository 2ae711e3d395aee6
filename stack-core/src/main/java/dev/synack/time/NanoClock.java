package dev.synack.time;

/**
 * The only source of time inside the stack. Injected everywhere so tests drive a {@link ManualNanoClock}
 * and a 60-second backoff runs in microseconds, deterministically.
 * <p>
 * Called on the stack thread; implementations must not allocate.
 */
@FunctionalInterface
public interface NanoClock
{
    /**
     * @return a monotonic time in nanoseconds; only differences are meaningful.
     */
    long nanoTime();
}
