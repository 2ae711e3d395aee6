package dev.synack.test;

import dev.synack.memwire.FaultPlan;
import dev.synack.memwire.MemoryWire;
import dev.synack.stack.StackConfig;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.MacAddress;
import dev.synack.ip.Ipv4Address;

/**
 * Two stacks, A (198.18.0.1) and B (198.18.0.2), joined by a {@link MemoryWire} and driven by one manual
 * clock: the fixture of the scenario tests.
 */
public final class StackPair
{
    public static final String A_MAC = "02:00:00:00:00:01";
    public static final String B_MAC = "02:00:00:00:00:02";
    public static final int A_IP = Ipv4Address.parse("198.18.0.1");
    public static final int B_IP = Ipv4Address.parse("198.18.0.2");

    public final ManualNanoClock clock = new ManualNanoClock();
    public final TestStack a;
    public final TestStack b;
    public final MemoryWire wire;

    public StackPair(final StackConfig aConfig, final StackConfig bConfig, final FaultPlan aToB, final FaultPlan bToA,
        final int ringBytes)
    {
        a = new TestStack(aConfig, clock, ringBytes);
        b = new TestStack(bConfig, clock, ringBytes);
        wire = new MemoryWire(a.tx, a.rx, b.tx, b.rx, clock, aToB, bToA, aConfig.maxFrameLength());
    }

    public static StackConfig configA()
    {
        return new StackConfig().name("A").mac(A_MAC).ip("198.18.0.1/24");
    }

    public static StackConfig configB()
    {
        return new StackConfig().name("B").mac(B_MAC).ip("198.18.0.2/24");
    }

    /** A pair whose neighbour tables already know each other (no ARP on the wire). */
    public static StackPair resolved(final StackConfig aConfig, final StackConfig bConfig, final FaultPlan aToB,
        final FaultPlan bToA)
    {
        final StackPair pair = new StackPair(aConfig, bConfig, aToB, bToA, 1 << 22);
        pair.a.agent.neighbours().addStatic(B_IP, MacAddress.parse(B_MAC));
        pair.b.agent.neighbours().addStatic(A_IP, MacAddress.parse(A_MAC));
        return pair;
    }

    /**
     * Runs both stacks and the wire until nothing moves; time does not advance. Two idle rounds in a row,
     * because a ring read that meets the wrap-around padding consumes it and reports no message.
     */
    public int settle()
    {
        int total = 0;
        int idle = 0;
        int rounds = 0;
        while (idle < 2)
        {
            final int work = a.agent.doWork() + b.agent.doWork() + wire.doWork();
            total += work;
            idle = work == 0 ? idle + 1 : 0;
            if (++rounds > 1_000_000)
            {
                throw new IllegalStateException("the pair never settled: a livelock");
            }
        }
        return total;
    }

    /** Advances the clock in steps, settling after each. */
    public void advance(final long nanos, final long stepNanos)
    {
        long left = nanos;
        settle();
        while (left > 0)
        {
            final long step = Math.min(stepNanos, left);
            clock.advanceNs(step);
            left -= step;
            settle();
        }
    }
}
