package dev.synack.ip;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.wire.Checksum;

/**
 * ICMP echo (RFC 792, RFC 1122 §3.2.2.6): answers echo requests — operators ping — and sends our own,
 * reporting replies to an {@link EchoListener}; passes "fragmentation needed" for our TCP segments to a
 * {@link PathMtuListener} (RFC 1191); tells a sender whose datagram could not be reassembled in time (RFC 792
 * Time Exceeded, code 1).
 * <p>
 * Stack thread only. Never allocates.
 */
public final class IcmpService
{
    private static final int TYPE_DESTINATION_UNREACHABLE = 3;
    private static final int CODE_FRAGMENTATION_NEEDED = 4;
    private static final int TYPE_TIME_EXCEEDED = 11;
    private static final int CODE_REASSEMBLY_TIME_EXCEEDED = 1;
    /** Quoted transport bytes every router returns (RFC 792): ports and sequence number. */
    private static final int QUOTED_TRANSPORT = 8;

    private final IpOutput ip;
    private final StackCounters counters;
    private final IcmpEcho icmp = new IcmpEcho();
    private EchoListener listener = EchoListener.NONE;
    private PathMtuListener pathMtu = PathMtuListener.NONE;

    /**
     * @param ip where packets are built.
     * @param counters counters.
     */
    public IcmpService(final IpOutput ip, final StackCounters counters)
    {
        this.ip = ip;
        this.counters = counters;
    }

    /**
     * @param listener told of fragmentation-needed reports for our TCP segments.
     */
    public void pathMtuListener(final PathMtuListener listener)
    {
        this.pathMtu = listener == null ? PathMtuListener.NONE : listener;
    }

    /**
     * @param listener told of echo replies.
     */
    public void listener(final EchoListener listener)
    {
        this.listener = listener == null ? EchoListener.NONE : listener;
    }

    /**
     * Handles an ICMP message addressed to us.
     *
     * @param source IP source.
     * @param buffer the frame's buffer.
     * @param offset where the ICMP message starts.
     * @param length its length.
     * @param now the time.
     * @return why it was dropped, or {@link DropReason#NONE}.
     */
    public DropReason onIcmp(
        final int source, final MutableDirectBuffer buffer, final int offset, final int length, final long now)
    {
        final DropReason reason = icmp.wrapChecked(buffer, offset, length);
        if (reason != DropReason.NONE)
        {
            return reason;
        }
        final int type = icmp.type();
        if (type == IcmpEcho.TYPE_ECHO_REQUEST && icmp.code() == 0)
        {
            // RFC 1122 §3.2.2.6: the reply carries the request's identifier, sequence and data unchanged.
            final int at = ip.begin(source, Ipv4Header.PROTOCOL_ICMP, length, now);
            if (at >= 0)
            {
                final MutableDirectBuffer out = ip.buffer();
                out.putBytes(at + IcmpEcho.HEADER_LENGTH, buffer, offset + IcmpEcho.HEADER_LENGTH,
                    length - IcmpEcho.HEADER_LENGTH);
                IcmpEcho.writeEcho(out, at, IcmpEcho.TYPE_ECHO_REPLY, icmp.identifier(), icmp.sequence(), length);
                ip.commit();
                counters.increment(StackCounter.ICMP_ECHO_REPLIES_SENT);
            }
            return DropReason.NONE;
        }
        if (type == IcmpEcho.TYPE_ECHO_REPLY)
        {
            counters.increment(StackCounter.ICMP_ECHO_REPLIES_RECEIVED);
            listener.onEchoReply(source, icmp.identifier(), icmp.sequence(), length - IcmpEcho.HEADER_LENGTH);
            return DropReason.NONE;
        }
        if (type == TYPE_DESTINATION_UNREACHABLE && icmp.code() == CODE_FRAGMENTATION_NEEDED)
        {
            return onFragmentationNeeded(buffer, offset, length, now);
        }
        return DropReason.ICMP_UNSUPPORTED_TYPE;
    }

    private DropReason onFragmentationNeeded(
        final MutableDirectBuffer buffer, final int offset, final int length, final long now)
    {
        // RFC 1191 §4: the next-hop MTU is the low 16 bits of the header's second word; then the quoted IP header
        // and at least 8 bytes of what it carried (RFC 792).
        final int quoted = offset + IcmpEcho.HEADER_LENGTH;
        final int quotedLength = length - IcmpEcho.HEADER_LENGTH;
        if (quotedLength < Ipv4Header.MIN_HEADER_LENGTH + QUOTED_TRANSPORT)
        {
            return DropReason.ICMP_BAD_QUOTE;
        }
        final int versionIhl = buffer.getByte(quoted) & 0xFF;
        final int ihl = (versionIhl & 0xF) << 2;
        if ((versionIhl >>> 4) != 4 || ihl < Ipv4Header.MIN_HEADER_LENGTH || ihl + QUOTED_TRANSPORT > quotedLength
            || (buffer.getByte(quoted + Ipv4Header.PROTOCOL_OFFSET) & 0xFF) != Ipv4Header.PROTOCOL_TCP
            || buffer.getInt(quoted + Ipv4Header.SOURCE_OFFSET, ByteOrder.BIG_ENDIAN) != ip.localIp())
        {
            return DropReason.ICMP_BAD_QUOTE;
        }
        final int remoteIp = buffer.getInt(quoted + Ipv4Header.DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN);
        final int tcp = quoted + ihl;
        final int localPort = buffer.getShort(tcp, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int remotePort = buffer.getShort(tcp + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int sequence = buffer.getInt(tcp + 4, ByteOrder.BIG_ENDIAN);
        final int nextHopMtu = buffer.getShort(offset + 6, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        return pathMtu.onFragmentationNeeded(remoteIp, remotePort, localPort, sequence, nextHopMtu, now);
    }

    /**
     * Sends ICMP Time Exceeded, code 1 ("fragment reassembly time exceeded", RFC 792): the datagram's header as
     * fragment zero carried it, and the first 8 bytes of its data.
     *
     * @param destination the datagram's source.
     * @param header where fragment zero's IP header is kept.
     * @param headerOffset its offset.
     * @param headerLength its length.
     * @param data the datagram's data from offset 0 (at least 8 bytes held).
     * @param now the time.
     */
    void reassemblyTimeExceeded(
        final int destination, final DirectBuffer header, final int headerOffset, final int headerLength,
        final DirectBuffer data, final long now)
    {
        if (!mayReportErrorTo(destination, header, headerOffset, data))
        {
            return;
        }
        final int length = IcmpEcho.HEADER_LENGTH + headerLength + QUOTED_TRANSPORT;
        final int at = ip.begin(destination, Ipv4Header.PROTOCOL_ICMP, length, now);
        if (at < 0)
        {
            return;
        }
        final MutableDirectBuffer out = ip.buffer();
        out.putByte(at + IcmpEcho.TYPE_OFFSET, (byte)TYPE_TIME_EXCEEDED);
        out.putByte(at + IcmpEcho.CODE_OFFSET, (byte)CODE_REASSEMBLY_TIME_EXCEEDED);
        out.putShort(at + IcmpEcho.CHECKSUM_OFFSET, (short)0);
        out.putInt(at + 4, 0); // unused
        out.putBytes(at + IcmpEcho.HEADER_LENGTH, header, headerOffset, headerLength);
        out.putBytes(at + IcmpEcho.HEADER_LENGTH + headerLength, data, 0, QUOTED_TRANSPORT);
        out.putShort(at + IcmpEcho.CHECKSUM_OFFSET, (short)Checksum.compute(out, at, length), ByteOrder.BIG_ENDIAN);
        ip.commit();
        counters.increment(StackCounter.ICMP_TIME_EXCEEDED_SENT);
    }

    /**
     * RFC 1122 §3.2.2: no ICMP error about a datagram from a broadcast, multicast or unspecified source, nor about
     * an ICMP error message (only about the informational types: echo, timestamp, information, address mask).
     */
    private static boolean mayReportErrorTo(
        final int source, final DirectBuffer header, final int headerOffset, final DirectBuffer data)
    {
        if (source == 0 || source == -1 || (source >>> 28) == 0xE)
        {
            return false;
        }
        if ((header.getByte(headerOffset + Ipv4Header.PROTOCOL_OFFSET) & 0xFF) != Ipv4Header.PROTOCOL_ICMP)
        {
            return true;
        }
        final int type = data.getByte(IcmpEcho.TYPE_OFFSET) & 0xFF;
        return type == IcmpEcho.TYPE_ECHO_REPLY || type == IcmpEcho.TYPE_ECHO_REQUEST || type >= 13 && type <= 18;
    }

    /**
     * Sends an echo request with a recognisable data pattern.
     *
     * @param destination whom to ping.
     * @param identifier echo identifier.
     * @param sequence echo sequence number.
     * @param dataLength bytes of data.
     * @param now the time.
     * @return whether it was sent or parked waiting for ARP.
     */
    public boolean ping(
        final int destination, final int identifier, final int sequence, final int dataLength, final long now)
    {
        final int length = IcmpEcho.HEADER_LENGTH + dataLength;
        final int at = ip.begin(destination, Ipv4Header.PROTOCOL_ICMP, length, now);
        if (at < 0)
        {
            return false;
        }
        final MutableDirectBuffer out = ip.buffer();
        for (int i = 0; i < dataLength; i++)
        {
            out.putByte(at + IcmpEcho.HEADER_LENGTH + i, (byte)(0x10 + i));
        }
        IcmpEcho.writeEcho(out, at, IcmpEcho.TYPE_ECHO_REQUEST, identifier, sequence, length);
        ip.commit();
        counters.increment(StackCounter.ICMP_ECHO_REQUESTS_SENT);
        return true;
    }
}
