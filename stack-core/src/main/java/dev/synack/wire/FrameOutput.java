package dev.synack.wire;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.time.NanoClock;

/**
 * The stack's side of the tx ring: frames are written in place with {@code tryClaim}/{@code commit}, so a
 * frame is built once, directly where the NIC agent reads it (DESIGN.md §3: one copy at most per direction).
 * Every frame leaves through {@link #commit} (frames released by ARP too, through {@link #write}), which is
 * where the {@link FrameTap}, when one is set, sees it.
 * <p>
 * Stack thread only. Never allocates.
 */
public final class FrameOutput
{
    /** Message type id of an Ethernet frame in the rx and tx rings. */
    public static final int MSG_TYPE_FRAME = 1;

    private final RingBuffer tx;
    private final StackCounters counters;
    private FrameTap tap;
    private NanoClock clock;
    private int claimedLength;

    /**
     * @param tx the ring the NIC agent (or MemoryWire) drains.
     * @param counters where frames out and tx-full drops are counted.
     */
    public FrameOutput(final RingBuffer tx, final StackCounters counters)
    {
        this.tx = tx;
        this.counters = counters;
    }

    /**
     * Claims room for one frame.
     *
     * @param length frame length in bytes (padded by the caller to the Ethernet minimum where needed).
     * @return the frame's index in {@link #buffer()}, or -1 when the ring is full (the drop is counted).
     */
    public int claim(final int length)
    {
        final int index = tx.tryClaim(MSG_TYPE_FRAME, length);
        if (index < 0)
        {
            counters.drop(DropReason.TX_RING_FULL);
        }
        claimedLength = length;
        return index;
    }

    /** @return the ring's buffer, where claimed frames are written. */
    public MutableDirectBuffer buffer()
    {
        return tx.buffer();
    }

    /**
     * Publishes a claimed frame to the reader.
     *
     * @param index what {@link #claim} returned.
     */
    public void commit(final int index)
    {
        final FrameTap tap = this.tap;
        if (tap != null)
        {
            // Frames are built one claim at a time (FrameRing insists), so the last claim's length is this frame's.
            tap.onFrame(true, tx.buffer(), index, claimedLength, clock.nanoTime());
        }
        tx.commit(index);
        counters.increment(StackCounter.FRAMES_OUT);
    }

    /**
     * Sets (or removes) the tap told of every committed frame, before the reader can see it.
     *
     * @param tap the tap, or null for none.
     * @param clock what stamps each frame's time.
     */
    public void tap(final FrameTap tap, final NanoClock clock)
    {
        this.clock = clock;
        this.tap = tap;
    }

    /**
     * Withdraws a claimed frame.
     *
     * @param index what {@link #claim} returned.
     */
    public void abort(final int index)
    {
        tx.abort(index);
    }

    /**
     * Copies a finished frame into the ring (used once per frame that waited for ARP).
     *
     * @param source the frame.
     * @param offset where it starts.
     * @param length its length.
     * @return whether it was written.
     */
    public boolean write(final MutableDirectBuffer source, final int offset, final int length)
    {
        final int index = claim(length);
        if (index < 0)
        {
            return false;
        }
        tx.buffer().putBytes(index, source, offset, length);
        commit(index);
        return true;
    }
}
