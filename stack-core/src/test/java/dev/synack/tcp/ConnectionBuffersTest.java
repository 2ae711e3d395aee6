package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Every slot's two rings, spread over chunks: each slot's bytes are its own, on both sides of a chunk boundary. */
class ConnectionBuffersTest
{
    @Test
    void slotsFillWholeChunksAndTheLastChunkHoldsTheRest()
    {
        // 10 slots of 1 KiB + 2 KiB = 3 KiB in chunks of at most 16 KiB: 4 slots (12 KiB) per chunk, so 4 + 4 + 2.
        final ConnectionBuffers buffers = new ConnectionBuffers(10, 1024, 2048, 16 * 1024);
        assertEquals(3, buffers.chunks());
        assertEquals(10L * 3072, buffers.bytes());
        assertSame(buffers.buffer(0), buffers.buffer(3));
        assertNotSame(buffers.buffer(3), buffers.buffer(4));
        assertEquals(0, buffers.sendOffset(4), "slot 4 starts the second chunk");
        assertEquals(3 * 3072 + 1024, buffers.receiveOffset(7), "slot 7 is the second chunk's last");
        assertEquals(2 * 3072, buffers.buffer(9).capacity(), "the last chunk holds only slots 8 and 9");
    }

    @Test
    void everySlotsRingsAreItsOwn()
    {
        final int slots = 10;
        final ConnectionBuffers buffers = new ConnectionBuffers(slots, 1024, 2048, 16 * 1024);
        for (int s = 0; s < slots; s++)
        {
            fill(buffers.buffer(s), buffers.sendOffset(s), 1024, (byte)(2 * s + 1));
            fill(buffers.buffer(s), buffers.receiveOffset(s), 2048, (byte)(2 * s + 2));
        }
        for (int s = 0; s < slots; s++)
        {
            assertFilled(buffers.buffer(s), buffers.sendOffset(s), 1024, (byte)(2 * s + 1));
            assertFilled(buffers.buffer(s), buffers.receiveOffset(s), 2048, (byte)(2 * s + 2));
        }
    }

    @Test
    void oneSlotsRingsLargerThanAChunkAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> new ConnectionBuffers(1, 1024, 2048, 2048));
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
