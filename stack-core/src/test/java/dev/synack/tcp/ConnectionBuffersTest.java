package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.stat.StackCounters;

/** Every slot's send ring, spread over chunks: each slot's bytes are its own, on both sides of a chunk boundary. */
class ConnectionBuffersTest
{
    private static ConnectionBuffers buffers(final int slots, final int sendSize, final int maxChunkBytes)
    {
        final ReceivePages pages = new ReceivePages(StackCounters.onHeap("t"), slots, 2048, 1024, 2, 1 << 20);
        return new ConnectionBuffers(slots, sendSize, pages, 2048, maxChunkBytes);
    }

    @Test
    void slotsFillWholeChunksAndTheLastChunkHoldsTheRest()
    {
        // 10 slots of 3 KiB in chunks of at most 16 KiB: 4 slots (12 KiB) per chunk, so 4 + 4 + 2.
        final ConnectionBuffers buffers = buffers(10, 3072, 16 * 1024);
        assertEquals(3, buffers.chunks());
        assertEquals(10L * 3072, buffers.bytes());
        assertSame(buffers.buffer(0), buffers.buffer(3));
        assertNotSame(buffers.buffer(3), buffers.buffer(4));
        assertEquals(0, buffers.sendOffset(4), "slot 4 starts the second chunk");
        assertEquals(3 * 3072, buffers.sendOffset(7), "slot 7 is the second chunk's last");
        assertEquals(2 * 3072, buffers.buffer(9).capacity(), "the last chunk holds only slots 8 and 9");
    }

    @Test
    void everySlotsRingIsItsOwn()
    {
        final int slots = 10;
        final ConnectionBuffers buffers = buffers(slots, 1024, 4 * 1024);
        for (int s = 0; s < slots; s++)
        {
            fill(buffers.buffer(s), buffers.sendOffset(s), 1024, (byte)(s + 1));
        }
        for (int s = 0; s < slots; s++)
        {
            assertFilled(buffers.buffer(s), buffers.sendOffset(s), 1024, (byte)(s + 1));
        }
    }

    @Test
    void oneSlotsRingLargerThanAChunkIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> buffers(1, 4096, 2048));
    }

    private static void fill(final UnsafeBuffer buffer, final int offset, final int length, final byte value)
    {
        buffer.setMemory(offset, length, value);
    }

    private static void assertFilled(final UnsafeBuffer buffer, final int offset, final int length, final byte value)
    {
        for (int i = 0; i < length; i++)
        {
            assertEquals(value, buffer.getByte(offset + i), "byte " + i + " at " + offset);
        }
    }
}
