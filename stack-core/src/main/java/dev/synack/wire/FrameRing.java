package dev.synack.wire;

import java.nio.ByteBuffer;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A one-producer, one-consumer ring of frames behind Agrona's {@link RingBuffer} interface, with Agrona's record
 * layout (length, type, payload aligned to 8) and trailer, built for the frame boundary between a NIC agent and
 * a stack, where it carries every frame twice per hop.
 * <p>
 * Agrona's {@code OneToOneRingBuffer} is general: the consumer learns that a record is complete from its length
 * field, read with a volatile load per record, and the producer publishes a claim before it is committed, so it
 * must keep the next record's header zeroed and its positions in the shared trailer. Here each side keeps its
 * own position and a cached copy of the other's in fields of its own, padded apart so the two threads never write
 * the same cache line; the consumer reads the producer's published tail once per batch (and only when its cached
 * copy is used up), and a claim is published by {@code commit} alone. Every access is to the raw address after
 * the bounds were checked once, at construction. Measured against Agrona's ring in {@code RingBenchmark}.
 * <p>
 * The price of the simplification: one claim at a time ({@code tryClaim} then {@code commit} or {@code abort};
 * {@code write} in between is refused), which is how a stack builds its frames.
 */
public final class FrameRing extends FrameRingFields.Consumer implements RingBuffer
{
    private static final int HEADER = RecordDescriptor.HEADER_LENGTH;
    private static final int ALIGNMENT = RecordDescriptor.ALIGNMENT;

    private final AtomicBuffer buffer;
    private final byte[] array;
    private final long address;
    private final int capacity;
    private final int mask;
    private final int maxMsgLength;
    private final long tailAddress;
    private final long headAddress;
    private final long correlationAddress;
    private final long heartbeatAddress;

    /**
     * @param buffer a power-of-two capacity plus {@link RingBufferDescriptor#TRAILER_LENGTH}.
     */
    public FrameRing(final AtomicBuffer buffer)
    {
        this.buffer = buffer;
        this.capacity = RingBufferDescriptor.checkCapacity(buffer.capacity(), 2 * BitUtil.CACHE_LINE_LENGTH);
        this.mask = capacity - 1;
        this.maxMsgLength = capacity >> 3;
        buffer.verifyAlignment();
        buffer.boundsCheck(0, buffer.capacity());
        this.array = buffer.byteArray();
        this.address = buffer.addressOffset();
        this.tailAddress = address + capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET;
        this.headAddress = address + capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET;
        this.correlationAddress = address + capacity + RingBufferDescriptor.CORRELATION_COUNTER_OFFSET;
        this.heartbeatAddress = address + capacity + RingBufferDescriptor.CONSUMER_HEARTBEAT_OFFSET;
        producerTail = UnsafeApi.getLongVolatile(array, tailAddress);
        headCache = UnsafeApi.getLongVolatile(array, headAddress);
        consumerHead = headCache;
        tailCache = headCache;
        claimedTail = -1;
    }

    /**
     * @param capacity bytes of records, a power of two.
     * @return a ring over newly allocated direct memory.
     */
    public static FrameRing allocate(final int capacity)
    {
        return new FrameRing(
            new UnsafeBuffer(ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    @Override
    public int capacity()
    {
        return capacity;
    }

    @Override
    public boolean write(final int msgTypeId, final DirectBuffer srcBuffer, final int offset, final int length)
    {
        RecordDescriptor.checkTypeId(msgTypeId);
        checkLength(length);
        srcBuffer.boundsCheck(offset, length);
        final int index = claim(length);
        if (index < 0)
        {
            return false;
        }
        UnsafeApi.copyMemory(srcBuffer.byteArray(), srcBuffer.addressOffset() + offset, array,
            address + index + HEADER, length);
        UnsafeApi.putInt(array, address + index + 4, msgTypeId);
        UnsafeApi.putInt(array, address + index, length + HEADER);
        publish(claimedTail);
        return true;
    }

    @Override
    public int tryClaim(final int msgTypeId, final int length)
    {
        RecordDescriptor.checkTypeId(msgTypeId);
        checkLength(length);
        final int index = claim(length);
        if (index < 0)
        {
            return RingBuffer.INSUFFICIENT_CAPACITY;
        }
        UnsafeApi.putInt(array, address + index + 4, msgTypeId);
        UnsafeApi.putInt(array, address + index, length + HEADER);
        return index + HEADER;
    }

    @Override
    public void commit(final int index)
    {
        checkClaimed(index);
        publish(claimedTail);
    }

    @Override
    public void abort(final int index)
    {
        checkClaimed(index);
        // Nothing was published: the claimed space (and any padding written before it) is simply reused.
        claimedTail = -1;
    }

    @Override
    public int read(final MessageHandler handler)
    {
        return read(handler, Integer.MAX_VALUE);
    }

    @Override
    public int read(final MessageHandler handler, final int messageCountLimit)
    {
        long head = consumerHead;
        long tail = tailCache;
        int read = 0;
        try
        {
            while (read < messageCountLimit)
            {
                tail = tailBeyond(head, tail);
                if (head == tail)
                {
                    break;
                }
                final int index = (int)head & mask;
                final int recordLength = UnsafeApi.getInt(array, address + index);
                final int type = UnsafeApi.getInt(array, address + index + 4);
                head += BitUtil.align(recordLength, ALIGNMENT);
                if (type != RingBuffer.PADDING_MSG_TYPE_ID)
                {
                    read++;
                    handler.onMessage(type, buffer, index + HEADER, recordLength - HEADER);
                }
            }
        }
        finally
        {
            // Also when the handler throws: the record it failed on is consumed, as with Agrona's rings.
            release(head);
        }
        return read;
    }

    @Override
    public int controlledRead(final ControlledMessageHandler handler)
    {
        return controlledRead(handler, Integer.MAX_VALUE);
    }

    @Override
    public int controlledRead(final ControlledMessageHandler handler, final int messageCountLimit)
    {
        long head = consumerHead;
        long tail = tailCache;
        int read = 0;
        try
        {
            while (read < messageCountLimit)
            {
                tail = tailBeyond(head, tail);
                if (head == tail)
                {
                    break;
                }
                final int index = (int)head & mask;
                final int recordLength = UnsafeApi.getInt(array, address + index);
                final int type = UnsafeApi.getInt(array, address + index + 4);
                final long next = head + BitUtil.align(recordLength, ALIGNMENT);
                if (type == RingBuffer.PADDING_MSG_TYPE_ID)
                {
                    head = next;
                    continue;
                }
                final ControlledMessageHandler.Action action =
                    handler.onMessage(type, buffer, index + HEADER, recordLength - HEADER);
                if (action == ControlledMessageHandler.Action.ABORT)
                {
                    break;
                }
                head = next;
                read++;
                if (action == ControlledMessageHandler.Action.BREAK)
                {
                    break;
                }
                if (action == ControlledMessageHandler.Action.COMMIT)
                {
                    release(head);
                }
            }
        }
        finally
        {
            release(head);
        }
        return read;
    }

    @Override
    public int maxMsgLength()
    {
        return maxMsgLength;
    }

    @Override
    public long nextCorrelationId()
    {
        return UnsafeApi.getAndAddLong(array, correlationAddress, 1);
    }

    @Override
    public AtomicBuffer buffer()
    {
        return buffer;
    }

    @Override
    public void consumerHeartbeatTime(final long time)
    {
        UnsafeApi.putLongRelease(array, heartbeatAddress, time);
    }

    @Override
    public long consumerHeartbeatTime()
    {
        return UnsafeApi.getLongVolatile(array, heartbeatAddress);
    }

    @Override
    public long producerPosition()
    {
        return UnsafeApi.getLongVolatile(array, tailAddress);
    }

    @Override
    public long consumerPosition()
    {
        return UnsafeApi.getLongVolatile(array, headAddress);
    }

    @Override
    public int size()
    {
        long head;
        long tail;
        long headAfter = UnsafeApi.getLongVolatile(array, headAddress);
        do
        {
            head = headAfter;
            tail = UnsafeApi.getLongVolatile(array, tailAddress);
            headAfter = UnsafeApi.getLongVolatile(array, headAddress);
        }
        while (headAfter != head);
        return (int)(tail - head);
    }

    /** One producer, one consumer: a stuck producer cannot block another, so there is nothing to unblock. */
    @Override
    public boolean unblock()
    {
        return false;
    }

    /**
     * @return the producer's tail: the cached one while records remain before it, else a fresh read of it.
     */
    private long tailBeyond(final long head, final long tail)
    {
        if (head != tail)
        {
            return tail;
        }
        final long fresh = UnsafeApi.getLongVolatile(array, tailAddress);
        tailCache = fresh;
        return fresh;
    }

    /** Hands the space before {@code head} back to the producer. */
    private void release(final long head)
    {
        if (head != consumerHead)
        {
            consumerHead = head;
            // Release: the records are read before the producer may overwrite them.
            UnsafeApi.putLongRelease(array, headAddress, head);
        }
    }

    /**
     * Reserves an aligned record for {@code length} bytes at the producer's tail, after a padding record when it
     * would not fit before the end; nothing is visible to the consumer until {@link #publish}.
     *
     * @return the record's index, or -1 when the consumer has not freed enough space.
     */
    private int claim(final int length)
    {
        if (claimedTail >= 0)
        {
            throw new IllegalStateException("a claim is outstanding: commit or abort it first");
        }
        final int recordLength = BitUtil.align(length + HEADER, ALIGNMENT);
        final long tail = producerTail;
        final int tailIndex = (int)tail & mask;
        final int toEnd = capacity - tailIndex;
        final int padding = recordLength > toEnd ? toEnd : 0;
        final long end = tail + padding + recordLength;
        if (end - headCache > capacity)
        {
            headCache = UnsafeApi.getLongVolatile(array, headAddress);
            if (end - headCache > capacity)
            {
                return -1;
            }
        }
        if (padding != 0)
        {
            UnsafeApi.putInt(array, address + tailIndex + 4, RingBuffer.PADDING_MSG_TYPE_ID);
            UnsafeApi.putInt(array, address + tailIndex, padding);
        }
        claimedTail = end;
        claimedIndex = padding != 0 ? 0 : tailIndex;
        return claimedIndex;
    }

    private void publish(final long tail)
    {
        producerTail = tail;
        claimedTail = -1;
        // Release: the record's bytes are visible to the consumer before the tail that covers them.
        UnsafeApi.putLongRelease(array, tailAddress, tail);
    }

    private void checkClaimed(final int index)
    {
        if (claimedTail < 0 || index != claimedIndex + HEADER)
        {
            throw new IllegalStateException("no claim at index " + index);
        }
    }

    private void checkLength(final int length)
    {
        if (length < 0 || length > maxMsgLength)
        {
            throw new IllegalArgumentException("length " + length + " outside 0.." + maxMsgLength);
        }
    }
}
