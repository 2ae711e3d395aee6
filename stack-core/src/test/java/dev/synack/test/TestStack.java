package dev.synack.test;

import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.stack.StackAgent;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounters;
import dev.synack.time.NanoClock;
import dev.synack.wire.FrameRing;

/**
 * One stack with its own rx/tx rings and on-heap counters, for tests.
 */
public final class TestStack
{
    public final RingBuffer rx;
    public final RingBuffer tx;
    public final StackCounters counters;
    public final StackAgent agent;

    public TestStack(final StackConfig config, final NanoClock clock, final int ringBytes)
    {
        rx = ring(ringBytes);
        tx = ring(ringBytes);
        counters = StackCounters.onHeap(config.name() + ": ");
        agent = new StackAgent(config, rx, tx, clock, counters);
    }

    public static RingBuffer ring(final int bytes)
    {
        return FrameRing.allocate(bytes);
    }
}
