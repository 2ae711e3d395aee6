package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.memwire.FaultPlan;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpState;
import dev.synack.test.RecordingHandler;
import dev.synack.test.StackPair;
import dev.synack.test.TestStack;

/**
 * The frame tap sees exactly the frames on the wire, in order and direction: A's outbound frames are what the
 * {@link dev.synack.memwire.MemoryWire} carried from A (the echo request that waited for ARP among them, after
 * the ARP reply that released it), A's inbound frames what it carried to A; the same for B. The
 * {@link RingFrameTap} hands the same records to a ring and counts what a full ring made it drop.
 */
class FrameTapTest
{
    private static final int PORT = 7;
    private static final long MSL_NS = TimeUnit.MILLISECONDS.toNanos(10);

    /** One tapped frame: direction, time and a copy of the bytes. */
    private record Seen(boolean outbound, long timeNs, byte[] bytes)
    {
    }

    private static FrameTap recorder(final List<Seen> into)
    {
        return (outbound, buffer, offset, length, timeNs) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            into.add(new Seen(outbound, timeNs, bytes));
        };
    }

    /** ARP, a ping that waits for it, one TCP connection with 5 bytes each way, close, TIME-WAIT to the end. */
    private static void scenario(final StackPair pair)
    {
        assertTrue(pair.a.agent.ping(StackPair.B_IP, 0x5A, 1, 56), "parked while ARP resolves");
        pair.advance(TimeUnit.MILLISECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
        final RecordingHandler server = new RecordingHandler()
        {
            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                super.onData(connection, buffer, offset, length);
                connection.send(buffer, offset, length);
                connection.close();
            }
        };
        pair.b.agent.tcp().listen(PORT, server);
        pair.a.agent.tcp().connect(StackPair.B_IP, PORT, new TcpHandler()
        {
            @Override
            public void onOpen(final TcpConnection connection)
            {
                final UnsafeBuffer hello = new UnsafeBuffer("hello".getBytes(StandardCharsets.US_ASCII));
                connection.send(hello, 0, hello.capacity());
            }

            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                connection.close();
            }

            @Override
            public void onClosed(final TcpConnection connection, final CloseReason reason)
            {
            }
        });
        pair.advance(4 * MSL_NS, TimeUnit.MICROSECONDS.toNanos(500));
        assertEquals(0, pair.a.agent.tcp().connectionsInUse(), "A's TIME-WAIT over");
        assertEquals(0, pair.b.agent.tcp().connectionsIn(TcpState.ESTABLISHED));
    }

    private static StackPair pair()
    {
        return new StackPair(StackPair.configA().maxConnections(4).msl(10, TimeUnit.MILLISECONDS),
            StackPair.configB().maxConnections(4).msl(10, TimeUnit.MILLISECONDS), FaultPlan.none(), FaultPlan.none(),
            1 << 20);
    }

    @Test
    void tapSeesExactlyTheFramesOnTheWireInOrderAndDirection()
    {
        final StackPair pair = pair();
        final List<Seen> wireFromA = new ArrayList<>();
        final List<Seen> wireFromB = new ArrayList<>();
        pair.wire.tap((fromA, index, fate, buffer, offset, length) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            (fromA ? wireFromA : wireFromB).add(new Seen(fromA, 0, bytes));
        });
        final List<Seen> a = new ArrayList<>();
        final List<Seen> b = new ArrayList<>();
        pair.a.agent.tap(recorder(a));
        pair.b.agent.tap(recorder(b));

        scenario(pair);

        assertSame(wireFromA, a, true, "A's sent frames");
        assertSame(wireFromB, a, false, "A's received frames");
        assertSame(wireFromB, b, true, "B's sent frames");
        assertSame(wireFromA, b, false, "B's received frames");
        // ARP request, (B's reply received), the parked echo request, (echo reply received), then TCP
        final List<String> aKinds = new ArrayList<>();
        for (final Seen s : a)
        {
            aKinds.add((s.outbound() ? "out " : "in ") + kind(s.bytes()));
        }
        assertEquals(List.of("out ARP", "in ARP", "out ICMP", "in ICMP", "out TCP", "in TCP"), aKinds.subList(0, 6),
            aKinds.toString());
        assertEquals(wireFromA.size() + wireFromB.size(), a.size());
        for (int i = 1; i < a.size(); i++)
        {
            assertTrue(a.get(i).timeNs() >= a.get(i - 1).timeNs(), "times never go back");
        }
        assertTrue(a.get(a.size() - 1).timeNs() > 0, "stamped with the stack's clock");
    }

    @Test
    void tapOffSeesNothingAndTapCanBeRemoved()
    {
        final StackPair pair = pair();
        final List<Seen> a = new ArrayList<>();
        pair.a.agent.tap(recorder(a));
        pair.a.agent.tap(null);
        scenario(pair);
        assertEquals(0, a.size());
    }

    @Test
    void ringTapCopiesEveryFrameWithTimeAndDirection()
    {
        final StackPair pair = pair();
        final List<Seen> direct = new ArrayList<>();
        final RingBuffer ring = TestStack.ring(1 << 20);
        final RingFrameTap ringTap = new RingFrameTap(ring);
        final FrameTap record = recorder(direct);
        pair.a.agent.tap((outbound, buffer, offset, length, timeNs) ->
        {
            record.onFrame(outbound, buffer, offset, length, timeNs);
            ringTap.onFrame(outbound, buffer, offset, length, timeNs);
        });
        scenario(pair);

        final List<Seen> fromRing = new ArrayList<>();
        ring.read((type, buffer, index, length) ->
        {
            final byte[] bytes = new byte[length - RingFrameTap.FRAME_OFFSET];
            buffer.getBytes(index + RingFrameTap.FRAME_OFFSET, bytes);
            fromRing.add(new Seen(type == RingFrameTap.MSG_OUTBOUND,
                buffer.getLong(index + RingFrameTap.TIME_OFFSET), bytes));
        }, Integer.MAX_VALUE);
        assertEquals(direct.size(), fromRing.size());
        for (int i = 0; i < direct.size(); i++)
        {
            assertEquals(direct.get(i).outbound(), fromRing.get(i).outbound(), "direction of frame " + i);
            assertEquals(direct.get(i).timeNs(), fromRing.get(i).timeNs(), "time of frame " + i);
            assertArrayEquals(direct.get(i).bytes(), fromRing.get(i).bytes(), "bytes of frame " + i);
        }
        assertEquals(direct.size(), ringTap.captured());
        assertEquals(0, ringTap.dropped());
    }

    @Test
    void aFullRingDropsAndCountsNeverBlocks()
    {
        final RingBuffer ring = TestStack.ring(1024);
        final RingFrameTap tap = new RingFrameTap(ring);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[100]);
        for (int i = 0; i < 20; i++)
        {
            tap.onFrame(true, frame, 0, 100, i);
        }
        // each record: 8 B ring header + 8 B time + 100 B, aligned to 8 → 120 B; 1024 B hold 8
        assertEquals(8, tap.captured());
        assertEquals(12, tap.dropped());
        tap.onFrame(false, new UnsafeBuffer(new byte[200]), 0, 200, 0);
        assertEquals(13, tap.dropped(), "larger than the ring's largest message (1024 / 8 = 128 B)");
    }

    private static void assertSame(final List<Seen> wire, final List<Seen> tapped, final boolean outbound,
        final String what)
    {
        final List<Seen> filtered = new ArrayList<>();
        for (final Seen s : tapped)
        {
            if (s.outbound() == outbound)
            {
                filtered.add(s);
            }
        }
        assertEquals(wire.size(), filtered.size(), what + ": count");
        assertTrue(wire.size() >= 5, what + ": the scenario put frames on the wire");
        for (int i = 0; i < wire.size(); i++)
        {
            assertArrayEquals(wire.get(i).bytes(), filtered.get(i).bytes(), what + ": frame " + i);
        }
    }

    private static String kind(final byte[] frame)
    {
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        final int type = b.getShort(12, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (type == EthernetFrame.TYPE_ARP)
        {
            return "ARP";
        }
        return b.getByte(23) == 1 ? "ICMP" : b.getByte(23) == 6 ? "TCP" : "other";
    }
}
