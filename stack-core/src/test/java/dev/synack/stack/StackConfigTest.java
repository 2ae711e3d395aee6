package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;
import dev.synack.test.TestStack;
import dev.synack.time.ManualNanoClock;

/** Wrong sizes are refused with a message that names the fix, before anything is allocated. */
class StackConfigTest
{
    private static StackConfig valid()
    {
        return new StackConfig().name("c").mac("02:00:00:00:00:01").ip("198.18.0.1/24");
    }

    @Test
    void aMillionConnectionsAtTheSmallestRingsFitThoughTheirRingsPassTwoGib()
    {
        // 1,048,576 × (1 KiB + 1 KiB) = 2 GiB: more than one direct buffer holds, so the rings live in chunks.
        valid().maxConnections(1 << 20).sendBufferSize(1024).receiveBufferSize(1024).validate();
        valid().maxConnections(16_384).sendBufferSize(65_536).receiveBufferSize(65_536).validate();
    }

    @Test
    void ephemeralPortsAreARangeWithinOneTo65535()
    {
        assertEquals(49_152, valid().ephemeralFirst());
        assertEquals(65_535, valid().ephemeralLast());
        valid().ephemeralPorts(1024, 65_535).validate();
        valid().ephemeralPorts(40_000, 40_000).validate();
        for (final int[] bad : new int[][] {{0, 100}, {50_000, 40_000}, {1024, 65_536}})
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> valid().ephemeralPorts(bad[0], bad[1]).validate());
            assertTrue(ex.getMessage().contains("ephemeralPorts must be first..last within 1..65535"),
                ex.getMessage());
        }
    }

    @Test
    void theInitialReceiveWindowLiesBetweenTwoSegmentsAndTheBuffer()
    {
        assertEquals(64 * 1024, valid().receiveBufferSize(1 << 20).receiveWindowInitial());
        assertEquals(4096, valid().receiveBufferSize(4096).receiveWindowInitial(), "min(64 KiB, the buffer)");
        valid().receiveBufferSize(1 << 20).receiveWindowInitial(2 * 1460).validate();
        valid().receiveBufferSize(1024).validate(); // a buffer under two segments is its own initial window
        final IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> valid().receiveWindowInitial(2 * 1460 - 1).validate());
        assertTrue(small.getMessage().contains("receiveWindowInitial must be 2920..65536"), small.getMessage());
        final IllegalArgumentException large = assertThrows(IllegalArgumentException.class,
            () -> valid().receiveBufferSize(65_536).receiveWindowInitial(65_537).validate());
        assertTrue(large.getMessage().contains("receiveWindowInitial"), large.getMessage());
    }

    @Test
    void theReceivePoolIsWholePagesFromOneBufferToEveryBuffer()
    {
        final StackConfig defaults = valid().maxConnections(100).receiveBufferSize(1 << 16);
        assertEquals(4096, defaults.receivePageSize());
        assertEquals(100L << 16, defaults.receivePoolBytes(), "every connection's whole buffer, as without a pool");
        assertEquals(1024, valid().receiveBufferSize(1024).receivePageSize(), "a page is never past the buffer");
        valid().maxConnections(100).receivePoolBytes(1 << 16).receivePageSize(256).validate();
        final IllegalArgumentException page = assertThrows(IllegalArgumentException.class,
            () -> valid().receivePageSize(3000).validate());
        assertTrue(page.getMessage().contains("receivePageSize must be a power of two in 256..65536"),
            page.getMessage());
        final IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> valid().receivePoolBytes(4096).validate());
        assertTrue(small.getMessage().contains("receivePoolBytes must be a multiple of receivePageSize (4096) from"
            + " receiveBufferSize (65536)"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> valid().receivePoolBytes(65_536 + 100).validate());
        assertThrows(IllegalArgumentException.class,
            () -> valid().maxConnections(2).receivePoolBytes(3L << 16).validate());
    }

    @Test
    void oneConnectionsRingsPastAChunkAreRefusedNotOverflowed()
    {
        // One slot's two rings must fit in one 1 GiB chunk; 2^30 + 2^30 would wrap an int negative.
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> valid()
            .maxConnections(1).sendBufferSize(1 << 30).receiveBufferSize(1 << 30).validate());
        assertTrue(ex.getMessage().contains("1 GiB") && ex.getMessage().contains("lower"), ex.getMessage());
        valid().maxConnections(1).sendBufferSize(1 << 29).receiveBufferSize(1 << 29).validate();
    }

    @Test
    void outOfOrderRangesPastWhatOneArrayHoldsAreRefusedNotOverflowed()
    {
        // 4,194,304 × 1,024 ranges = 2^32 ints: the flat array's int size would wrap to 0.
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> valid()
            .maxConnections(1 << 22).outOfOrderSegments(1024).validate());
        assertTrue(ex.getMessage().contains("outOfOrderSegments") && ex.getMessage().contains("lower"),
            ex.getMessage());
        valid().maxConnections(1 << 22).outOfOrderSegments(16).validate();
    }

    @Test
    void ringsPastTheJvmsDirectMemoryAreRefusedAtConstructionNotByAnOutOfMemoryError()
    {
        // 512 MiB each way: a GiB per connection; one more connection than this JVM's limit holds.
        final long limit = DirectMemory.limit();
        final int fit = (int)(limit >> 30);
        final int ring = 1 << 29;
        final StackConfig tooMany = valid().maxConnections(fit + 1).sendBufferSize(ring).receiveBufferSize(ring);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> new TestStack(tooMany, new ManualNanoClock(), 1 << 16));
        final long needed = (fit + 1L) << 30;
        assertEquals("stack config: " + (fit + 1) + " connections × (536870912 send + 536870912 receive ring bytes) = "
            + needed + " bytes of direct memory, more than this JVM may allocate (" + limit + " bytes): raise"
            + " -XX:MaxDirectMemorySize (to " + needed + " and a few MiB more), or lower maxConnections,"
            + " sendBufferSize or receiveBufferSize", ex.getMessage());
        // Exactly the limit passes the check (checked alone: not allocated here); a small stack is built.
        DirectMemory.requireRings(valid().maxConnections(fit).sendBufferSize(ring).receiveBufferSize(ring), 1, limit);
        DirectMemory.requireRings(valid().maxConnections(2).sendBufferSize(1024).receiveBufferSize(1024), 1, 4096);
        assertThrows(IllegalArgumentException.class, () -> DirectMemory.requireRings(
            valid().maxConnections(2).sendBufferSize(1024).receiveBufferSize(1024), 1, 4095));
        assertEquals("S", new TestStack(RawPeer.config(), new ManualNanoClock(), 1 << 16).agent.config().name());
    }

    @Test
    void otherNonsenseIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> valid().maxConnections(0).validate());
        assertThrows(IllegalArgumentException.class, () -> valid().sendBufferSize(3000).validate());
        assertThrows(IllegalArgumentException.class, () -> valid().neighbourQueue(0).validate());
        assertThrows(IllegalArgumentException.class, () -> valid().delayedAck(600, TimeUnit.MILLISECONDS).validate());
        assertThrows(IllegalArgumentException.class, () -> valid().congestionControl(null).validate());
    }

    @Test
    void theIsnSecretIsDrawnAtRandomUnlessInjected()
    {
        // RFC 6528 §3: a constant key would let anyone who reads the source compute every ISN synack picks.
        assertNotEquals(valid().isnSecret(), valid().isnSecret());
        assertEquals(42L, valid().isnSecret(42L).isnSecret(), "a test injects its own");
        // Two stacks built the same way, the same SYN at the same time: different ephemeral ports and ISNs.
        final RawPeer one = new RawPeer(RawPeer.config());
        final RawPeer two = new RawPeer(RawPeer.config());
        one.stack.agent.tcp().connect(RawPeer.PEER_IP, 5000, new RecordingHandler());
        two.stack.agent.tcp().connect(RawPeer.PEER_IP, 5000, new RecordingHandler());
        final Seg first = one.expect(Seg.seg().syn());
        final Seg second = two.expect(Seg.seg().syn());
        assertNotEquals(first.seq, second.seq, first + " and " + second);
    }
}
