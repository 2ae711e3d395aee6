package dev.synack.stat;

import java.nio.ByteBuffer;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * One stack's counters: every {@link StackCounter} and one counter per {@link DropReason}, allocated once
 * in a {@link CountersManager} (over a {@link CountersFile} for live reading, or on-heap for tests).
 * <p>
 * Written only by the stack thread with release stores (single writer, no atomic add needed); readable
 * from any thread or process.
 */
public final class StackCounters
{
    /** Agrona type id of the plain stack counters. */
    public static final int TYPE_STACK = 1001;
    /** Agrona type id of the drop counters. */
    public static final int TYPE_DROP = 1002;
    /** How many counters one stack allocates. */
    public static final int COUNT = StackCounter.values().length + DropReason.values().length;

    private final AtomicCounter[] stack;
    private final AtomicCounter[] drops;
    private final AtomicCounter framesDropped;

    /**
     * @param manager where to allocate; needs room for {@link #COUNT} counters.
     * @param prefix label prefix, e.g. the stack's name, so several stacks can share a file.
     */
    public StackCounters(final CountersManager manager, final String prefix)
    {
        if (manager.available() < COUNT)
        {
            throw new IllegalArgumentException(
                "counters file has room for " + manager.available() + " counters, the stack needs " + COUNT);
        }
        final StackCounter[] kinds = StackCounter.values();
        stack = new AtomicCounter[kinds.length];
        for (final StackCounter c : kinds)
        {
            stack[c.ordinal()] = manager.newCounter(prefix + c.label(), TYPE_STACK);
        }
        final DropReason[] reasons = DropReason.values();
        drops = new AtomicCounter[reasons.length];
        for (final DropReason r : reasons)
        {
            drops[r.ordinal()] = manager.newCounter(prefix + "drop: " + r.label(), TYPE_DROP);
        }
        framesDropped = stack[StackCounter.FRAMES_DROPPED.ordinal()];
    }

    /**
     * Counters in plain heap memory, for tests and embedded use without a file.
     *
     * @param prefix label prefix.
     * @return the counters.
     */
    public static StackCounters onHeap(final String prefix)
    {
        final AtomicBuffer meta = new UnsafeBuffer(ByteBuffer.allocateDirect(COUNT * CountersReader.METADATA_LENGTH));
        final AtomicBuffer values = new UnsafeBuffer(ByteBuffer.allocateDirect(COUNT * CountersReader.COUNTER_LENGTH));
        return new StackCounters(new CountersManager(meta, values), prefix);
    }

    /**
     * @param counter which.
     */
    public void increment(final StackCounter counter)
    {
        stack[counter.ordinal()].incrementRelease();
    }

    /**
     * @param counter which.
     * @param delta how much (may be negative for gauges).
     */
    public void add(final StackCounter counter, final long delta)
    {
        stack[counter.ordinal()].getAndAddRelease(delta);
    }

    /**
     * Counts one dropped frame under its reason and in the total.
     *
     * @param reason why; {@link DropReason#NONE} is ignored.
     */
    public void drop(final DropReason reason)
    {
        if (reason != DropReason.NONE)
        {
            drops[reason.ordinal()].incrementRelease();
            framesDropped.incrementRelease();
        }
    }

    /**
     * @param counter which.
     * @return its current value.
     */
    public long get(final StackCounter counter)
    {
        return stack[counter.ordinal()].get();
    }

    /**
     * @param reason which.
     * @return how many frames were dropped for it.
     */
    public long get(final DropReason reason)
    {
        return drops[reason.ordinal()].get();
    }

    /**
     * Appends every non-zero counter, one per line, for humans (demo, tests' failure messages).
     *
     * @param out where to append.
     * @return {@code out}.
     */
    public StringBuilder appendNonZero(final StringBuilder out)
    {
        for (final StackCounter c : StackCounter.values())
        {
            appendIfNonZero(out, c.label(), stack[c.ordinal()].get());
        }
        for (final DropReason r : DropReason.values())
        {
            appendIfNonZero(out, "drop: " + r.label(), drops[r.ordinal()].get());
        }
        return out;
    }

    private static void appendIfNonZero(final StringBuilder out, final String label, final long value)
    {
        if (value != 0)
        {
            out.append(String.format("  %-48s %,d%n", label, value));
        }
    }
}
