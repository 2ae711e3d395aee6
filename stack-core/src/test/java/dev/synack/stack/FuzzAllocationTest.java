package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

/**
 * Hostile input allocates nothing (DESIGN.md §6.4): fuzz-shaped inputs ({@link FrameFuzzTarget} driven by a seeded
 * random source instead of Jazzer, same frame shapes, same checks) after warm-up, with the bytes this thread
 * allocates measured around the stack-side work only (writing each frame to the rx ring, the duty cycles, reading
 * the tx ring, the liveness ping and segments); building the fixture and the frames is left out.
 */
class FuzzAllocationTest
{
    private static final int WARM_UP = 3_000;
    private static final int MEASURED = 2_000;
    private static final int BUDGET = 400;

    @Test
    void fuzzShapedFramesAllocateNothingOnTheStackThread()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        run(0, WARM_UP);
        final StringBuilder report = new StringBuilder();
        final long allocated = run(1_000_000, MEASURED, report);
        // As in the other allocation tests, a one-off (a deoptimisation re-materialising an object escape analysis
        // had removed; seen once here: one input, 208 B) is not steady state: an input that allocated is run again,
        // and it fails only if it allocates again.
        long again = 0;
        final StringBuilder repeated = new StringBuilder();
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("seed (\\d+): \\d+ bytes").matcher(report);
        while (m.find())
        {
            final long seed = Long.parseLong(m.group(1));
            final long bytes = allocatedBy(seed);
            repeated.append("  seed ").append(seed).append(": ").append(bytes).append(" bytes\n");
            again += bytes;
        }
        final long firstPass = allocated;
        assertEquals(0, again, () -> "bytes allocated by the stack, twice for the same input (first pass " + firstPass
            + " bytes):\n" + report + "again:\n" + repeated);
    }

    /** @return the stack-side bytes one seeded input allocates (its protocol checks are FrameFuzzTest's). */
    private static long allocatedBy(final long seed)
    {
        final FrameFuzzTarget.Input input = FrameFuzzTarget.random(seed, BUDGET);
        final FrameFuzzTarget target = new FrameFuzzTarget(input);
        target.measure(true);
        try
        {
            target.feedFrames(input);
        }
        catch (final AssertionError e)
        {
            // counted in the first pass already
        }
        return target.stackAllocatedBytes();
    }

    private static long run(final long firstSeed, final int inputs)
    {
        return run(firstSeed, inputs, new StringBuilder());
    }

    /** Runs {@code inputs} seeded inputs; returns the stack-side bytes allocated and notes the inputs that did. */
    private static long run(final long firstSeed, final int inputs, final StringBuilder report)
    {
        long total = 0;
        int frames = 0;
        for (long seed = firstSeed; seed < firstSeed + inputs; seed++)
        {
            final FrameFuzzTarget.Input input = FrameFuzzTarget.random(seed, BUDGET);
            final FrameFuzzTarget target = new FrameFuzzTarget(input);
            target.measure(true);
            try
            {
                target.feedFrames(input);
                target.checkAlive();
            }
            catch (final AssertionError e)
            {
                // FrameFuzzTest owns the protocol checks; here an input that trips one still counts its bytes.
                report.append("  seed ").append(seed).append(" (check failed: ").append(e.getMessage()).append(")\n");
            }
            final long bytes = target.stackAllocatedBytes();
            frames += target.frames();
            if (bytes != 0)
            {
                report.append("  seed ").append(seed).append(": ").append(bytes).append(" bytes\n");
            }
            total += bytes;
        }
        assertTrue(frames > inputs, "the inputs became frames");
        return total;
    }
}
