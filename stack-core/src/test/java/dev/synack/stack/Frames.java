package dev.synack.stack;

import java.nio.ByteOrder;

import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.arp.ArpPacket;
import dev.synack.ip.IcmpEcho;
import dev.synack.ip.Ipv4Address;
import dev.synack.ip.Ipv4Header;
import dev.synack.tcp.TcpHeader;
import dev.synack.wire.Checksum;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.MacAddress;

/**
 * Builds well-formed frames from a peer (198.18.0.1) to the stack under test (198.18.0.2), which hostile tests
 * then break one field at a time. Test-only; allocates freely.
 */
final class Frames
{
    static final long US_MAC = MacAddress.parse("02:00:00:00:00:02");
    static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:01");
    static final int US_IP = Ipv4Address.parse("198.18.0.2");
    static final int PEER_IP = Ipv4Address.parse("198.18.0.1");
    static final int IP = EthernetFrame.HEADER_LENGTH;
    static final int L4 = IP + Ipv4Header.MIN_HEADER_LENGTH;

    private Frames()
    {
    }

    static StackConfig config()
    {
        // Few connections: the TCP slab is sized from this, and each hostile case builds a fresh stack.
        return new StackConfig().name("B").mac(MacAddress.toString(US_MAC)).ip("198.18.0.2/24").maxConnections(4);
    }

    static byte[] arp(final int operation, final long senderMac, final int senderIp, final int targetIp)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH]);
        final long destination = operation == ArpPacket.OP_REQUEST ? MacAddress.BROADCAST : US_MAC;
        final int at = EthernetFrame.writeHeader(b, 0, destination, senderMac, EthernetFrame.TYPE_ARP);
        ArpPacket.write(b, at, operation, senderMac, senderIp, operation == ArpPacket.OP_REQUEST ? 0 : US_MAC,
            targetIp);
        return b.byteArray();
    }

    static byte[] arpRequest()
    {
        return arp(ArpPacket.OP_REQUEST, PEER_MAC, PEER_IP, US_IP);
    }

    static byte[] ipv4(final int source, final int destination, final int protocol, final int payloadLength)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[L4 + payloadLength]);
        EthernetFrame.writeHeader(b, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        Ipv4Header.writeHeader(b, IP, source, destination, protocol, payloadLength, 0x1234, 64);
        return b.byteArray();
    }

    static byte[] echoRequest(final int dataLength)
    {
        final byte[] frame = ipv4(PEER_IP, US_IP, Ipv4Header.PROTOCOL_ICMP, IcmpEcho.HEADER_LENGTH + dataLength);
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        for (int i = 0; i < dataLength; i++)
        {
            b.putByte(L4 + IcmpEcho.HEADER_LENGTH + i, (byte)i);
        }
        IcmpEcho.writeEcho(b, L4, IcmpEcho.TYPE_ECHO_REQUEST, 0x4242, 7, IcmpEcho.HEADER_LENGTH + dataLength);
        return frame;
    }

    /** A TCP segment from the peer's port 40000 to our port 80; options are raw bytes (a multiple of 4). */
    static byte[] tcp(final int flags, final byte[] options, final int payloadLength)
    {
        final int headerLength = TcpHeader.MIN_HEADER_LENGTH + options.length;
        final byte[] frame = ipv4(PEER_IP, US_IP, Ipv4Header.PROTOCOL_TCP, headerLength + payloadLength);
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        TcpHeader.writeHeader(b, L4, 40000, 80, 1000, 0, headerLength, flags, 65535);
        b.putBytes(L4 + TcpHeader.MIN_HEADER_LENGTH, options);
        fixTcpChecksum(frame);
        return frame;
    }

    static byte[] tcp(final int flags)
    {
        return tcp(flags, new byte[0], 0);
    }

    static void fixIpChecksum(final byte[] frame)
    {
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        final int headerLength = (b.getByte(IP) & 0xF) << 2;
        b.putShort(IP + Ipv4Header.CHECKSUM_OFFSET, (short)0);
        b.putShort(IP + Ipv4Header.CHECKSUM_OFFSET, (short)Checksum.compute(b, IP, headerLength), ByteOrder.BIG_ENDIAN);
    }

    static void fixTcpChecksum(final byte[] frame)
    {
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        TcpHeader.writeChecksum(b, L4, frame.length - L4, b.getInt(IP + Ipv4Header.SOURCE_OFFSET, ByteOrder.BIG_ENDIAN),
            b.getInt(IP + Ipv4Header.DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN));
    }

    static void fixIcmpChecksum(final byte[] frame)
    {
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        b.putShort(L4 + IcmpEcho.CHECKSUM_OFFSET, (short)0);
        b.putShort(L4 + IcmpEcho.CHECKSUM_OFFSET, (short)Checksum.compute(b, L4, frame.length - L4),
            ByteOrder.BIG_ENDIAN);
    }

    static byte[] putByte(final byte[] frame, final int at, final int value)
    {
        frame[at] = (byte)value;
        return frame;
    }

    static byte[] putShort(final byte[] frame, final int at, final int value)
    {
        new UnsafeBuffer(frame).putShort(at, (short)value, ByteOrder.BIG_ENDIAN);
        return frame;
    }

    static byte[] putInt(final byte[] frame, final int at, final int value)
    {
        new UnsafeBuffer(frame).putInt(at, value, ByteOrder.BIG_ENDIAN);
        return frame;
    }
}
