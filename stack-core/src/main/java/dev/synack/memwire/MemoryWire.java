package dev.synack.memwire;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.time.NanoClock;
import dev.synack.wire.FrameOutput;

/**
 * An in-memory Ethernet link between two stacks: it drains A's tx ring into B's rx ring and B's tx into
 * A's rx, applying each direction's {@link FaultPlan}. The fixture of every scenario test and of the
 * in-memory benchmarks; faults live here, never as special cases inside the stack.
 * <p>
 * Single-threaded (run it on the thread that runs both stacks, or as a third agent). Preallocated:
 * carrying, delaying and reordering frames never allocates.
 */
public final class MemoryWire
{
    private static final int DELAY_SLOTS = 1024;

    private final NanoClock clock;
    private final Direction aToB;
    private final Direction bToA;
    private WireTap tap;

    /**
     * @param aTx stack A's tx ring.
     * @param aRx stack A's rx ring.
     * @param bTx stack B's tx ring.
     * @param bRx stack B's rx ring.
     * @param clock the clock delays are measured on.
     * @param aToBPlan faults from A to B.
     * @param bToAPlan faults from B to A.
     * @param maxFrameLength largest frame carried.
     */
    public MemoryWire(
        final RingBuffer aTx, final RingBuffer aRx, final RingBuffer bTx, final RingBuffer bRx, final NanoClock clock,
        final FaultPlan aToBPlan, final FaultPlan bToAPlan, final int maxFrameLength)
    {
        this.clock = clock;
        this.aToB = new Direction(true, aTx, bRx, aToBPlan, maxFrameLength);
        this.bToA = new Direction(false, bTx, aRx, bToAPlan, maxFrameLength);
    }

    /**
     * @param tap told of every frame and its fate; null for none.
     * @return this.
     */
    public MemoryWire tap(final WireTap tap)
    {
        this.tap = tap;
        return this;
    }

    /**
     * Moves every frame waiting in both directions.
     *
     * @return frames moved.
     */
    public int doWork()
    {
        final long now = clock.nanoTime();
        return aToB.transfer(now) + bToA.transfer(now);
    }

    /** @return frames waiting on the wire (delayed or held for reordering), both directions. */
    public int inFlight()
    {
        return aToB.held() + bToA.held();
    }

    /** @return frames carried A → B so far. */
    public int framesAToB()
    {
        return aToB.index;
    }

    /** @return frames carried B → A so far. */
    public int framesBToA()
    {
        return bToA.index;
    }

    /** @return frames the destination ring refused (it was full): counted as loss. */
    public long overflows()
    {
        return aToB.overflows + bToA.overflows;
    }

    private final class Direction implements MessageHandler
    {
        private final boolean fromA;
        private final RingBuffer source;
        private final RingBuffer destination;
        private final FaultPlan plan;
        private final int maxFrameLength;
        private final UnsafeBuffer scratch;
        private final UnsafeBuffer reorderSlot;
        private int reorderLength = -1;
        private final UnsafeBuffer delaySlab;
        private final long[] delayUntil = new long[DELAY_SLOTS];
        private final int[] delayLength = new int[DELAY_SLOTS];
        private int delayed;
        private int index;
        private long overflows;
        private long now;

        Direction(
            final boolean fromA, final RingBuffer source, final RingBuffer destination, final FaultPlan plan,
            final int maxFrameLength)
        {
            this.fromA = fromA;
            this.source = source;
            this.destination = destination;
            this.plan = plan;
            this.maxFrameLength = maxFrameLength;
            this.scratch = new UnsafeBuffer(new byte[maxFrameLength]);
            this.reorderSlot = new UnsafeBuffer(new byte[maxFrameLength]);
            this.delaySlab = new UnsafeBuffer(new byte[DELAY_SLOTS * maxFrameLength]);
            java.util.Arrays.fill(delayLength, -1);
        }

        int held()
        {
            return delayed + (reorderLength >= 0 ? 1 : 0);
        }

        int transfer(final long now)
        {
            this.now = now;
            int work = releaseDelayed();
            final int read = source.read(this, Integer.MAX_VALUE);
            work += read;
            if (read == 0 && reorderLength >= 0)
            {
                // Nothing came after the held frame: let it go rather than stall the connection.
                deliver(reorderSlot, 0, reorderLength);
                reorderLength = -1;
                work++;
            }
            return work;
        }

        @Override
        public void onMessage(
            final int msgTypeId, final MutableDirectBuffer buffer, final int offset, final int length)
        {
            index++;
            if (length > maxFrameLength || plan.dropExact(index, buffer, offset, length) || plan.lose())
            {
                tap(WireTap.Fate.DROPPED, buffer, offset, length);
                return;
            }
            MutableDirectBuffer frame = buffer;
            int frameOffset = offset;
            if (plan.corrupt() && length > 0)
            {
                scratch.putBytes(0, buffer, offset, length);
                final int at = plan.nextInt(length);
                scratch.putByte(at, (byte)(scratch.getByte(at) ^ (1 << plan.nextInt(8))));
                frame = scratch;
                frameOffset = 0;
                tap(WireTap.Fate.CORRUPTED, buffer, offset, length);
            }
            if (plan.delay() && delayed < DELAY_SLOTS)
            {
                park(frame, frameOffset, length);
                tap(WireTap.Fate.DELAYED, buffer, offset, length);
                return;
            }
            if (plan.reorder() && reorderLength < 0)
            {
                reorderSlot.putBytes(0, frame, frameOffset, length);
                reorderLength = length;
                tap(WireTap.Fate.REORDERED, buffer, offset, length);
                return;
            }
            final boolean dup = plan.duplicate();
            deliver(frame, frameOffset, length);
            if (dup)
            {
                deliver(frame, frameOffset, length);
            }
            if (frame == buffer)
            {
                tap(dup ? WireTap.Fate.DUPLICATED : WireTap.Fate.DELIVERED, buffer, offset, length);
            }
            if (reorderLength >= 0)
            {
                deliver(reorderSlot, 0, reorderLength);
                reorderLength = -1;
            }
        }

        private void park(final MutableDirectBuffer frame, final int offset, final int length)
        {
            for (int slot = 0; slot < DELAY_SLOTS; slot++)
            {
                if (delayLength[slot] < 0)
                {
                    delaySlab.putBytes(slot * maxFrameLength, frame, offset, length);
                    delayLength[slot] = length;
                    delayUntil[slot] = now + plan.delayNs();
                    delayed++;
                    return;
                }
            }
        }

        private int releaseDelayed()
        {
            if (delayed == 0)
            {
                return 0;
            }
            int work = 0;
            for (int slot = 0; slot < DELAY_SLOTS && delayed > 0; slot++)
            {
                if (delayLength[slot] >= 0 && delayUntil[slot] - now <= 0)
                {
                    deliver(delaySlab, slot * maxFrameLength, delayLength[slot]);
                    delayLength[slot] = -1;
                    delayed--;
                    work++;
                }
            }
            return work;
        }

        private void deliver(final MutableDirectBuffer frame, final int offset, final int length)
        {
            if (!destination.write(FrameOutput.MSG_TYPE_FRAME, frame, offset, length))
            {
                overflows++;
            }
        }

        private void tap(
            final WireTap.Fate fate, final MutableDirectBuffer buffer, final int offset, final int length)
        {
            if (tap != null)
            {
                tap.onFrame(fromA, index, fate, buffer, offset, length);
            }
        }
    }
}
