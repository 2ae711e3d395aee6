package dev.synack.wire;

import java.util.concurrent.atomic.AtomicLong;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * A {@link FrameTap} that copies each frame, with its time and direction, into an Agrona ring that another
 * thread drains (the capture journal's agent in {@code tools}): the hand-off that keeps disk I/O off the
 * stack thread. One record per frame: message type {@link #MSG_INBOUND} or {@link #MSG_OUTBOUND}, then the
 * time (8 bytes, native order) at {@link #TIME_OFFSET} and the frame's bytes from {@link #FRAME_OFFSET}.
 * <p>
 * Never blocks and never allocates: when the ring is full (or a frame is larger than the ring's largest
 * message) the frame is dropped and counted. Written on the stack thread only (the ring must be a
 * single-producer ring, e.g. {@code OneToOneRingBuffer}); the counts may be read from any thread.
 */
public final class RingFrameTap implements FrameTap
{
    /** Message type of a received frame. */
    public static final int MSG_INBOUND = 1;
    /** Message type of a sent frame. */
    public static final int MSG_OUTBOUND = 2;
    /** Offset of the time (ns) in a record. */
    public static final int TIME_OFFSET = 0;
    /** Offset of the frame's first byte in a record. */
    public static final int FRAME_OFFSET = TIME_OFFSET + Long.BYTES;

    private final RingBuffer ring;
    private final int maxFrameLength;
    private final AtomicLong captured = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /**
     * @param ring where records go; single producer (this tap), drained by one consumer.
     */
    public RingFrameTap(final RingBuffer ring)
    {
        this.ring = ring;
        this.maxFrameLength = ring.maxMsgLength() - FRAME_OFFSET;
    }

    @Override
    public void onFrame(
        final boolean outbound, final DirectBuffer buffer, final int offset, final int length, final long timeNs)
    {
        if (length > maxFrameLength)
        {
            dropped.lazySet(dropped.get() + 1);
            return;
        }
        final int index = ring.tryClaim(outbound ? MSG_OUTBOUND : MSG_INBOUND, FRAME_OFFSET + length);
        if (index < 0)
        {
            dropped.lazySet(dropped.get() + 1);
            return;
        }
        final MutableDirectBuffer record = ring.buffer();
        record.putLong(index + TIME_OFFSET, timeNs);
        record.putBytes(index + FRAME_OFFSET, buffer, offset, length);
        ring.commit(index);
        captured.lazySet(captured.get() + 1);
    }

    /** @return the ring the records go to. */
    public RingBuffer ring()
    {
        return ring;
    }

    /** @return frames written to the ring so far. */
    public long captured()
    {
        return captured.get();
    }

    /** @return frames dropped so far because the ring was full (or the frame too large for it). */
    public long dropped()
    {
        return dropped.get();
    }
}
