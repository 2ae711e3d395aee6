package dev.synack.stack;

import static dev.synack.stack.Frames.IP;
import static dev.synack.stack.Frames.L4;
import static dev.synack.stack.Frames.PEER_IP;
import static dev.synack.stack.Frames.PEER_MAC;
import static dev.synack.stack.Frames.US_IP;
import static dev.synack.stack.Frames.US_MAC;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.synack.arp.ArpPacket;
import dev.synack.ip.Ipv4Address;
import dev.synack.ip.Ipv4Header;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpHeader;
import dev.synack.test.TestStack;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.FrameOutput;
import dev.synack.wire.MacAddress;

/**
 * Malformed and hostile frames through a {@link StackAgent}'s rx ring (DESIGN.md §6.4): each is dropped, counted
 * under exactly its own {@link DropReason}, answered by nothing, and never throws out of the agent.
 */
class HostileFrameTest
{
    private static final int RING = 1 << 20;

    /**
     * Drop reasons no single inbound frame to a fresh stack can cause: frames we fail to send, PAWS, which needs
     * a connection that negotiated timestamps (shown segment by segment in {@code tcp.TimestampsTest}), and text
     * or a FIN after the peer's FIN, which needs a connection past it ({@code tcp.ClosingStatesTest}), and a segment
     * without timestamps, which needs a connection that negotiated them.
     */
    private static final EnumSet<DropReason> NOT_FROM_ONE_FRAME = EnumSet.of(DropReason.NONE,
        DropReason.TX_RING_FULL, DropReason.NEIGHBOUR_UNRESOLVED, DropReason.TCP_PAWS, DropReason.TCP_AFTER_FIN,
        DropReason.TCP_NO_TIMESTAMPS,
        // a RST into TIME-WAIT with rfc1337 on: shown in tcp.hostile.TimeWaitStormTest
        DropReason.TCP_RST_IN_TIME_WAIT,
        // reassembly: shown fragment by fragment in stack.ReassemblyTest (and IP_FRAGMENT needs reassembly off)
        DropReason.IP_FRAGMENT, DropReason.IP_FRAGMENT_DUPLICATE, DropReason.IP_FRAGMENT_OVERLAP,
        DropReason.IP_REASSEMBLY_TIMEOUT);

    private final ManualNanoClock clock = new ManualNanoClock();
    private final TestStack stack = new TestStack(Frames.config(), clock, RING);

    HostileFrameTest()
    {
        stack.agent.neighbours().addStatic(PEER_IP, PEER_MAC);
    }

    static Stream<Arguments> hostileFrames()
    {
        final List<Arguments> cases = new ArrayList<>();
        add(cases, "zero-length frame", DropReason.ETH_TRUNCATED, new byte[0]);
        add(cases, "one-byte frame", DropReason.ETH_TRUNCATED, new byte[] {0x02});
        add(cases, "13 bytes: one short of a header", DropReason.ETH_TRUNCATED, new byte[13]);
        add(cases, "1515 bytes: one over the maximum", DropReason.ETH_OVERSIZED, Frames.echoRequest(1515 - L4 - 8));
        add(cases, "9000-byte jumbo", DropReason.ETH_OVERSIZED, new byte[9000]);
        add(cases, "unicast MAC not ours", DropReason.ETH_NOT_FOR_US,
            mac(Frames.echoRequest(8), MacAddress.parse("02:00:00:00:00:99")));
        add(cases, "multicast MAC", DropReason.ETH_NOT_FOR_US,
            mac(Frames.echoRequest(8), MacAddress.parse("01:00:5e:00:00:01")));
        add(cases, "IPv6 EtherType", DropReason.ETH_UNSUPPORTED_TYPE,
            Frames.putShort(Frames.echoRequest(8), 12, 0x86dd));
        add(cases, "802.1Q VLAN tag", DropReason.ETH_UNSUPPORTED_TYPE,
            Frames.putShort(Frames.echoRequest(8), 12, 0x8100));
        add(cases, "802.3 length field", DropReason.ETH_UNSUPPORTED_TYPE,
            Frames.putShort(Frames.echoRequest(8), 12, 46));
        add(cases, "ARP of 27 bytes", DropReason.ARP_TRUNCATED, java.util.Arrays.copyOf(Frames.arpRequest(), 14 + 27));
        add(cases, "ARP hardware type 6 (IEEE 802)", DropReason.ARP_UNSUPPORTED,
            Frames.putShort(Frames.arpRequest(), 14, 6));
        add(cases, "ARP protocol type IPv6", DropReason.ARP_UNSUPPORTED,
            Frames.putShort(Frames.arpRequest(), 16, 0x86dd));
        add(cases, "ARP hardware length 8", DropReason.ARP_UNSUPPORTED, Frames.putByte(Frames.arpRequest(), 18, 8));
        add(cases, "ARP operation 3 (RARP)", DropReason.ARP_UNSUPPORTED, Frames.putShort(Frames.arpRequest(), 20, 3));
        add(cases, "ARP from a multicast sender MAC", DropReason.ARP_UNSUPPORTED,
            Frames.arp(ArpPacket.OP_REQUEST, 0x0100_5e00_0001L, PEER_IP, US_IP));
        add(cases, "ARP claiming our own address", DropReason.ARP_UNSUPPORTED,
            Frames.arp(ArpPacket.OP_REQUEST, PEER_MAC, US_IP, US_IP));
        add(cases, "ARP request for another host", DropReason.ARP_NOT_FOR_US,
            Frames.arp(ArpPacket.OP_REQUEST, PEER_MAC, PEER_IP, Ipv4Address.parse("198.18.0.3")));
        add(cases, "IPv4 of 19 bytes", DropReason.IP_TRUNCATED,
            java.util.Arrays.copyOf(Frames.echoRequest(8), IP + 19));
        add(cases, "IP version 6", DropReason.IP_BAD_VERSION, Frames.putByte(Frames.echoRequest(8), IP, 0x65));
        add(cases, "IP version 0", DropReason.IP_BAD_VERSION, Frames.putByte(Frames.echoRequest(8), IP, 0x05));
        add(cases, "IHL 4", DropReason.IP_BAD_IHL, Frames.putByte(Frames.echoRequest(8), IP, 0x44));
        add(cases, "IHL 0", DropReason.IP_BAD_IHL, Frames.putByte(Frames.echoRequest(8), IP, 0x40));
        add(cases, "IHL 15 past the frame", DropReason.IP_BAD_IHL, Frames.putByte(Frames.echoRequest(8), IP, 0x4f));
        add(cases, "total length below the header", DropReason.IP_BAD_TOTAL_LENGTH,
            Frames.putShort(Frames.echoRequest(8), IP + 2, 19));
        add(cases, "total length past the frame", DropReason.IP_BAD_TOTAL_LENGTH,
            Frames.putShort(Frames.echoRequest(8), IP + 2, 37));
        add(cases, "total length 65535", DropReason.IP_BAD_TOTAL_LENGTH,
            Frames.putShort(Frames.echoRequest(8), IP + 2, 0xFFFF));
        add(cases, "bad IP header checksum", DropReason.IP_BAD_CHECKSUM, flip(Frames.echoRequest(8), IP + 10));
        add(cases, "TTL changed without fixing the checksum", DropReason.IP_BAD_CHECKSUM,
            Frames.putByte(Frames.echoRequest(8), IP + 8, 63));
        // Fragments are reassembled (ReassemblyTest); these are the ones no reassembly may take.
        add(cases, "non-final fragment of 17 bytes (not a multiple of 8)", DropReason.IP_FRAGMENT_BAD_LENGTH,
            ip(Frames.putShort(Frames.echoRequest(9), IP + 6, Ipv4Header.FLAG_MF)));
        add(cases, "empty non-final fragment", DropReason.IP_FRAGMENT_BAD_LENGTH,
            ip(Frames.putShort(Frames.ipv4(PEER_IP, US_IP, Ipv4Header.PROTOCOL_ICMP, 0), IP + 6, Ipv4Header.FLAG_MF)));
        add(cases, "fragment ending past 65,535 bytes (ping of death)", DropReason.IP_FRAGMENT_TOO_BIG,
            ip(Frames.putShort(Frames.echoRequest(8), IP + 6, 8189)));
        add(cases, "fragmentation needed quoting only 20 bytes", DropReason.ICMP_BAD_QUOTE, fragmentationNeeded(20));
        add(cases, "fragmentation needed for a connection we do not have", DropReason.ICMP_PMTU_UNMATCHED,
            fragmentationNeeded(28));
        add(cases, "IP destination another host", DropReason.IP_NOT_FOR_US,
            ip(Frames.putInt(Frames.echoRequest(8), IP + 16, Ipv4Address.parse("198.18.0.3"))));
        add(cases, "IP to the broadcast address", DropReason.IP_NOT_FOR_US,
            ip(Frames.putInt(Frames.echoRequest(8), IP + 16, -1)));
        add(cases, "loopback source", DropReason.IP_MARTIAN_SOURCE, source(Ipv4Address.parse("127.0.0.1")));
        add(cases, "multicast source", DropReason.IP_MARTIAN_SOURCE, source(Ipv4Address.parse("224.0.0.1")));
        add(cases, "broadcast source", DropReason.IP_MARTIAN_SOURCE, source(-1));
        add(cases, "unspecified source", DropReason.IP_MARTIAN_SOURCE, source(0));
        add(cases, "our own address as source", DropReason.IP_MARTIAN_SOURCE, source(US_IP));
        add(cases, "UDP", DropReason.IP_UNSUPPORTED_PROTOCOL, Frames.ipv4(PEER_IP, US_IP, 17, 16));
        add(cases, "IGMP", DropReason.IP_UNSUPPORTED_PROTOCOL, Frames.ipv4(PEER_IP, US_IP, 2, 8));
        add(cases, "ICMP of 7 bytes", DropReason.ICMP_TRUNCATED,
            Frames.ipv4(PEER_IP, US_IP, Ipv4Header.PROTOCOL_ICMP, 7));
        add(cases, "ICMP of 0 bytes", DropReason.ICMP_TRUNCATED,
            Frames.ipv4(PEER_IP, US_IP, Ipv4Header.PROTOCOL_ICMP, 0));
        add(cases, "bad ICMP checksum", DropReason.ICMP_BAD_CHECKSUM, flip(Frames.echoRequest(8), L4 + 2));
        add(cases, "ICMP data changed after checksumming", DropReason.ICMP_BAD_CHECKSUM,
            flip(Frames.echoRequest(9), L4 + 16));
        add(cases, "ICMP destination unreachable", DropReason.ICMP_UNSUPPORTED_TYPE,
            icmp(Frames.putByte(Frames.echoRequest(8), L4, 3)));
        add(cases, "ICMP timestamp request", DropReason.ICMP_UNSUPPORTED_TYPE,
            icmp(Frames.putByte(Frames.echoRequest(8), L4, 13)));
        add(cases, "ICMP echo request with code 1", DropReason.ICMP_UNSUPPORTED_TYPE,
            icmp(Frames.putByte(Frames.echoRequest(8), L4 + 1, 1)));
        add(cases, "TCP of 19 bytes", DropReason.TCP_TRUNCATED,
            Frames.ipv4(PEER_IP, US_IP, Ipv4Header.PROTOCOL_TCP, 19));
        add(cases, "TCP data offset 4", DropReason.TCP_BAD_DATA_OFFSET,
            Frames.putByte(Frames.tcp(TcpHeader.SYN), L4 + 12, 4 << 4));
        add(cases, "TCP data offset 0", DropReason.TCP_BAD_DATA_OFFSET,
            Frames.putByte(Frames.tcp(TcpHeader.SYN), L4 + 12, 0));
        add(cases, "TCP data offset 15 past the segment", DropReason.TCP_BAD_DATA_OFFSET,
            Frames.putByte(Frames.tcp(TcpHeader.SYN), L4 + 12, 15 << 4));
        add(cases, "bad TCP checksum", DropReason.TCP_BAD_CHECKSUM, flip(Frames.tcp(TcpHeader.SYN), L4 + 16));
        add(cases, "TCP checksum without the pseudo-header", DropReason.TCP_BAD_CHECKSUM, noPseudoHeader());
        add(cases, "TCP option of length 0", DropReason.TCP_BAD_OPTIONS,
            Frames.tcp(TcpHeader.SYN, bytes(0x1e, 0, 1, 1), 0));
        add(cases, "TCP option of length 1", DropReason.TCP_BAD_OPTIONS,
            Frames.tcp(TcpHeader.SYN, bytes(0x1e, 1, 1, 1), 0));
        add(cases, "TCP option past the data offset", DropReason.TCP_BAD_OPTIONS,
            Frames.tcp(TcpHeader.SYN, bytes(1, 1, 2, 4), 4));
        add(cases, "TCP MSS option of length 3", DropReason.TCP_BAD_OPTIONS,
            Frames.tcp(TcpHeader.SYN, bytes(2, 3, 5, 1), 0));
        add(cases, "TCP timestamps of length 6", DropReason.TCP_BAD_OPTIONS,
            Frames.tcp(TcpHeader.ACK, bytes(8, 6, 0, 0, 0, 1, 1, 1), 0));
        add(cases, "SYN+FIN", DropReason.TCP_BAD_FLAGS, Frames.tcp(TcpHeader.SYN | TcpHeader.FIN));
        add(cases, "SYN+RST", DropReason.TCP_BAD_FLAGS, Frames.tcp(TcpHeader.SYN | TcpHeader.RST));
        add(cases, "no flags (null scan)", DropReason.TCP_BAD_FLAGS, Frames.tcp(0));
        add(cases, "RST to a closed port", DropReason.TCP_RST_TO_CLOSED, Frames.tcp(TcpHeader.RST));
        add(cases, "TCP from port 0", DropReason.TCP_UNACCEPTABLE,
            tcp(Frames.putShort(Frames.tcp(TcpHeader.SYN), L4, 0)));
        add(cases, "TCP to port 0", DropReason.TCP_UNACCEPTABLE,
            tcp(Frames.putShort(Frames.tcp(TcpHeader.SYN), L4 + 2, 0)));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("hostileFrames")
    void droppedAndCountedUnderItsOwnReason(final String name, final DropReason reason, final byte[] frame)
    {
        final StringBuilder counters = feed(frame);
        assertEquals(1, stack.counters.get(reason), () -> name + ": " + counters);
        assertEquals(1, totalDrops(), () -> name + ": counted under more than one reason: " + counters);
        assertEquals(1, stack.counters.get(StackCounter.FRAMES_DROPPED), () -> name + ": " + counters);
        assertNothingSent(name);
    }

    @Test
    void theTableCoversEveryReasonOneFrameCanCause()
    {
        final EnumSet<DropReason> covered = EnumSet.noneOf(DropReason.class);
        hostileFrames().forEach(a -> covered.add((DropReason)a.get()[1]));
        final EnumSet<DropReason> missing = EnumSet.complementOf(covered);
        missing.removeAll(NOT_FROM_ONE_FRAME);
        assertTrue(missing.isEmpty(), "no hostile frame for " + missing);
        assertTrue(hostileFrames().count() >= 25);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 1071, 9293, 0xDEADL, 0x5EED})
    void seededRandomFramesAreDroppedUnderExactlyOneReason(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int shape = 0; shape < 4; shape++)
        {
            final TestStack fresh = new TestStack(Frames.config(), clock, RING);
            final byte[] frame = randomFrame(random, shape);
            final String name = "seed " + seed + " shape " + shape + " length " + frame.length;
            write(fresh, frame);
            assertDoesNotThrow(fresh.agent::doWork, name);
            long drops = 0;
            for (final DropReason r : DropReason.values())
            {
                drops += fresh.counters.get(r);
            }
            final String counters = fresh.counters.appendNonZero(new StringBuilder()).toString();
            assertEquals(1, drops, () -> name + ": " + counters);
            assertEquals(1, fresh.counters.get(StackCounter.FRAMES_DROPPED), name);
            assertEquals(0, fresh.counters.get(StackCounter.FRAMES_OUT), name);
            assertEquals(0, fresh.tx.size(), name);
        }
    }

    @Test
    void theUnbrokenOriginalsAreAnswered()
    {
        // Proof the table's frames fail for the field each one breaks: the same builders, unbroken, get replies.
        feed(Frames.echoRequest(8));
        assertEquals(1, stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT));
        feed(Frames.arpRequest());
        assertEquals(1, stack.counters.get(StackCounter.ARP_REPLIES_SENT));
        feed(Frames.tcp(TcpHeader.SYN, bytes(2, 4, 5, 0xb4), 0));
        assertEquals(1, stack.counters.get(StackCounter.TCP_RESETS_SENT), "RFC 9293 §3.10.7.1: a SYN to a closed port");
        // An Xmas scan (FIN+PSH+URG, no ACK) is odd but not invalid: to a closed port the RFC's answer is RST+ACK.
        feed(Frames.tcp(TcpHeader.FIN | TcpHeader.PSH | TcpHeader.URG));
        assertEquals(2, stack.counters.get(StackCounter.TCP_RESETS_SENT), "RFC 9293 §3.10.7.1: any non-RST segment");
        assertEquals(0, stack.counters.get(StackCounter.FRAMES_DROPPED));
        assertEquals(4, stack.counters.get(StackCounter.FRAMES_OUT));
    }

    private StringBuilder feed(final byte[] frame)
    {
        write(stack, frame);
        assertDoesNotThrow(stack.agent::doWork);
        assertEquals(0, stack.rx.size(), "the agent consumed the frame");
        return stack.counters.appendNonZero(new StringBuilder());
    }

    private static void write(final TestStack target, final byte[] frame)
    {
        assertTrue(target.rx.write(FrameOutput.MSG_TYPE_FRAME, new UnsafeBuffer(frame), 0, frame.length));
    }

    private long totalDrops()
    {
        long drops = 0;
        for (final DropReason r : DropReason.values())
        {
            drops += stack.counters.get(r);
        }
        return drops;
    }

    private void assertNothingSent(final String name)
    {
        assertEquals(0, stack.counters.get(StackCounter.FRAMES_OUT), name);
        assertEquals(0, stack.tx.size(), name);
    }

    private static byte[] randomFrame(final SplittableRandom random, final int shape)
    {
        final int length = shape == 0 ? random.nextInt(1600) : 60 + random.nextInt(1400);
        final byte[] frame = new byte[length];
        random.nextBytes(frame);
        if (shape >= 1)
        {
            final UnsafeBuffer b = new UnsafeBuffer(frame);
            EthernetFrame.writeHeader(b, 0, US_MAC, PEER_MAC, shape == 3 ? EthernetFrame.TYPE_ARP
                : EthernetFrame.TYPE_IPV4);
            if (shape == 2)
            {
                // A valid IPv4 header to us: the random bytes reach the TCP or ICMP validation.
                Ipv4Header.writeHeader(b, IP, PEER_IP, US_IP, random.nextBoolean() ? Ipv4Header.PROTOCOL_TCP
                    : Ipv4Header.PROTOCOL_ICMP, length - L4, 1, 64);
            }
        }
        return frame;
    }

    private static void add(final List<Arguments> cases, final String name, final DropReason reason, final byte[] frame)
    {
        cases.add(Arguments.of(name, reason, frame));
    }

    private static byte[] bytes(final int... values)
    {
        final byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++)
        {
            b[i] = (byte)values[i];
        }
        return b;
    }

    private static byte[] mac(final byte[] frame, final long destination)
    {
        MacAddress.write(new UnsafeBuffer(frame), 0, destination);
        return frame;
    }

    /** ICMP 3/4, MTU 1000, quoting {@code quoted} bytes of a TCP segment we (US_IP, port 80) sent the peer. */
    private static byte[] fragmentationNeeded(final int quoted)
    {
        final byte[] frame = Frames.ipv4(PEER_IP, US_IP, Ipv4Header.PROTOCOL_ICMP, 8 + quoted);
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        b.putByte(L4, (byte)3);
        b.putByte(L4 + 1, (byte)4);
        b.putShort(L4 + 6, (short)1000, java.nio.ByteOrder.BIG_ENDIAN);
        b.putByte(L4 + 8, (byte)0x45);
        b.putByte(L4 + 8 + Ipv4Header.PROTOCOL_OFFSET, (byte)Ipv4Header.PROTOCOL_TCP);
        b.putInt(L4 + 8 + Ipv4Header.SOURCE_OFFSET, US_IP, java.nio.ByteOrder.BIG_ENDIAN);
        b.putInt(L4 + 8 + Ipv4Header.DESTINATION_OFFSET, PEER_IP, java.nio.ByteOrder.BIG_ENDIAN);
        if (quoted >= 24)
        {
            b.putShort(L4 + 28, (short)80, java.nio.ByteOrder.BIG_ENDIAN);
            b.putShort(L4 + 30, (short)40000, java.nio.ByteOrder.BIG_ENDIAN);
        }
        Frames.fixIcmpChecksum(frame);
        return frame;
    }

    private static byte[] flip(final byte[] frame, final int at)
    {
        frame[at] ^= 0x01;
        return frame;
    }

    private static byte[] ip(final byte[] frame)
    {
        Frames.fixIpChecksum(frame);
        return frame;
    }

    private static byte[] icmp(final byte[] frame)
    {
        Frames.fixIcmpChecksum(frame);
        return frame;
    }

    private static byte[] tcp(final byte[] frame)
    {
        Frames.fixTcpChecksum(frame);
        return frame;
    }

    private static byte[] source(final int address)
    {
        final byte[] frame = Frames.putInt(Frames.echoRequest(8), IP + 12, address);
        ip(frame);
        return icmp(frame);
    }

    private static byte[] noPseudoHeader()
    {
        final byte[] frame = Frames.tcp(TcpHeader.SYN);
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        b.putShort(L4 + 16, (short)0);
        b.putShort(L4 + 16, (short)dev.synack.wire.Checksum.compute(b, L4, 20), java.nio.ByteOrder.BIG_ENDIAN);
        return frame;
    }
}
