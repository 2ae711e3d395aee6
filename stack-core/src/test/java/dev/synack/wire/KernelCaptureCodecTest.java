package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.arp.ArpPacket;
import dev.synack.ip.IcmpEcho;
import dev.synack.ip.Ipv4Address;
import dev.synack.ip.Ipv4Header;
import dev.synack.stat.DropReason;
import dev.synack.tcp.TcpHeader;
import dev.synack.tcp.TcpOptions;

/**
 * Our flyweights against frames the Linux kernel sent (captured with tshark, see the resource's header): every
 * field decodes to what tshark printed, and our writers re-encode the same bytes and the same checksums.
 */
class KernelCaptureCodecTest
{
    private static final long CLIENT_MAC = 0xe2eaa1963fb7L;
    private static final long SERVER_MAC = 0x2eaff59ea1d1L;
    private static final int CLIENT_IP = Ipv4Address.parse("198.18.0.1");
    private static final int SERVER_IP = Ipv4Address.parse("198.18.0.2");
    private static final int IP = EthernetFrame.HEADER_LENGTH;
    private static final int L4 = IP + Ipv4Header.MIN_HEADER_LENGTH;

    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Header ip = new Ipv4Header();
    private final ArpPacket arp = new ArpPacket();
    private final IcmpEcho icmp = new IcmpEcho();
    private final TcpHeader tcp = new TcpHeader();

    @Test
    void arpRequestDecodesAndReencodes()
    {
        final UnsafeBuffer frame = CapturedFrames.buffer("arp-request");
        assertEquals(42, frame.capacity());
        assertEthernet(frame, MacAddress.BROADCAST, CLIENT_MAC, EthernetFrame.TYPE_ARP);
        assertEquals(DropReason.NONE, arp.wrapChecked(frame, IP, eth.payloadLength()));
        assertEquals(ArpPacket.OP_REQUEST, arp.operation());
        assertEquals(CLIENT_MAC, arp.senderMac());
        assertEquals(CLIENT_IP, arp.senderIp());
        assertEquals(MacAddress.ZERO, arp.targetMac());
        assertEquals(SERVER_IP, arp.targetIp());

        final UnsafeBuffer out = new UnsafeBuffer(new byte[42]);
        final int at = EthernetFrame.writeHeader(out, 0, MacAddress.BROADCAST, CLIENT_MAC, EthernetFrame.TYPE_ARP);
        assertEquals(42, ArpPacket.write(out, at, ArpPacket.OP_REQUEST, CLIENT_MAC, CLIENT_IP, 0L, SERVER_IP));
        assertArrayEquals(frame.byteArray(), out.byteArray());
    }

    @Test
    void arpReplyDecodesAndReencodes()
    {
        final UnsafeBuffer frame = CapturedFrames.buffer("arp-reply");
        assertEthernet(frame, CLIENT_MAC, SERVER_MAC, EthernetFrame.TYPE_ARP);
        assertEquals(DropReason.NONE, arp.wrapChecked(frame, IP, eth.payloadLength()));
        assertEquals(ArpPacket.OP_REPLY, arp.operation());
        assertEquals(SERVER_MAC, arp.senderMac());
        assertEquals(SERVER_IP, arp.senderIp());
        assertEquals(CLIENT_MAC, arp.targetMac());
        assertEquals(CLIENT_IP, arp.targetIp());

        final UnsafeBuffer out = new UnsafeBuffer(new byte[42]);
        final int at = EthernetFrame.writeHeader(out, 0, CLIENT_MAC, SERVER_MAC, EthernetFrame.TYPE_ARP);
        ArpPacket.write(out, at, ArpPacket.OP_REPLY, SERVER_MAC, SERVER_IP, CLIENT_MAC, CLIENT_IP);
        assertArrayEquals(frame.byteArray(), out.byteArray());
    }

    @Test
    void icmpEchoRequestDecodesAndReencodes()
    {
        final UnsafeBuffer frame = CapturedFrames.buffer("icmp-echo-request");
        assertEthernet(frame, SERVER_MAC, CLIENT_MAC, EthernetFrame.TYPE_IPV4);
        assertIpv4(frame, 84, 0x78d5, Ipv4Header.FLAG_DF, Ipv4Header.PROTOCOL_ICMP, 0x35ac, CLIENT_IP, SERVER_IP);
        assertEquals(DropReason.NONE, icmp.wrapChecked(frame, L4, ip.payloadLength()));
        assertEquals(IcmpEcho.TYPE_ECHO_REQUEST, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(10309, icmp.identifier());
        assertEquals(1, icmp.sequence());
        assertEquals(64, icmp.length());
        assertEquals(0xa60a, frame.getShort(L4 + IcmpEcho.CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF);

        // The kernel's request has DF and TOS 0, which is what our writer writes: the whole frame re-encodes.
        final UnsafeBuffer out = new UnsafeBuffer(new byte[frame.capacity()]);
        EthernetFrame.writeHeader(out, 0, SERVER_MAC, CLIENT_MAC, EthernetFrame.TYPE_IPV4);
        assertEquals(L4,
            Ipv4Header.writeHeader(out, IP, CLIENT_IP, SERVER_IP, Ipv4Header.PROTOCOL_ICMP, 64, 0x78d5, 64));
        out.putBytes(L4 + IcmpEcho.HEADER_LENGTH, frame, L4 + IcmpEcho.HEADER_LENGTH, 64 - IcmpEcho.HEADER_LENGTH);
        IcmpEcho.writeEcho(out, L4, IcmpEcho.TYPE_ECHO_REQUEST, 10309, 1, 64);
        assertArrayEquals(frame.byteArray(), out.byteArray());
    }

    @Test
    void icmpEchoReplyDecodesAndReencodesAllButTheKernelsClearedDf()
    {
        final UnsafeBuffer frame = CapturedFrames.buffer("icmp-echo-reply");
        assertEthernet(frame, CLIENT_MAC, SERVER_MAC, EthernetFrame.TYPE_IPV4);
        // Linux answers a ping without DF (flags 0x00 in tshark); Ipv4Header.writeHeader always sets DF.
        assertIpv4(frame, 84, 0x3550, 0, Ipv4Header.PROTOCOL_ICMP, 0xb931, SERVER_IP, CLIENT_IP);
        assertEquals(DropReason.NONE, icmp.wrapChecked(frame, L4, ip.payloadLength()));
        assertEquals(IcmpEcho.TYPE_ECHO_REPLY, icmp.type());
        assertEquals(10309, icmp.identifier());
        assertEquals(1, icmp.sequence());
        assertEquals(0xae0a, frame.getShort(L4 + IcmpEcho.CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF);

        // Our header checksum over the captured bytes (checksum field zeroed) is the kernel's.
        final UnsafeBuffer header = new UnsafeBuffer(new byte[Ipv4Header.MIN_HEADER_LENGTH]);
        header.putBytes(0, frame, IP, Ipv4Header.MIN_HEADER_LENGTH);
        header.putShort(Ipv4Header.CHECKSUM_OFFSET, (short)0);
        assertEquals(0xb931, Checksum.compute(header, 0, Ipv4Header.MIN_HEADER_LENGTH));

        final UnsafeBuffer out = new UnsafeBuffer(new byte[frame.capacity()]);
        EthernetFrame.writeHeader(out, 0, CLIENT_MAC, SERVER_MAC, EthernetFrame.TYPE_IPV4);
        Ipv4Header.writeHeader(out, IP, SERVER_IP, CLIENT_IP, Ipv4Header.PROTOCOL_ICMP, 64, 0x3550, 64);
        out.putBytes(L4 + IcmpEcho.HEADER_LENGTH, frame, L4 + IcmpEcho.HEADER_LENGTH, 64 - IcmpEcho.HEADER_LENGTH);
        IcmpEcho.writeEcho(out, L4, IcmpEcho.TYPE_ECHO_REPLY, 10309, 1, 64);
        // What we wrote differs from the kernel's only in the flags (DF) and, through RFC 1624, the checksum.
        final int ours = out.getShort(IP + Ipv4Header.CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        assertEquals(Checksum.update16(0xb931, 0, Ipv4Header.FLAG_DF), ours);
        out.putShort(IP + Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short)0);
        out.putShort(IP + Ipv4Header.CHECKSUM_OFFSET, (short)0xb931, ByteOrder.BIG_ENDIAN);
        assertArrayEquals(frame.byteArray(), out.byteArray());
    }

    @Test
    void tcpSynWithAllOptionsDecodesAndItsChecksumReencodes()
    {
        final UnsafeBuffer frame = CapturedFrames.buffer("tcp-syn");
        assertEthernet(frame, SERVER_MAC, CLIENT_MAC, EthernetFrame.TYPE_IPV4);
        assertIpv4(frame, 60, 0x898f, Ipv4Header.FLAG_DF, Ipv4Header.PROTOCOL_TCP, 0x2505, CLIENT_IP, SERVER_IP);
        assertEquals(DropReason.NONE, tcp.wrapChecked(frame, L4, ip.payloadLength(), CLIENT_IP, SERVER_IP));
        assertTcp(38714, 8080, 736229540, 0, 40, TcpHeader.SYN, 64240, 0x36f9, 0);
        final TcpOptions options = tcp.options();
        assertEquals(1460, options.mss());
        assertEquals(10, options.windowScale());
        assertTrue(options.sackPermitted());
        assertTrue(options.hasTimestamps());
        assertEquals((int)3759197833L, options.tsVal());
        assertEquals(0, options.tsEcr());
        assertEquals(0, options.sackBlockCount());

        // Linux packs SACK-permitted into the timestamp option's padding (04 02 08 0a ...); our writers put
        // NOP NOP before each, so the kernel's 20 option bytes are copied as they are and everything else is
        // ours: the Ethernet and IP headers, the fixed TCP header and the checksum.
        final UnsafeBuffer out = reencodeTcp(frame, 0x898f, CLIENT_IP, SERVER_IP, 38714, 8080, 736229540, 0,
            TcpHeader.SYN, 64240);
        assertArrayEquals(frame.byteArray(), out.byteArray());
        assertEquals(0x36f9, tcp.wrap(out, L4, 40).checksum());

        // The same options in our layout parse to the same values.
        final UnsafeBuffer ours = new UnsafeBuffer(new byte[24]);
        int at = TcpOptions.writeMss(ours, 0, 1460);
        at += TcpOptions.writeSackPermitted(ours, at);
        at += TcpOptions.writeTimestamps(ours, at, (int)3759197833L, 0);
        at += TcpOptions.writeWindowScale(ours, at, 10);
        assertEquals(24, at);
        final TcpOptions parsed = new TcpOptions();
        assertTrue(parsed.parse(ours, 0, 24));
        assertEquals(1460, parsed.mss());
        assertEquals(10, parsed.windowScale());
        assertTrue(parsed.sackPermitted());
        assertEquals((int)3759197833L, parsed.tsVal());
        assertEquals(0, parsed.tsEcr());
    }

    @Test
    void tcpSynAckDecodesAndItsChecksumReencodes()
    {
        final UnsafeBuffer frame = CapturedFrames.buffer("tcp-syn-ack");
        assertEthernet(frame, CLIENT_MAC, SERVER_MAC, EthernetFrame.TYPE_IPV4);
        assertIpv4(frame, 60, 0, Ipv4Header.FLAG_DF, Ipv4Header.PROTOCOL_TCP, 0xae94, SERVER_IP, CLIENT_IP);
        assertEquals(DropReason.NONE, tcp.wrapChecked(frame, L4, ip.payloadLength(), SERVER_IP, CLIENT_IP));
        assertTcp(8080, 38714, 355824709, 736229541, 40, TcpHeader.SYN | TcpHeader.ACK, 65160, 0x6403, 0);
        assertEquals(1460, tcp.options().mss());
        assertEquals(10, tcp.options().windowScale());
        assertTrue(tcp.options().sackPermitted());
        assertEquals((int)3862257564L, tcp.options().tsVal());
        assertEquals((int)3759197833L, tcp.options().tsEcr());

        final UnsafeBuffer out = reencodeTcp(frame, 0, SERVER_IP, CLIENT_IP, 8080, 38714, 355824709, 736229541,
            TcpHeader.SYN | TcpHeader.ACK, 65160);
        assertArrayEquals(frame.byteArray(), out.byteArray());
    }

    @Test
    void tcpDataSegmentWithOddLengthReencodesByteForByte()
    {
        final UnsafeBuffer frame = CapturedFrames.buffer("tcp-data");
        assertIpv4(frame, 141, 0x8991, Ipv4Header.FLAG_DF, Ipv4Header.PROTOCOL_TCP, 0x24b2, CLIENT_IP, SERVER_IP);
        assertEquals(DropReason.NONE, tcp.wrapChecked(frame, L4, ip.payloadLength(), CLIENT_IP, SERVER_IP));
        assertTcp(38714, 8080, 736229541, 355824710, 32, TcpHeader.PSH | TcpHeader.ACK, 63, 0xe53f, 89);
        assertEquals(TcpOptions.ABSENT, tcp.options().mss());
        assertEquals(TcpOptions.ABSENT, tcp.options().windowScale());
        assertFalse(tcp.options().sackPermitted());
        assertEquals((int)3759197833L, tcp.options().tsVal());
        assertEquals((int)3862257564L, tcp.options().tsEcr());
        assertEquals("GET /index.html HTTP/1.1\r\n", frame.getStringWithoutLengthAscii(tcp.payloadOffset(), 26));

        // NOP NOP timestamps is exactly our writer's layout: every byte is ours, payload aside.
        final UnsafeBuffer out = new UnsafeBuffer(new byte[frame.capacity()]);
        EthernetFrame.writeHeader(out, 0, SERVER_MAC, CLIENT_MAC, EthernetFrame.TYPE_IPV4);
        Ipv4Header.writeHeader(out, IP, CLIENT_IP, SERVER_IP, Ipv4Header.PROTOCOL_TCP, 32 + 89, 0x8991, 64);
        TcpHeader.writeHeader(out, L4, 38714, 8080, 736229541, 355824710, 32, TcpHeader.PSH | TcpHeader.ACK, 63);
        TcpOptions.writeTimestamps(out, L4 + 20, (int)3759197833L, (int)3862257564L);
        out.putBytes(L4 + 32, frame, L4 + 32, 89);
        TcpHeader.writeChecksum(out, L4, 32 + 89, CLIENT_IP, SERVER_IP);
        assertArrayEquals(frame.byteArray(), out.byteArray());
    }

    @Test
    void tcpFinReencodesByteForByte()
    {
        final UnsafeBuffer frame = CapturedFrames.buffer("tcp-fin");
        assertIpv4(frame, 52, 0x8994, Ipv4Header.FLAG_DF, Ipv4Header.PROTOCOL_TCP, 0x2508, CLIENT_IP, SERVER_IP);
        assertEquals(DropReason.NONE, tcp.wrapChecked(frame, L4, ip.payloadLength(), CLIENT_IP, SERVER_IP));
        assertTcp(38714, 8080, 736229630, 355824908, 32, TcpHeader.FIN | TcpHeader.ACK, 63, 0x8ff4, 0);
        assertEquals((int)3759197837L, tcp.options().tsVal());
        assertEquals((int)3862257568L, tcp.options().tsEcr());

        final UnsafeBuffer out = new UnsafeBuffer(new byte[frame.capacity()]);
        EthernetFrame.writeHeader(out, 0, SERVER_MAC, CLIENT_MAC, EthernetFrame.TYPE_IPV4);
        Ipv4Header.writeHeader(out, IP, CLIENT_IP, SERVER_IP, Ipv4Header.PROTOCOL_TCP, 32, 0x8994, 64);
        TcpHeader.writeHeader(out, L4, 38714, 8080, 736229630, 355824908, 32, TcpHeader.FIN | TcpHeader.ACK, 63);
        TcpOptions.writeTimestamps(out, L4 + 20, (int)3759197837L, (int)3862257568L);
        TcpHeader.writeChecksum(out, L4, 32, CLIENT_IP, SERVER_IP);
        assertArrayEquals(frame.byteArray(), out.byteArray());
    }

    @Test
    void everyCapturedChecksumVerifiesAndAnyFlippedBitIsCaught()
    {
        for (final String name : new String[] {"icmp-echo-request", "tcp-syn", "tcp-data", "tcp-fin"})
        {
            final byte[] original = CapturedFrames.bytes(name);
            for (int at = IP; at < original.length; at++)
            {
                final byte[] copy = Arrays.copyOf(original, original.length);
                copy[at] ^= 0x10;
                final UnsafeBuffer frame = new UnsafeBuffer(copy);
                final DropReason reason = validate(frame);
                assertTrue(reason != DropReason.NONE, name + ": flipped bit at byte " + at + " went unnoticed");
            }
            assertEquals(DropReason.NONE, validate(new UnsafeBuffer(original)), name);
        }
    }

    private DropReason validate(final UnsafeBuffer frame)
    {
        final DropReason ipReason = ip.wrapChecked(frame, IP, frame.capacity() - IP);
        if (ipReason != DropReason.NONE)
        {
            return ipReason;
        }
        if (ip.protocol() == Ipv4Header.PROTOCOL_ICMP)
        {
            return icmp.wrapChecked(frame, ip.payloadOffset(), ip.payloadLength());
        }
        if (ip.protocol() == Ipv4Header.PROTOCOL_TCP)
        {
            return tcp.wrapChecked(frame, ip.payloadOffset(), ip.payloadLength(), ip.source(), ip.destination());
        }
        return DropReason.IP_UNSUPPORTED_PROTOCOL;
    }

    private UnsafeBuffer reencodeTcp(
        final UnsafeBuffer captured, final int ipId, final int source, final int destination, final int sourcePort,
        final int destinationPort, final int seq, final int ack, final int flags, final int window)
    {
        final int tcpLength = captured.capacity() - L4;
        final int headerLength = ((captured.getByte(L4 + TcpHeader.DATA_OFFSET_OFFSET) & 0xFF) >>> 4) << 2;
        final UnsafeBuffer out = new UnsafeBuffer(new byte[captured.capacity()]);
        EthernetFrame.writeHeader(out, 0, MacAddress.read(captured, 0), MacAddress.read(captured, 6),
            EthernetFrame.TYPE_IPV4);
        Ipv4Header.writeHeader(out, IP, source, destination, Ipv4Header.PROTOCOL_TCP, tcpLength, ipId, 64);
        TcpHeader.writeHeader(out, L4, sourcePort, destinationPort, seq, ack, headerLength, flags, window);
        out.putBytes(L4 + TcpHeader.MIN_HEADER_LENGTH, captured, L4 + TcpHeader.MIN_HEADER_LENGTH,
            tcpLength - TcpHeader.MIN_HEADER_LENGTH);
        TcpHeader.writeChecksum(out, L4, tcpLength, source, destination);
        return out;
    }

    private void assertEthernet(final UnsafeBuffer frame, final long destination, final long source, final int type)
    {
        assertEquals(DropReason.NONE, eth.wrapChecked(frame, 0, frame.capacity()));
        assertEquals(destination, eth.destination());
        assertEquals(source, eth.source());
        assertEquals(type, eth.etherType());
        assertEquals(IP, eth.payloadOffset());
        assertEquals(frame.capacity() - IP, eth.payloadLength());
    }

    private void assertIpv4(
        final UnsafeBuffer frame, final int totalLength, final int id, final int flags, final int protocol,
        final int checksum, final int source, final int destination)
    {
        assertEquals(DropReason.NONE, ip.wrapChecked(frame, IP, frame.capacity() - IP));
        assertEquals(Ipv4Header.MIN_HEADER_LENGTH, ip.headerLength());
        assertEquals(0, frame.getByte(IP + Ipv4Header.TOS_OFFSET), "tshark: ip.dsfield 0x00");
        assertEquals(totalLength, ip.totalLength());
        assertEquals(id, ip.identification());
        assertEquals(flags, ip.flagsFragment());
        assertEquals(64, ip.ttl());
        assertEquals(protocol, ip.protocol());
        assertEquals(checksum, ip.checksum());
        assertEquals(source, ip.source());
        assertEquals(destination, ip.destination());
        assertEquals(L4, ip.payloadOffset());
        assertEquals(totalLength - 20, ip.payloadLength());
    }

    private void assertTcp(
        final int sourcePort, final int destinationPort, final int seq, final int ack, final int headerLength,
        final int flags, final int window, final int checksum, final int payloadLength)
    {
        assertEquals(sourcePort, tcp.sourcePort());
        assertEquals(destinationPort, tcp.destinationPort());
        assertEquals(seq, tcp.seq());
        assertEquals(ack, tcp.ack());
        assertEquals(headerLength, tcp.headerLength());
        assertEquals(flags, tcp.flags());
        assertEquals(window, tcp.window());
        assertEquals(checksum, tcp.checksum());
        assertEquals(0, tcp.urgentPointer());
        assertEquals(payloadLength, tcp.payloadLength());
    }
}
