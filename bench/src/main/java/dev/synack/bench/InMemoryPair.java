package dev.synack.bench;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.ip.Ipv4Address;
import dev.synack.memwire.FaultPlan;
import dev.synack.memwire.MemoryWire;
import dev.synack.stack.StackAgent;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounters;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.FrameRing;
import dev.synack.wire.MacAddress;

/**
 * Two synack stacks, A (198.18.0.1) and B (198.18.0.2), joined by a fault-free {@link MemoryWire} and driven
 * by one thread: the fixture of every in-memory benchmark and of their harness test.
 * <p>
 * Clock: a {@link ManualNanoClock} advanced by {@link #STEP_NS} per {@link #round()}. Why not the system
 * clock: a benchmark must measure the stack, not the timers. With a manual clock the protocol's own time
 * (RTT samples, delayed ACKs, RTO, TIME-WAIT) moves at a fixed pace per round whatever the machine's speed
 * or noise, so every run does the same protocol work and no spurious retransmission can ever fire; the
 * cost is that TIME-WAIT expiry is counted in rounds, not seconds (see {@link HandshakeLoad}).
 * <p>
 * Neighbours are static (no ARP on the wire). Single-threaded; allocation-free after construction.
 */
public final class InMemoryPair
{
    /** Manual time added per round: 1 µs. */
    public static final long STEP_NS = TimeUnit.MICROSECONDS.toNanos(1);
    /** Idle rounds in a row that count as settled. */
    public static final int QUIET_ROUNDS = 4;
    /** A's address. */
    public static final int A_IP = Ipv4Address.parse("198.18.0.1");
    /** B's address. */
    public static final int B_IP = Ipv4Address.parse("198.18.0.2");
    private static final String A_MAC = "02:00:00:00:00:01";
    private static final String B_MAC = "02:00:00:00:00:02";

    /** The clock both stacks and the wire read. */
    public final ManualNanoClock clock = new ManualNanoClock();
    /** Stack A (the client side in every workload). */
    public final StackAgent a;
    /** Stack B (the server side). */
    public final StackAgent b;
    /** The wire. */
    public final MemoryWire wire;
    /** A's receive ring (B's frames arrive here). */
    public final RingBuffer aRx;
    /** B's receive ring (A's frames arrive here). */
    public final RingBuffer bRx;
    /** B's transmit ring. */
    public final RingBuffer bTx;

    /**
     * @param aConfig A's sizes (name, addresses are set here).
     * @param bConfig B's sizes.
     * @param ringBytes each of the four rings' capacity, a power of two.
     */
    public InMemoryPair(final StackConfig aConfig, final StackConfig bConfig, final int ringBytes)
    {
        aConfig.name("A").mac(A_MAC).ip("198.18.0.1/24");
        bConfig.name("B").mac(B_MAC).ip("198.18.0.2/24");
        aRx = ring(ringBytes);
        final RingBuffer aTx = ring(ringBytes);
        bRx = ring(ringBytes);
        bTx = ring(ringBytes);
        a = new StackAgent(aConfig, aRx, aTx, clock, StackCounters.onHeap("A: "));
        b = new StackAgent(bConfig, bRx, bTx, clock, StackCounters.onHeap("B: "));
        a.neighbours().addStatic(B_IP, MacAddress.parse(B_MAC));
        b.neighbours().addStatic(A_IP, MacAddress.parse(A_MAC));
        wire = new MemoryWire(aTx, aRx, bTx, bRx, clock, FaultPlan.none(), FaultPlan.none(),
            aConfig.maxFrameLength());
    }

    /**
     * One duty cycle of everything: the clock moves {@link #STEP_NS}, then A, the wire, B, the wire.
     *
     * @return work done.
     */
    public int round()
    {
        clock.advanceNs(STEP_NS);
        int work = a.doWork();
        work += wire.doWork();
        work += b.doWork();
        work += wire.doWork();
        return work;
    }

    /**
     * Rounds until nothing moves for {@link #QUIET_ROUNDS} rounds in a row (time still advances a step per
     * round). One idle round is not enough: an Agrona ring read that meets the end of the buffer returns 0
     * messages and only the next read wraps, so a round can move nothing while a frame is still in a ring.
     *
     * @param maxRounds give up after this many.
     */
    public void settle(final int maxRounds)
    {
        int quiet = 0;
        for (int i = 0; i < maxRounds; i++)
        {
            quiet = round() == 0 ? quiet + 1 : 0;
            if (quiet == QUIET_ROUNDS)
            {
                return;
            }
        }
        throw new IllegalStateException("the pair did not settle in " + maxRounds + " rounds");
    }

    /**
     * Moves the clock by {@code nanos} in one jump and runs the expired timers.
     *
     * @param nanos how far.
     */
    public void jump(final long nanos)
    {
        clock.advanceNs(nanos);
        settle(1_000_000);
    }

    private static RingBuffer ring(final int bytes)
    {
        return FrameRing.allocate(bytes);
    }
}
