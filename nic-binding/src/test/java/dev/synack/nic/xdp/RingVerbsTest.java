package dev.synack.nic.xdp;

import dev.synack.nic.ffi.OffHeap;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The five ring verbs against a fake ring in plain memory, the test playing the kernel's side — including the
 * u32 index wrap-around, which must behave like the kernel's unsigned arithmetic.
 */
class RingVerbsTest
{
    private static final int PRODUCER = 0;
    private static final int CONSUMER = 64;
    private static final int FLAGS = 128;
    private static final int DESC = 192;
    private static final int SIZE = 8;

    private final UnsafeBuffer memory = OffHeap.allocate(4096);

    private XdpMmapOffsets offsets()
    {
        final UnsafeBuffer raw = OffHeap.allocate(XdpMmapOffsets.SIZE);
        for (int ring = 0; ring < XdpMmapOffsets.SIZE; ring += XdpMmapOffsets.RING_OFFSET_SIZE)
        {
            raw.putLong(ring + XdpMmapOffsets.PRODUCER, PRODUCER);
            raw.putLong(ring + XdpMmapOffsets.CONSUMER, CONSUMER);
            raw.putLong(ring + XdpMmapOffsets.DESC, DESC);
            raw.putLong(ring + XdpMmapOffsets.FLAGS, FLAGS);
        }
        return new XdpMmapOffsets().read(raw, 0);
    }

    private void startIndicesAt(final int index)
    {
        memory.putInt(PRODUCER, index);
        memory.putInt(CONSUMER, index);
    }

    @Test
    void producerReservesAllOrNothingAndSubmitsAcrossTheWrap()
    {
        startIndicesAt(-3); // 0xFFFFFFFD: three slots before the u32 wrap
        final ProducerRing fill = new ProducerRing(memory.addressOffset(), 4096, offsets(), XdpMmapOffsets.FILL, SIZE,
            XdpDesc.UMEM_ENTRY_SIZE);
        assertEquals(SIZE, fill.free(1));
        assertEquals(0, fill.reserve(SIZE + 1));
        assertEquals(6, fill.reserve(6));
        final int first = fill.reservedIndex();
        for (int i = 0; i < 6; i++)
        {
            fill.addr(first + i, 4096L * i);
        }
        assertEquals(-3, memory.getInt(PRODUCER), "nothing visible before submit");
        fill.submit(6);
        assertEquals(3, memory.getInt(PRODUCER), "producer wrapped past 2^32");
        assertEquals(2, fill.free(3));
        assertEquals(0, fill.reserve(3));
        // the kernel consumes four: the cache is dry, so free() reads the shared consumer index
        memory.putInt(CONSUMER, 1);
        assertEquals(6, fill.free(3));
        assertEquals(2, fill.pending(), "six submitted, four consumed");
        assertEquals(4096L * 5, fill.addr(first + 5));
    }

    @Test
    void consumerPeeksReleasesAndCancels()
    {
        startIndicesAt(-2);
        final ConsumerRing rx = new ConsumerRing(memory.addressOffset(), 4096, offsets(), XdpMmapOffsets.RX, SIZE,
            XdpDesc.SIZE);
        assertEquals(0, rx.peek(4));
        // the kernel produces three descriptors across the wrap
        for (int i = 0; i < 3; i++)
        {
            final int at = DESC + ((-2 + i) & (SIZE - 1)) * XdpDesc.SIZE;
            memory.putLong(at + XdpDesc.ADDR, 2048L * i);
            memory.putInt(at + XdpDesc.LEN, 60 + i);
        }
        memory.putInt(PRODUCER, 1);
        assertEquals(2, rx.peek(2));
        assertEquals(-2, rx.peekedIndex());
        assertEquals(61, rx.descLen(rx.peekedIndex() + 1));
        rx.cancel(1);
        assertEquals(2, rx.peek(8));
        assertEquals(-1, rx.peekedIndex());
        assertEquals(4096L, rx.descAddr(rx.peekedIndex() + 1));
        rx.release(3);
        assertEquals(1, memory.getInt(CONSUMER), "consumer wrapped past 2^32");
        assertEquals(0, rx.peek(8));
    }

    @Test
    void needsWakeupReadsTheFlagsWord()
    {
        startIndicesAt(0);
        final ProducerRing tx = new ProducerRing(memory.addressOffset(), 4096, offsets(), XdpMmapOffsets.TX, SIZE,
            XdpDesc.SIZE);
        assertFalse(tx.needsWakeup());
        memory.putInt(FLAGS, XdpConstants.XDP_RING_NEED_WAKEUP);
        assertTrue(tx.needsWakeup());
    }
}
