package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.junit.jupiter.api.Test;

class FrameRingTest
{
    private static final int TYPE = 1;

    @Test
    void recordsComeOutInOrderWithTheirTypeAndBytes()
    {
        final FrameRing ring = FrameRing.allocate(1024);
        assertTrue(ring.write(TYPE, frame(60, 1), 0, 60));
        assertTrue(ring.write(7, frame(3, 2), 0, 3));
        final List<String> seen = new ArrayList<>();
        assertEquals(2, ring.read((type, buffer, index, length) -> seen.add(type + ":" + length + ":"
            + buffer.getByte(index) + ":" + buffer.getByte(index + length - 1))));
        assertEquals(List.of("1:60:1:60", "7:3:2:4"), seen);
        assertEquals(0, ring.read((type, buffer, index, length) -> seen.add("more")));
        assertEquals(ring.producerPosition(), ring.consumerPosition());
        assertEquals(0, ring.size());
    }

    @Test
    void aRecordThatDoesNotFitBeforeTheEndWrapsBehindPadding()
    {
        final FrameRing ring = FrameRing.allocate(1024);
        final int[] lengths = new int[1];
        for (int i = 0; i < 100; i++)
        {
            // 136-byte records: 1024 is not a multiple, so every lap ends in a padding record
            assertTrue(ring.write(TYPE, frame(128, i), 0, 128), "write " + i);
            final int round = i;
            assertEquals(1, ring.read((type, buffer, index, length) ->
            {
                assertEquals(TYPE, type);
                assertEquals(128, length);
                assertEquals((byte)(round + 127), buffer.getByte(index + 127));
                lengths[0] += length;
            }));
        }
        assertEquals(100 * 128, lengths[0]);
    }

    @Test
    void aFullRingRefusesUntilTheConsumerFreesSpace()
    {
        final FrameRing ring = FrameRing.allocate(1024);
        int written = 0;
        while (ring.write(TYPE, frame(120, written), 0, 120))
        {
            written++;
        }
        assertEquals(8, written, "1024 bytes hold eight 128-byte records");
        assertEquals(RingBuffer.INSUFFICIENT_CAPACITY, ring.tryClaim(TYPE, 120));
        assertEquals(1, ring.read(FrameRingTest::ignore, 1));
        assertTrue(ring.write(TYPE, frame(120, 99), 0, 120));
        assertEquals(8, ring.read(FrameRingTest::ignore));
    }

    @Test
    void aClaimIsInvisibleUntilCommittedAndAnAbortLeavesNothing()
    {
        final FrameRing ring = FrameRing.allocate(1024);
        int index = ring.tryClaim(TYPE, 10);
        ring.buffer().putByte(index, (byte)42);
        assertEquals(0, ring.read(FrameRingTest::ignore), "not committed yet");
        ring.commit(index);
        final int[] got = new int[2];
        assertEquals(1, ring.read((type, buffer, i, length) ->
        {
            got[0] = buffer.getByte(i);
            got[1] = length;
        }));
        assertEquals(42, got[0]);
        assertEquals(10, got[1]);

        index = ring.tryClaim(TYPE, 10);
        ring.abort(index);
        assertEquals(0, ring.read(FrameRingTest::ignore));
        assertEquals(ring.producerPosition(), ring.consumerPosition());
    }

    @Test
    void oneClaimAtATimeAndOnlyTheClaimedIndexCommits()
    {
        final FrameRing ring = FrameRing.allocate(1024);
        final int index = ring.tryClaim(TYPE, 10);
        assertThrows(IllegalStateException.class, () -> ring.tryClaim(TYPE, 10));
        assertThrows(IllegalStateException.class, () -> ring.write(TYPE, frame(4, 0), 0, 4));
        assertThrows(IllegalStateException.class, () -> ring.commit(index + 8));
        ring.commit(index);
        assertThrows(IllegalStateException.class, () -> ring.commit(index));
    }

    @Test
    void badArgumentsAreRefusedClearly()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new FrameRing(new UnsafeBuffer(new byte[1000 + org.agrona.concurrent.ringbuffer
                .RingBufferDescriptor.TRAILER_LENGTH])));
        final FrameRing ring = FrameRing.allocate(1024);
        assertThrows(IllegalArgumentException.class, () -> ring.write(TYPE, frame(200, 0), 0, 200),
            "longer than capacity / 8");
        assertThrows(IllegalArgumentException.class, () -> ring.write(0, frame(4, 0), 0, 4), "type 0");
        assertThrows(IndexOutOfBoundsException.class, () -> ring.write(TYPE, frame(4, 0), 2, 4));
        assertEquals(0, ring.size(), "a refused write leaves nothing behind");
    }

    @Test
    void controlledReadHonoursAbortBreakAndCommit()
    {
        final FrameRing ring = FrameRing.allocate(1024);
        for (int i = 0; i < 4; i++)
        {
            ring.write(TYPE, frame(8, i), 0, 8);
        }
        assertEquals(0, ring.controlledRead((type, buffer, index, length) -> ControlledMessageHandler.Action.ABORT));
        final List<Byte> seen = new ArrayList<>();
        assertEquals(1, ring.controlledRead((type, buffer, index, length) ->
        {
            seen.add(buffer.getByte(index));
            return ControlledMessageHandler.Action.BREAK;
        }));
        assertEquals(3, ring.controlledRead((type, buffer, index, length) ->
        {
            seen.add(buffer.getByte(index));
            return ControlledMessageHandler.Action.COMMIT;
        }));
        assertEquals(List.of((byte)0, (byte)1, (byte)2, (byte)3), seen);
    }

    @Test
    void aThrowingHandlerConsumesTheRecordItFailedOn()
    {
        final FrameRing ring = FrameRing.allocate(1024);
        ring.write(TYPE, frame(8, 0), 0, 8);
        ring.write(TYPE, frame(8, 1), 0, 8);
        assertThrows(IllegalStateException.class, () -> ring.read((type, buffer, index, length) ->
        {
            throw new IllegalStateException("handler");
        }));
        final byte[] next = new byte[1];
        assertEquals(1, ring.read((type, buffer, index, length) -> next[0] = buffer.getByte(index)));
        assertEquals(1, next[0]);
    }

    /** Two threads, a small ring so it wraps and fills constantly: every record arrives once, in order, intact. */
    @Test
    void aProducerAndAConsumerOnTwoThreadsLoseAndTearNothing() throws Exception
    {
        final FrameRing ring = FrameRing.allocate(4096);
        final int records = 500_000;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread producer = new Thread(() ->
        {
            final UnsafeBuffer src = new UnsafeBuffer(new byte[256]);
            for (int i = 0; i < records; i++)
            {
                final int length = 8 + (i % 200);
                src.putInt(0, i);
                src.putInt(length - 4, ~i);
                if ((i & 1) == 0)
                {
                    while (!ring.write(TYPE, src, 0, length))
                    {
                        Thread.onSpinWait();
                    }
                }
                else
                {
                    int index;
                    while ((index = ring.tryClaim(TYPE, length)) < 0)
                    {
                        Thread.onSpinWait();
                    }
                    ring.buffer().putBytes(index, src, 0, length);
                    ring.commit(index);
                }
            }
        });
        producer.setUncaughtExceptionHandler((t, e) -> failure.set(e));
        producer.start();
        final int[] expected = new int[1];
        final long deadline = System.nanoTime() + 60_000_000_000L;
        while (expected[0] < records && failure.get() == null && System.nanoTime() < deadline)
        {
            ring.read((type, buffer, index, length) ->
            {
                final int i = expected[0]++;
                if (length != 8 + (i % 200) || buffer.getInt(index) != i || buffer.getInt(index + length - 4) != ~i)
                {
                    throw new AssertionError("record " + i + " torn or out of order: length " + length);
                }
            }, 64);
        }
        producer.join(10_000);
        assertEquals(null, failure.get());
        assertEquals(records, expected[0]);
        assertFalse(producer.isAlive());
    }

    private static void ignore(
        final int type, final org.agrona.MutableDirectBuffer buffer, final int index, final int length)
    {
        // records are only counted
    }

    private static UnsafeBuffer frame(final int length, final int first)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length]);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)(first + i));
        }
        return buffer;
    }
}
