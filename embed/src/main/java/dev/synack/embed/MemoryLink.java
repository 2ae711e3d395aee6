package dev.synack.embed;

import java.util.concurrent.atomic.AtomicBoolean;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.memwire.FaultPlan;
import dev.synack.memwire.MemoryWire;
import dev.synack.time.SystemNanoClock;
import dev.synack.wire.FrameRing;

/**
 * An Ethernet cable in memory between two stacks of one JVM, for tests and examples that must run anywhere: a
 * {@link MemoryWire} over the two stacks' frame rings. Give each side to one builder with
 * {@link SynackBuilder#memoryWire(MemoryLink, Side)}.
 * <p>
 * The wire is single-threaded, so side {@link Side#A} carries it: A's thread moves frames both ways where a NIC
 * agent would run, and side B has no NIC agent. Stop A and the cable is unplugged (B's frames wait, then drop).
 * Each side can be taken by one stack at a time. Frames are timed on the system clock; faults follow the plans.
 */
public final class MemoryLink
{
    /** The two ends. */
    public enum Side
    {
        /** Carries the wire on its stack's thread. */
        A,
        /** Rides along. */
        B
    }

    private static final int RING_BYTES = 1 << 20;
    private static final int MAX_FRAME_LENGTH = 1514;

    private final RingBuffer aRx = ring();
    private final RingBuffer aTx = ring();
    private final RingBuffer bRx = ring();
    private final RingBuffer bTx = ring();
    private final MemoryWire wire;
    private final AtomicBoolean aTaken = new AtomicBoolean();
    private final AtomicBoolean bTaken = new AtomicBoolean();

    private MemoryLink(final FaultPlan aToB, final FaultPlan bToA)
    {
        wire = new MemoryWire(aTx, aRx, bTx, bRx, SystemNanoClock.INSTANCE, aToB, bToA, MAX_FRAME_LENGTH);
    }

    /** @return a faultless cable. */
    public static MemoryLink create()
    {
        return new MemoryLink(FaultPlan.none(), FaultPlan.none());
    }

    /**
     * @param aToB faults on frames from A to B.
     * @param bToA faults on frames from B to A.
     * @return a cable with those faults.
     */
    public static MemoryLink create(final FaultPlan aToB, final FaultPlan bToA)
    {
        return new MemoryLink(aToB, bToA);
    }

    /** @return the wire, for its figures (read them as approximate while side A runs). */
    public MemoryWire wire()
    {
        return wire;
    }

    RingBuffer rx(final Side side)
    {
        return side == Side.A ? aRx : bRx;
    }

    RingBuffer tx(final Side side)
    {
        return side == Side.A ? aTx : bTx;
    }

    /** @return whether the side was free (and is now taken). */
    boolean take(final Side side)
    {
        return (side == Side.A ? aTaken : bTaken).compareAndSet(false, true);
    }

    void release(final Side side)
    {
        (side == Side.A ? aTaken : bTaken).set(false);
    }

    /** @return the agent that moves frames both ways, for side A's thread. */
    Agent wireAgent()
    {
        return new WireAgent(wire);
    }

    private static RingBuffer ring()
    {
        return FrameRing.allocate(RING_BYTES);
    }

    /** The wire as an agent: each duty cycle moves every frame waiting in both directions. */
    private static final class WireAgent implements Agent
    {
        private final MemoryWire wire;

        WireAgent(final MemoryWire wire)
        {
            this.wire = wire;
        }

        @Override
        public int doWork()
        {
            return wire.doWork();
        }

        @Override
        public String roleName()
        {
            return "synack-memory-wire";
        }
    }
}
