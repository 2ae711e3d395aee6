package dev.synack.tools.capture;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import dev.synack.stack.StackAgent;
import dev.synack.time.NanoClock;
import dev.synack.wire.RingFrameTap;

/**
 * One stack's frames captured into a journal for a while: a {@link RingFrameTap} on the stack, a
 * {@link CaptureAgent} on a thread of its own draining it into the journal. {@code synack demo --capture DIR}
 * uses it around its narrated parts.
 * <p>
 * Not thread-safe: {@link #start} and {@link #stop} on the stack's thread.
 */
public final class DemoCapture
{
    /** Capture ring: 1 MiB holds some 7,000 full-size frames before the agent must catch up. */
    private static final int RING_BYTES = 1 << 20;

    private final RingFrameTap tap;
    private final CaptureAgent agent;
    private final AgentRunner runner;
    private final StackAgent stack;
    private volatile Throwable failure;

    private DemoCapture(final Path directory, final StackAgent stack, final String name, final NanoClock clock)
    {
        this.stack = stack;
        tap = new RingFrameTap(new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH))));
        // the journal holds wall-clock times, so a pcap made from it shows when the demo ran
        final long epochOffsetNs = System.currentTimeMillis() * 1_000_000L - clock.nanoTime();
        agent = new CaptureAgent(directory, epochOffsetNs).source(name, tap);
        runner = new AgentRunner(new SleepingMillisIdleStrategy(1), ex ->
        {
            if (failure == null)
            {
                failure = ex;
            }
        }, null, agent);
    }

    /**
     * Checks the journal can be written, starts the capture agent's thread, then taps the stack.
     *
     * @param directory the journal directory (created if needed; appended to if it holds a journal).
     * @param stack the stack to tap.
     * @param name its name in the journal.
     * @param clock the stack's clock.
     * @return the running capture.
     * @throws CaptureException when the directory cannot hold a journal.
     */
    public static DemoCapture start(final Path directory, final StackAgent stack, final String name,
        final NanoClock clock)
    {
        CaptureJournal.openForWriting(directory).close();
        final DemoCapture capture = new DemoCapture(directory, stack, name, clock);
        AgentRunner.startOnThread(capture.runner);
        stack.tap(capture.tap);
        return capture;
    }

    /**
     * Untaps the stack, lets the agent write what is left and stops it.
     *
     * @return one line: frames captured and dropped.
     * @throws CaptureException when writing the journal failed.
     */
    public String stop()
    {
        stack.tap(null);
        runner.close();
        if (failure != null)
        {
            throw new CaptureException("writing the capture journal failed: " + failure, failure);
        }
        return agent.summary().strip() + "; " + agent.written() + " written";
    }
}
