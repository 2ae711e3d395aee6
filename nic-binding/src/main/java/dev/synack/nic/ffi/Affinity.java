package dev.synack.nic.ffi;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Pins the calling thread to one CPU with sched_setaffinity(2), best effort.
 *
 * <p>Who calls it: agents' {@code onStart} in tools and benchmarks (AF_XDP.md pitfall 8: pin the two ends of a
 * veth to different cores). Thread-safety: acts on the calling thread only.
 */
public final class Affinity
{
    private static final int CPU_SET_BYTES = 128;

    private Affinity()
    {
    }

    /**
     * @param cpu the CPU, 0-based.
     * @return true if the thread is now pinned; false if the kernel refused (the thread keeps running anywhere).
     */
    public static boolean pinCurrentThread(final int cpu)
    {
        if (cpu < 0 || cpu >= CPU_SET_BYTES * 8)
        {
            return false;
        }
        final UnsafeBuffer mask = OffHeap.allocate(CPU_SET_BYTES);
        mask.putByte(cpu / 8, (byte)(1 << (cpu % 8)));
        final boolean pinned = Native.LIBC.sched_setaffinity(0, CPU_SET_BYTES, mask.addressOffset()) == 0;
        java.lang.ref.Reference.reachabilityFence(mask);
        return pinned;
    }

    /**
     * Lets the calling thread run on every CPU again (undoes {@link #pinCurrentThread}).
     *
     * @return true if the kernel took the new mask.
     */
    public static boolean unpinCurrentThread()
    {
        // Every bit set: the kernel keeps the CPUs that exist (availableProcessors() would only count the pinned).
        final UnsafeBuffer mask = OffHeap.allocate(CPU_SET_BYTES);
        mask.setMemory(0, CPU_SET_BYTES, (byte)0xFF);
        final boolean done = Native.LIBC.sched_setaffinity(0, CPU_SET_BYTES, mask.addressOffset()) == 0;
        java.lang.ref.Reference.reachabilityFence(mask);
        return done;
    }
}
