package dev.synack.tcp;

import java.nio.ByteBuffer;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Every connection's send and receive rings, preallocated off-heap: slot {@code s} owns {@code sendSize} bytes of
 * send ring followed by {@code receiveSize} bytes of receive ring. A direct buffer stops below 2 GiB, and a million
 * connections at the smallest rings (1 KiB each way) already need 2 GiB, so the slots are spread over chunks of at
 * most {@link #MAX_CHUNK_BYTES}, a power-of-two number of slots each: a slot's chunk is a shift, its place a mask.
 * <p>
 * Stack thread only; never allocates after construction.
 */
final class ConnectionBuffers
{
    /** The largest chunk: 1 GiB, so a chunk's offsets never come near {@code int} overflow. */
    static final int MAX_CHUNK_BYTES = 1 << 30;

    private final UnsafeBuffer[] chunks;
    private final int slotShift;
    private final int slotMask;
    private final int stride;
    private final int sendSize;

    /**
     * @param slots connections.
     * @param sendSize send ring bytes per connection.
     * @param receiveSize receive ring bytes per connection.
     */
    ConnectionBuffers(final int slots, final int sendSize, final int receiveSize)
    {
        this(slots, sendSize, receiveSize, MAX_CHUNK_BYTES);
    }

    /**
     * @param slots connections.
     * @param sendSize send ring bytes per connection.
     * @param receiveSize receive ring bytes per connection.
     * @param maxChunkBytes the largest chunk (tests use small ones to cross chunk boundaries cheaply).
     */
    ConnectionBuffers(final int slots, final int sendSize, final int receiveSize, final int maxChunkBytes)
    {
        final long strideBytes = (long)sendSize + receiveSize;
        if (slots < 1 || strideBytes > maxChunkBytes)
        {
            throw new IllegalArgumentException("cannot fit " + slots + " slots of " + strideBytes
                + " bytes in chunks of " + maxChunkBytes);
        }
        this.stride = (int)strideBytes;
        this.sendSize = sendSize;
        final int perChunk = Integer.highestOneBit(Math.min(slots, maxChunkBytes / stride));
        this.slotShift = Integer.numberOfTrailingZeros(perChunk);
        this.slotMask = perChunk - 1;
        chunks = new UnsafeBuffer[(slots + perChunk - 1) >>> slotShift];
        for (int i = 0; i < chunks.length; i++)
        {
            final int inChunk = Math.min(perChunk, slots - (i << slotShift));
            chunks[i] = new UnsafeBuffer(ByteBuffer.allocateDirect(inChunk * stride));
        }
    }

    /**
     * @param slot a connection's slot.
     * @return the chunk holding its rings.
     */
    UnsafeBuffer buffer(final int slot)
    {
        return chunks[slot >>> slotShift];
    }

    /**
     * @param slot a connection's slot.
     * @return where its send ring starts in {@link #buffer(int)}.
     */
    int sendOffset(final int slot)
    {
        return (slot & slotMask) * stride;
    }

    /**
     * @param slot a connection's slot.
     * @return where its receive ring starts in {@link #buffer(int)}.
     */
    int receiveOffset(final int slot)
    {
        return (slot & slotMask) * stride + sendSize;
    }

    /** @return chunks allocated. */
    int chunks()
    {
        return chunks.length;
    }

    /** @return bytes allocated, all chunks. */
    long bytes()
    {
        long bytes = 0;
        for (final UnsafeBuffer chunk : chunks)
        {
            bytes += chunk.capacity();
        }
        return bytes;
    }
}
