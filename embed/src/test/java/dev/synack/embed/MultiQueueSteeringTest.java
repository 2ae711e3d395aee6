package dev.synack.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

import dev.synack.nic.rss.RssSteering;
import dev.synack.stack.StackConfig;
import dev.synack.tcp.LocalPortFilter;

/**
 * Which stack a received frame goes to when two queues' stacks share one address: ARP replies to every stack, TCP
 * segments to an ephemeral port to the port's owner (by port, when the NIC's RSS cannot be predicted), everything
 * else (passive flows, other protocols, fragments, runts) to the queue's own stack; and the port partition gives
 * every port to exactly one stack.
 */
class MultiQueueSteeringTest
{
    private final CountersManager counters = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(8 * CountersReader.METADATA_LENGTH)),
        new UnsafeBuffer(ByteBuffer.allocateDirect(8 * CountersReader.COUNTER_LENGTH)), StandardCharsets.US_ASCII);
    private final AtomicCounter handedOver = counters.newCounter("handed over");
    private final AtomicCounter arpCopies = counters.newCounter("ARP copies");
    private final AtomicCounter full = counters.newCounter("full");
    private final RingBuffer own = ring(false);
    private final RingBuffer[] handover = {ring(true), ring(true)};
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[128]);

    @Test
    void arpRepliesReachEveryStackAndRequestsStay()
    {
        final QueueSteering steering = new QueueSteering(0, own, handover, true, handedOver, arpCopies, full,
            StackConfig.DEFAULT_EPHEMERAL_FIRST, 0xFFFF);
        assertEquals(-1, steering.target(frame, 0, arp(2)), "reply: every stack");
        assertTrue(steering.onFrame(frame, 0, arp(2)));
        assertTrue(own.size() > 0, "our own stack has it too");
        assertTrue(handover[1].size() > 0, "copied to the other stack");
        assertEquals(0, handover[0].size(), "not to our own handover ring");
        assertEquals(1, arpCopies.get());
        assertEquals(0, steering.target(frame, 0, arp(1)), "a request is answered where it lands");
    }

    @Test
    void segmentsToAnotherStacksEphemeralPortAreHandedOverByPort()
    {
        final QueueSteering steering = new QueueSteering(0, own, handover, true, handedOver, arpCopies, full,
            StackConfig.DEFAULT_EPHEMERAL_FIRST, 0xFFFF);
        assertEquals(1, steering.target(frame, 0, tcp(50001, 0)), "50001 is odd: stack 1's");
        assertEquals(0, steering.target(frame, 0, tcp(50000, 0)), "50000 is ours");
        assertEquals(0, steering.target(frame, 0, tcp(7, 0)), "a passive flow stays where it lands");
        assertEquals(0, steering.target(frame, 0, tcp(50001, 185)), "a later fragment has no ports: ours to drop");
        assertEquals(0, steering.target(frame, 0, tcp(50001, 0) - 30), "a runt: ours to drop");
        frame.putByte(14 + 9, (byte)17);
        assertEquals(0, steering.target(frame, 0, 60), "UDP: ours");
        assertTrue(steering.onFrame(frame, 0, tcp(50001, 0)));
        assertEquals(1, handedOver.get());
        assertTrue(handover[1].size() > 0);
        assertEquals(0, own.size());
    }

    @Test
    void withPredictableRssNoSegmentIsHandedOver()
    {
        final QueueSteering steering = new QueueSteering(1, own, handover, false, handedOver, arpCopies, full,
            StackConfig.DEFAULT_EPHEMERAL_FIRST, 0xFFFF);
        assertEquals(1, steering.target(frame, 0, tcp(50000, 0)));
        assertEquals(-1, steering.target(frame, 0, arp(2)), "ARP replies still reach every stack");
    }

    @Test
    void everyEphemeralPortBelongsToExactlyOneStack()
    {
        for (int stacks = 1; stacks <= 4; stacks++)
        {
            for (int port = 49152; port <= 65535; port++)
            {
                int owners = 0;
                for (int i = 0; i < stacks; i++)
                {
                    owners += QueueSteering.ownsPort(i, stacks, port) ? 1 : 0;
                }
                assertEquals(1, owners, "port " + port + " with " + stacks + " stacks");
            }
        }
    }

    @Test
    void withPredictableRssEachStackTakesThePortsWhoseHashLandsOnItsQueue()
    {
        final byte[] key = HexFormat.of().parseHex(
            "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa");
        final int[] table = new int[128];
        for (int i = 0; i < table.length; i++)
        {
            table[i] = 4 + i % 4; // queues 4..7, as `ethtool -X eth1 start 4 equal 4`
        }
        final RssSteering rss = new RssSteering(key, table);
        final int us = 0xC6120001;   // 198.18.0.1
        final int peer = 0xC6120002; // 198.18.0.2
        int taken = 0;
        for (int index = 0; index < 4; index++)
        {
            final LocalPortFilter filter = SynackStack.portFilter(new SynackStack.Shard(index, 4 + index, null, null,
                null, new RingBuffer[4], rss), us);
            for (int port = 49152; port <= 65535; port++)
            {
                if (filter.accept(peer, 80, port))
                {
                    taken++;
                    assertEquals(4 + index, rss.queueOf(peer, us, 80, port), "port " + port);
                }
            }
        }
        assertEquals(65536 - 49152, taken, "every port is some queue's, none two queues'");
    }

    private int arp(final int operation)
    {
        frame.setMemory(0, frame.capacity(), (byte)0);
        frame.putShort(12, (short)0x0806, ByteOrder.BIG_ENDIAN);
        frame.putShort(14 + 6, (short)operation, ByteOrder.BIG_ENDIAN);
        return 14 + 28;
    }

    private int tcp(final int destinationPort, final int fragmentOffset)
    {
        frame.setMemory(0, frame.capacity(), (byte)0);
        frame.putShort(12, (short)0x0800, ByteOrder.BIG_ENDIAN);
        frame.putByte(14, (byte)0x45);
        frame.putShort(14 + 6, (short)fragmentOffset, ByteOrder.BIG_ENDIAN);
        frame.putByte(14 + 9, (byte)6);
        frame.putShort(14 + 20, (short)7, ByteOrder.BIG_ENDIAN);
        frame.putShort(14 + 22, (short)destinationPort, ByteOrder.BIG_ENDIAN);
        return 14 + 20 + 20;
    }

    private static RingBuffer ring(final boolean manyToOne)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024
            + RingBufferDescriptor.TRAILER_LENGTH));
        return manyToOne ? new ManyToOneRingBuffer(buffer) : new OneToOneRingBuffer(buffer);
    }
}
