package dev.synack.test;

import java.lang.management.ManagementFactory;

/**
 * Bytes the calling thread allocates while running some work, for the zero-allocation tests: warm-up runs first
 * (lazy class set-up, JIT), then the least over a few measured runs, so a one-off is not taken for steady state.
 */
public final class Allocations
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private Allocations()
    {
    }

    /**
     * @param warmUps unmeasured runs first.
     * @param windows measured runs.
     * @param work the work (on this thread).
     * @return the least bytes one measured run allocated.
     */
    public static long leastOf(final int warmUps, final int windows, final Runnable work)
    {
        if (!THREADS.isThreadAllocatedMemorySupported() || !THREADS.isThreadAllocatedMemoryEnabled())
        {
            throw new IllegalStateException("this JVM cannot count a thread's allocated bytes");
        }
        final long thread = Thread.currentThread().getId();
        for (int i = 0; i < warmUps; i++)
        {
            work.run();
        }
        long least = Long.MAX_VALUE;
        for (int i = 0; i < windows; i++)
        {
            final long before = THREADS.getThreadAllocatedBytes(thread);
            work.run();
            least = Math.min(least, THREADS.getThreadAllocatedBytes(thread) - before);
        }
        return least;
    }
}
