package dev.synack.tcp;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.TcpHandler;

/**
 * Every connection's send and receive rings, preallocated off-heap, and the windows they set: what the
 * application may still queue, what we may advertise (RFC 9293 §3.8.6.2.2, RFC 7323 §2.3), and the in-order bytes
 * handed to {@link TcpHandler#onData}. A send ring holds [SND.UNA, end of queued data) at (seq - ISS - 1) & mask;
 * a receive ring holds [READ.SEQ, RCV.NXT) and what arrived out of order at (seq - IRS - 1) & mask.
 * <p>
 * Slot {@code s} owns {@code sendSize} bytes of send ring followed by {@code receiveSize} bytes of receive ring. A
 * direct buffer stops below 2 GiB, and a million connections at the smallest rings (1 KiB each way) already need
 * 2 GiB, so the slots are spread over chunks of at most {@link #MAX_CHUNK_BYTES}, a power-of-two number of slots
 * each: a slot's chunk is a shift, its place a mask. Stack thread only; never allocates after construction.
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
    private final int receiveSize;

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
        this.receiveSize = receiveSize;
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

    int receiveSize()
    {
        return receiveSize;
    }

    int sendQueued(final TcpConnection c)
    {
        // The SYN occupies ISS, not the buffer: until it is acknowledged the first data byte is ISS + 1. (Not
        // SeqNum.max: 2 GiB into a connection SND.UNA is "before" ISS + 1 in modular order.)
        final int queued = c.sndBufEnd - (c.sndUna == c.iss ? c.iss + 1 : c.sndUna);
        return Math.max(0, queued);
    }

    int sendCapacity(final TcpConnection c)
    {
        return sendSize - sendQueued(c);
    }

    int receiveWindow(final TcpConnection c)
    {
        // A scaled window field keeps the edge already offered by rounding up, up to 2^shift - 1 bytes past it
        // (RFC 7323 §2.3): leave that much of the ring free, so whatever we offer we can also hold.
        final int cap = Math.min(c.rcvLimit, receiveSize - ((1 << c.rcvShift) - 1));
        return Math.max(0, cap - (c.rcvNxt - c.readSeq));
    }

    /** Copies what the application sends to the end of the send ring (the caller moves the end). */
    void queue(final TcpConnection c, final DirectBuffer buffer, final int offset, final int length)
    {
        final UnsafeBuffer slab = buffer(c.slot);
        final int base = sendOffset(c.slot);
        final int mask = sendSize - 1;
        final int pos = (c.sndBufEnd - c.iss - 1) & mask;
        final int first = Math.min(length, sendSize - pos);
        slab.putBytes(base + pos, buffer, offset, first);
        if (first < length)
        {
            slab.putBytes(base, buffer, offset + first, length - first);
        }
    }

    /** Copies the queued bytes from {@code seq} into a segment being built. */
    void copySent(
        final TcpConnection c, final int seq, final int length, final MutableDirectBuffer out, final int payload)
    {
        final UnsafeBuffer slab = buffer(c.slot);
        final int base = sendOffset(c.slot);
        final int pos = (seq - c.iss - 1) & (sendSize - 1);
        final int first = Math.min(length, sendSize - pos);
        out.putBytes(payload, slab, base + pos, first);
        if (first < length)
        {
            out.putBytes(payload + first, slab, base, length - first);
        }
    }

    void storeBytes(
        final TcpConnection c, final int seq, final DirectBuffer source, final int offset, final int length)
    {
        final UnsafeBuffer slab = buffer(c.slot);
        final int base = receiveOffset(c.slot);
        final int pos = (seq - c.irs - 1) & (receiveSize - 1);
        final int first = Math.min(length, receiveSize - pos);
        slab.putBytes(base + pos, source, offset, first);
        if (first < length)
        {
            slab.putBytes(base, source, offset + first, length - first);
        }
    }

    /** Hands the application the in-order bytes held in the receive ring, in at most two pieces. */
    void deliverStored(final TcpConnection c)
    {
        final int gen = c.generation;
        while ((!c.readingPaused || c.finalDelivery) && c.readSeq != dataEnd(c) && c.generation == gen
            && c.state != TcpState.CLOSED)
        {
            final UnsafeBuffer slab = buffer(c.slot);
            final int base = receiveOffset(c.slot);
            final int pos = (c.readSeq - c.irs - 1) & (receiveSize - 1);
            final int length = Math.min(dataEnd(c) - c.readSeq, receiveSize - pos);
            final int from = c.readSeq;
            c.delivering = true;
            c.handler.onData(c, slab, base + pos, length);
            c.delivering = false;
            if (c.generation != gen || c.state == TcpState.CLOSED)
            {
                break;
            }
            // The bytes count as read only once onData has returned without keeping them (as for a segment's text).
            c.readSeq = from + length;
            if (c.finalDelivery)
            {
                c.keepUnread = 0;
            }
            else if (c.keepUnread > 0)
            {
                // The bytes are still in the ring: just step back and pause.
                c.readSeq -= Math.min(c.keepUnread, length);
                c.keepUnread = 0;
                c.readingPaused = true;
            }
        }
        if (c.peerClosedPending && c.readSeq == c.peerFinSeq && c.generation == gen && c.handler != null)
        {
            c.peerClosedPending = false;
            c.handler.onPeerClosed(c);
        }
    }

    /** The sequence number after the last in-order data byte: RCV.NXT, less one once the FIN is in. */
    static int dataEnd(final TcpConnection c)
    {
        return finReceived(c) ? c.peerFinSeq : c.rcvNxt;
    }

    static boolean finReceived(final TcpConnection c)
    {
        final TcpState s = c.state;
        return s == TcpState.CLOSE_WAIT || s == TcpState.CLOSING || s == TcpState.LAST_ACK || s == TcpState.TIME_WAIT;
    }
}
