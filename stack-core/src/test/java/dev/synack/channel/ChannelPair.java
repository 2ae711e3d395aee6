package dev.synack.channel;

import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.memwire.FaultPlan;
import dev.synack.stack.StackConfig;
import dev.synack.test.StackPair;

/**
 * Two stacks over the memory wire with a {@link ChannelAgent} on each, all driven by the test thread on a
 * manual clock: {@link #settle()} runs stack A, its channel agent, stack B, its channel agent and the wire
 * until nothing moves, as a {@code CompositeAgent} would on each stack thread.
 */
final class ChannelPair
{
    final StackPair pair;
    final RingBuffer commandsA = ChannelAgent.commandRing(ChannelAgent.DEFAULT_COMMAND_RING_BYTES);
    final RingBuffer commandsB = ChannelAgent.commandRing(1 << 16);
    final ChannelAgent agentA;
    final ChannelAgent agentB;

    ChannelPair(final StackConfig a, final StackConfig b)
    {
        pair = StackPair.resolved(a, b, FaultPlan.none(), FaultPlan.none());
        agentA = new ChannelAgent(pair.a.agent, commandsA);
        agentB = new ChannelAgent(pair.b.agent, commandsB);
    }

    ChannelPair()
    {
        this(StackPair.configA(), StackPair.configB());
    }

    /** One duty cycle of everything. */
    int doWork()
    {
        return pair.a.agent.doWork() + agentA.doWork() + pair.b.agent.doWork() + agentB.doWork()
            + pair.wire.doWork();
    }

    /** Runs until two idle rounds in a row; time does not advance. */
    int settle()
    {
        int total = 0;
        int idle = 0;
        int rounds = 0;
        while (idle < 2)
        {
            final int work = doWork();
            total += work;
            idle = work == 0 ? idle + 1 : 0;
            if (++rounds > 1_000_000)
            {
                throw new IllegalStateException("never settled: a livelock");
            }
        }
        return total;
    }

    /** Advances the manual clock in 1 ms steps, settling after each. */
    void advanceMs(final long millis)
    {
        settle();
        for (long i = 0; i < millis; i++)
        {
            pair.clock.advanceNs(1_000_000);
            settle();
        }
    }
}
