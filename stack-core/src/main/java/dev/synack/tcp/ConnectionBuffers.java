package dev.synack.tcp;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.TcpHandler;

/**
 * Every connection's send and receive rings and the windows they set: what the application may still queue, what
 * we may advertise (RFC 9293 §3.8.6.2.2, RFC 7323 §2.3), and the in-order bytes handed to {@link TcpHandler#onData}.
 * A send ring holds [SND.UNA, end of queued data) at (seq - ISS - 1) & mask; a receive ring holds [READ.SEQ,
 * RCV.NXT) and what arrived out of order at (seq - IRS - 1) & mask, in pages of the shared pool ({@link
 * ReceivePages}), which also bounds what may be advertised.
 * <p>
 * Slot {@code s} owns {@code sendSize} bytes of send ring. A direct buffer stops below 2 GiB, and a million
 * connections at the smallest rings (1 KiB) already need 1 GiB, so the slots are spread over chunks of at most
 * {@link #MAX_CHUNK_BYTES}, a power-of-two number of slots each: a slot's chunk is a shift, its place a mask. Stack
 * thread only; never allocates after construction.
 */
final class ConnectionBuffers
{
    /** The largest chunk: 1 GiB, so a chunk's offsets never come near {@code int} overflow. */
    static final int MAX_CHUNK_BYTES = 1 << 30;

    private final UnsafeBuffer[] chunks;
    private final int slotShift;
    private final int slotMask;
    private final int sendSize;
    private final int receiveSize;
    private final ReceivePages pages;

    /**
     * @param slots connections.
     * @param sendSize send ring bytes per connection.
     * @param pages the receive rings' memory.
     * @param receiveSize receive ring bytes per connection.
     */
    ConnectionBuffers(final int slots, final int sendSize, final ReceivePages pages, final int receiveSize)
    {
        this(slots, sendSize, pages, receiveSize, MAX_CHUNK_BYTES);
    }

    /**
     * @param slots connections.
     * @param sendSize send ring bytes per connection.
     * @param pages the receive rings' memory.
     * @param receiveSize receive ring bytes per connection.
     * @param maxChunkBytes the largest chunk (tests use small ones to cross chunk boundaries cheaply).
     */
    ConnectionBuffers(
        final int slots, final int sendSize, final ReceivePages pages, final int receiveSize, final int maxChunkBytes)
    {
        if (slots < 1 || sendSize > maxChunkBytes)
        {
            throw new IllegalArgumentException("cannot fit " + slots + " slots of " + sendSize
                + " bytes in chunks of " + maxChunkBytes);
        }
        this.sendSize = sendSize;
        this.receiveSize = receiveSize;
        this.pages = pages;
        final int perChunk = Integer.highestOneBit(Math.min(slots, maxChunkBytes / sendSize));
        this.slotShift = Integer.numberOfTrailingZeros(perChunk);
        this.slotMask = perChunk - 1;
        chunks = new UnsafeBuffer[(slots + perChunk - 1) >>> slotShift];
        for (int i = 0; i < chunks.length; i++)
        {
            final int inChunk = Math.min(perChunk, slots - (i << slotShift));
            chunks[i] = new UnsafeBuffer(ByteBuffer.allocateDirect(inChunk * sendSize));
        }
    }

    /**
     * @param slot a connection's slot.
     * @return the chunk holding its send ring.
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
        return (slot & slotMask) * sendSize;
    }

    /** @return chunks allocated for send rings. */
    int chunks()
    {
        return chunks.length;
    }

    /** @return bytes allocated for send rings, all chunks. */
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
        // (RFC 7323 §2.3): leave that much of the ring, and of the reservation, free, so whatever we offer we can
        // also hold. Once the FIN is in no text is taken: the window is the ring's, the reservation is gone.
        final int ring = ringWindow(c);
        final int reserved = finReceived(c) ? ring : pages.reservedEdge(c) - ((1 << c.rcvShift) - 1) - c.rcvNxt;
        return Math.max(0, Math.min(ring, reserved));
    }

    /** @return what the ring and RCV.WND's limit allow past RCV.NXT, less the scaled field's rounding slack. */
    private int ringWindow(final TcpConnection c)
    {
        return Math.min(c.rcvLimit, receiveSize - ((1 << c.rcvShift) - 1)) - (c.rcvNxt - c.readSeq);
    }

    /**
     * Before a window is offered: reserves the pool pages the window the ring and RCV.WND's limit allow would
     * span, as far as the pool can (RFC 9293 §3.8.6.2.2: what is offered must be held). Not once the peer's FIN
     * is in: nothing more arrives.
     *
     * @return the window that may then be offered ({@link #receiveWindow}).
     */
    int reserveReceiveWindow(final TcpConnection c)
    {
        if (!finReceived(c))
        {
            final int ring = ringWindow(c);
            if (ring > 0)
            {
                pages.reserve(c, c.rcvNxt + ring + ((1 << c.rcvShift) - 1));
            }
        }
        return receiveWindow(c);
    }

    /** Reserves pages up to {@code edge}, which a window field rounded up to its scale has offered. */
    void reserveReceiveEdge(final TcpConnection c, final int edge)
    {
        if (!finReceived(c))
        {
            pages.reserve(c, edge);
        }
    }

    /** @return the sequence number no received text may reach: the end of the reservation. */
    int reservedEdge(final TcpConnection c)
    {
        return pages.reservedEdge(c);
    }

    /** IRS and READ.SEQ are newly known. */
    void receiveStart(final TcpConnection c)
    {
        pages.start(c);
    }

    /** READ.SEQ moved on: the pages it passed go back to the pool (after the FIN, the reservation too). */
    void receiveRead(final TcpConnection c)
    {
        pages.readAdvanced(c);
        if (finReceived(c))
        {
            pages.trimReservation(c, c.peerFinSeq);
        }
    }

    /** The peer's FIN is in: the reservation past the last data byte goes back. */
    void receiveFinished(final TcpConnection c)
    {
        pages.trimReservation(c, c.peerFinSeq);
    }

    /** The connection is freed. */
    void releaseReceive(final TcpConnection c)
    {
        pages.releaseAll(c);
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
        pages.store(c, seq, source, offset, length);
    }

    /**
     * Hands the application the in-order bytes held in the receive ring, a page at a time (each is one piece of
     * pool memory).
     */
    void deliverStored(final TcpConnection c)
    {
        final int gen = c.generation;
        while ((!c.readingPaused || c.finalDelivery) && c.readSeq != dataEnd(c) && c.generation == gen
            && c.state != TcpState.CLOSED)
        {
            final int from = c.readSeq;
            final int length = Math.min(dataEnd(c) - from, pages.contiguous(c, from));
            c.delivering = true;
            c.handler.onData(c, pages.buffer(c, from), pages.offset(c, from), length);
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
            receiveRead(c);
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
