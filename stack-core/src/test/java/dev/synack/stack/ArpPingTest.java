package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.arp.ArpPacket;
import dev.synack.ip.IcmpEcho;
import dev.synack.ip.Ipv4Address;
import dev.synack.ip.Ipv4Header;
import dev.synack.memwire.FaultPlan;
import dev.synack.memwire.WireTap;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.test.StackPair;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.MacAddress;

/**
 * A pings B over a {@link dev.synack.memwire.MemoryWire} with empty neighbour tables: ARP resolves B, the
 * parked echo request leaves, the reply comes back; a lost ARP request is retried after the interval; an absent
 * B makes A give up after its retries. Every frame on the wire is checked.
 */
class ArpPingTest
{
    private static final long A_MAC = MacAddress.parse(StackPair.A_MAC);
    private static final long B_MAC = MacAddress.parse(StackPair.B_MAC);
    private static final long RETRY_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int RETRIES = 2;

    private final List<String> wire = new ArrayList<>();
    private final List<String> replies = new ArrayList<>();

    private StackPair pair(final FaultPlan aToB)
    {
        final StackConfig a = StackPair.configA().maxConnections(4).arpRetryInterval(500, TimeUnit.MILLISECONDS)
            .arpRetries(RETRIES);
        final StackConfig b = StackPair.configB().maxConnections(4);
        final StackPair pair = new StackPair(a, b, aToB, FaultPlan.none(), 1 << 20);
        pair.wire.tap(this::record);
        pair.a.agent.icmp().listener((source, id, seq, length) ->
            replies.add(Ipv4Address.toString(source) + " id=" + id + " seq=" + seq + " len=" + length));
        return pair;
    }

    @Test
    void pingResolvesTheNeighbourThenGetsItsReply()
    {
        final StackPair pair = pair(FaultPlan.none());
        assertTrue(pair.a.agent.ping(StackPair.B_IP, 0x5A, 1, 56), "parked while ARP resolves");
        pair.settle();

        assertEquals(List.of(
            "A>B #1 DELIVERED ARP request ff:ff:ff:ff:ff:ff<02:00:00:00:00:01 who-has 198.18.0.2 tell 198.18.0.1",
            "B>A #1 DELIVERED ARP reply 02:00:00:00:00:01<02:00:00:00:00:02 198.18.0.2 is-at 02:00:00:00:00:02",
            "A>B #2 DELIVERED ICMP echo-request 198.18.0.1>198.18.0.2 id=90 seq=1 len=84 "
                + "02:00:00:00:00:02<02:00:00:00:00:01",
            "B>A #2 DELIVERED ICMP echo-reply 198.18.0.2>198.18.0.1 id=90 seq=1 len=84 "
                + "02:00:00:00:00:01<02:00:00:00:00:02"), wire);
        assertEquals(List.of("198.18.0.2 id=90 seq=1 len=56"), replies);
        assertEquals(B_MAC, pair.a.agent.neighbours().lookup(StackPair.B_IP));
        assertEquals(A_MAC, pair.b.agent.neighbours().lookup(StackPair.A_IP), "B learned A from the request");
        assertEquals(1, pair.a.counters.get(StackCounter.ARP_REQUESTS_SENT));
        assertEquals(1, pair.b.counters.get(StackCounter.ARP_REPLIES_SENT));
        assertEquals(1, pair.b.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT));
        assertEquals(1, pair.a.counters.get(StackCounter.ICMP_ECHO_REPLIES_RECEIVED));
        assertEquals(0, pair.a.counters.get(StackCounter.FRAMES_DROPPED));
        assertEquals(0, pair.b.counters.get(StackCounter.FRAMES_DROPPED));

        // Resolved now: the second ping goes straight out.
        wire.clear();
        pair.a.agent.ping(StackPair.B_IP, 0x5A, 2, 0);
        pair.settle();
        assertEquals(2, wire.size());
        assertTrue(wire.get(0).startsWith("A>B #3 DELIVERED ICMP echo-request"), wire.toString());
        assertEquals("198.18.0.2 id=90 seq=2 len=0", replies.get(1));
    }

    @Test
    void aBurstWaitingForArpLeavesInOrderWhenItAnswersAndOnlyTheOverflowIsLost()
    {
        // Three pings while the neighbour is unresolved, with room for two: the first two wait and leave in
        // order once the reply comes; the third finds the queue full and is dropped (counted), not a crash.
        final StackConfig a = StackPair.configA().maxConnections(4).neighbourQueue(2);
        final StackPair pair = new StackPair(a, StackPair.configB().maxConnections(4), FaultPlan.none(),
            FaultPlan.none(), 1 << 20);
        pair.wire.tap(this::record);
        pair.a.agent.icmp().listener((source, id, seq, length) -> replies.add("seq=" + seq));
        assertTrue(pair.a.agent.ping(StackPair.B_IP, 0x5A, 1, 8));
        assertTrue(pair.a.agent.ping(StackPair.B_IP, 0x5A, 2, 8));
        pair.a.agent.ping(StackPair.B_IP, 0x5A, 3, 8);
        pair.settle();
        assertEquals(List.of("seq=1", "seq=2"), replies);
        assertEquals(1, pair.a.counters.get(StackCounter.ARP_REQUESTS_SENT), "one request for the whole burst");
        assertEquals(1, pair.a.counters.get(DropReason.NEIGHBOUR_UNRESOLVED), "the third ping, past the queue");
        assertTrue(wire.get(2).contains("echo-request") && wire.get(2).contains("seq=1"), wire.toString());
        assertTrue(wire.get(3).contains("echo-request") && wire.get(3).contains("seq=2"), wire.toString());
    }

    @Test
    void lostArpRequestIsRetriedAfterTheIntervalAndThePingStillSucceeds()
    {
        final StackPair pair = pair(new FaultPlan(7).dropFrame(1));
        pair.a.agent.ping(StackPair.B_IP, 0x5A, 1, 56);
        pair.settle();
        assertEquals(List.of(
            "A>B #1 DROPPED ARP request ff:ff:ff:ff:ff:ff<02:00:00:00:00:01 who-has 198.18.0.2 tell 198.18.0.1"),
            wire);

        pair.clock.advanceNs(RETRY_NS - 1);
        pair.settle();
        assertEquals(1, wire.size(), "no retry before the interval");

        pair.clock.advanceNs(1);
        pair.settle();
        assertEquals(List.of(
            "A>B #1 DROPPED ARP request ff:ff:ff:ff:ff:ff<02:00:00:00:00:01 who-has 198.18.0.2 tell 198.18.0.1",
            "A>B #2 DELIVERED ARP request ff:ff:ff:ff:ff:ff<02:00:00:00:00:01 who-has 198.18.0.2 tell 198.18.0.1",
            "B>A #1 DELIVERED ARP reply 02:00:00:00:00:01<02:00:00:00:00:02 198.18.0.2 is-at 02:00:00:00:00:02",
            "A>B #3 DELIVERED ICMP echo-request 198.18.0.1>198.18.0.2 id=90 seq=1 len=84 "
                + "02:00:00:00:00:02<02:00:00:00:00:01",
            "B>A #2 DELIVERED ICMP echo-reply 198.18.0.2>198.18.0.1 id=90 seq=1 len=84 "
                + "02:00:00:00:00:01<02:00:00:00:00:02"), wire);
        assertEquals(List.of("198.18.0.2 id=90 seq=1 len=56"), replies);
        assertEquals(2, pair.a.counters.get(StackCounter.ARP_REQUESTS_SENT));
        assertEquals(0, pair.a.counters.get(StackCounter.ARP_FAILED));
        assertEquals(0, pair.a.counters.get(DropReason.NEIGHBOUR_UNRESOLVED));
    }

    @Test
    void absentNeighbourIsGivenUpAfterTheRetriesAndCounted()
    {
        final StackPair pair = pair(new FaultPlan(7).loss(1.0));
        pair.a.agent.ping(StackPair.B_IP, 0x5A, 1, 56);
        pair.settle();
        for (int i = 0; i < RETRIES; i++)
        {
            pair.clock.advanceNs(RETRY_NS);
            pair.settle();
        }
        final String request =
            "DROPPED ARP request ff:ff:ff:ff:ff:ff<02:00:00:00:00:01 who-has 198.18.0.2 tell 198.18.0.1";
        assertEquals(List.of("A>B #1 " + request, "A>B #2 " + request, "A>B #3 " + request), wire);
        assertEquals(0, pair.a.counters.get(StackCounter.ARP_FAILED), "the last request still has its interval");

        pair.clock.advanceNs(RETRY_NS);
        pair.settle();
        assertEquals(3, wire.size(), "no fourth request: 1 + " + RETRIES + " retries");
        assertEquals(1 + RETRIES, pair.a.counters.get(StackCounter.ARP_REQUESTS_SENT));
        assertEquals(1, pair.a.counters.get(StackCounter.ARP_FAILED));
        assertEquals(1, pair.a.counters.get(DropReason.NEIGHBOUR_UNRESOLVED), "the parked echo request is lost");
        assertEquals(-1L, pair.a.agent.neighbours().lookup(StackPair.B_IP));
        assertEquals(-1, pair.a.agent.neighbours().find(StackPair.B_IP), "the entry is freed for a later attempt");
        assertTrue(replies.isEmpty());
        assertEquals(0, pair.b.counters.get(StackCounter.FRAMES_IN));

        // Much later, a new ping starts a new resolution.
        pair.clock.advance(1, TimeUnit.MINUTES);
        pair.a.agent.ping(StackPair.B_IP, 0x5A, 2, 56);
        pair.settle();
        assertEquals("A>B #4 " + request, wire.get(3));
    }

    private void record(
        final boolean fromA, final int index, final WireTap.Fate fate, final DirectBuffer b, final int o, final int l)
    {
        final StringBuilder s = new StringBuilder().append(fromA ? "A>B #" : "B>A #").append(index).append(' ')
            .append(fate).append(' ');
        final int type = EthernetFrame.etherType(b, o);
        final String macs =
            MacAddress.toString(MacAddress.read(b, o)) + "<" + MacAddress.toString(MacAddress.read(b, o + 6));
        final int p = o + EthernetFrame.HEADER_LENGTH;
        if (type == EthernetFrame.TYPE_ARP)
        {
            assertEquals(EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH, l);
            final int op = b.getShort(p + ArpPacket.OPER_OFFSET, ByteOrder.BIG_ENDIAN);
            final String sha = MacAddress.toString(MacAddress.read(b, p + ArpPacket.SHA_OFFSET));
            final String spa = Ipv4Address.toString(b.getInt(p + ArpPacket.SPA_OFFSET, ByteOrder.BIG_ENDIAN));
            final long tha = MacAddress.read(b, p + ArpPacket.THA_OFFSET);
            final String tpa = Ipv4Address.toString(b.getInt(p + ArpPacket.TPA_OFFSET, ByteOrder.BIG_ENDIAN));
            assertEquals(MacAddress.read(b, o + 6), MacAddress.read(b, p + ArpPacket.SHA_OFFSET), "sender MAC");
            if (op == ArpPacket.OP_REQUEST)
            {
                assertEquals(MacAddress.ZERO, tha);
                s.append("ARP request ").append(macs).append(" who-has ").append(tpa).append(" tell ").append(spa);
            }
            else
            {
                assertEquals(MacAddress.read(b, o), tha, "target MAC");
                s.append("ARP reply ").append(macs).append(' ').append(spa).append(" is-at ").append(sha);
            }
        }
        else
        {
            final int icmpAt = p + Ipv4Header.MIN_HEADER_LENGTH;
            final int icmpType = b.getByte(icmpAt) & 0xFF;
            assertEquals(Ipv4Header.PROTOCOL_ICMP, b.getByte(p + Ipv4Header.PROTOCOL_OFFSET));
            assertEquals(Ipv4Header.FLAG_DF, b.getShort(p + Ipv4Header.FLAGS_FRAGMENT_OFFSET, ByteOrder.BIG_ENDIAN));
            assertEquals(0xFFFF, dev.synack.wire.Checksum.fold(dev.synack.wire.Checksum.add(0, b, p, 20)), "IP sum");
            assertEquals(0xFFFF, dev.synack.wire.Checksum.fold(dev.synack.wire.Checksum.add(0, b, icmpAt,
                l - EthernetFrame.HEADER_LENGTH - 20)), "ICMP sum");
            s.append("ICMP ").append(icmpType == IcmpEcho.TYPE_ECHO_REQUEST ? "echo-request"
                : icmpType == IcmpEcho.TYPE_ECHO_REPLY ? "echo-reply" : "type " + icmpType)
                .append(' ')
                .append(Ipv4Address.toString(b.getInt(p + Ipv4Header.SOURCE_OFFSET, ByteOrder.BIG_ENDIAN))).append('>')
                .append(Ipv4Address.toString(b.getInt(p + Ipv4Header.DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN)))
                .append(" id=").append(b.getShort(icmpAt + IcmpEcho.IDENTIFIER_OFFSET, ByteOrder.BIG_ENDIAN))
                .append(" seq=").append(b.getShort(icmpAt + IcmpEcho.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN))
                .append(" len=").append(b.getShort(p + Ipv4Header.TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN))
                .append(' ').append(macs);
        }
        wire.add(s.toString());
    }
}
