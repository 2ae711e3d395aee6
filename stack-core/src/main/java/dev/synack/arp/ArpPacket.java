package dev.synack.arp;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

import dev.synack.stat.DropReason;
import dev.synack.wire.Bounds;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.MacAddress;

/**
 * Flyweight over an ARP packet for IPv4 over Ethernet (RFC 826). Never allocates.
 */
public final class ArpPacket
{
    /** Hardware type offset. */
    public static final int HTYPE_OFFSET = 0;
    /** Protocol type offset. */
    public static final int PTYPE_OFFSET = 2;
    /** Hardware address length offset. */
    public static final int HLEN_OFFSET = 4;
    /** Protocol address length offset. */
    public static final int PLEN_OFFSET = 5;
    /** Operation offset. */
    public static final int OPER_OFFSET = 6;
    /** Sender hardware address offset. */
    public static final int SHA_OFFSET = 8;
    /** Sender protocol address offset. */
    public static final int SPA_OFFSET = 14;
    /** Target hardware address offset. */
    public static final int THA_OFFSET = 18;
    /** Target protocol address offset. */
    public static final int TPA_OFFSET = 24;
    /** Length of an Ethernet/IPv4 ARP packet. */
    public static final int LENGTH = 28;
    /** Hardware type Ethernet. */
    public static final int HTYPE_ETHERNET = 1;
    /** Operation: request. */
    public static final int OP_REQUEST = 1;
    /** Operation: reply. */
    public static final int OP_REPLY = 2;

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * Wraps an ARP packet from the wire and checks it is Ethernet/IPv4 with a known operation.
     *
     * @param buffer the buffer.
     * @param offset where the ARP packet starts.
     * @param length bytes available.
     * @return {@link DropReason#NONE} when usable.
     */
    public DropReason wrapChecked(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        if (length < LENGTH)
        {
            return DropReason.ARP_TRUNCATED;
        }
        final int op = operation();
        if (u16(HTYPE_OFFSET) != HTYPE_ETHERNET || u16(PTYPE_OFFSET) != EthernetFrame.TYPE_IPV4
            || (buffer.getByte(offset + HLEN_OFFSET) & 0xFF) != 6 || (buffer.getByte(offset + PLEN_OFFSET) & 0xFF) != 4
            || (op != OP_REQUEST && op != OP_REPLY))
        {
            return DropReason.ARP_UNSUPPORTED;
        }
        return DropReason.NONE;
    }

    /** @return the operation. */
    public int operation()
    {
        return u16(OPER_OFFSET);
    }

    /** @return sender hardware address. */
    public long senderMac()
    {
        return MacAddress.read(buffer, offset + SHA_OFFSET);
    }

    /** @return sender protocol address. */
    public int senderIp()
    {
        return buffer.getInt(offset + SPA_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return target hardware address. */
    public long targetMac()
    {
        return MacAddress.read(buffer, offset + THA_OFFSET);
    }

    /** @return target protocol address. */
    public int targetIp()
    {
        return buffer.getInt(offset + TPA_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    private int u16(final int field)
    {
        return buffer.getShort(offset + field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Writes a complete Ethernet/IPv4 ARP packet.
     *
     * @param buffer destination.
     * @param offset where the ARP packet starts.
     * @param operation request or reply.
     * @param senderMac sender hardware address.
     * @param senderIp sender protocol address.
     * @param targetMac target hardware address (zero in requests).
     * @param targetIp target protocol address.
     * @return the offset just past the packet.
     */
    public static int write(
        final MutableDirectBuffer buffer, final int offset, final int operation, final long senderMac,
        final int senderIp, final long targetMac, final int targetIp)
    {
        Bounds.check(buffer.capacity(), offset, LENGTH);
        buffer.putShort(offset + HTYPE_OFFSET, (short)HTYPE_ETHERNET, ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + PTYPE_OFFSET, (short)EthernetFrame.TYPE_IPV4, ByteOrder.BIG_ENDIAN);
        buffer.putByte(offset + HLEN_OFFSET, (byte)6);
        buffer.putByte(offset + PLEN_OFFSET, (byte)4);
        buffer.putShort(offset + OPER_OFFSET, (short)operation, ByteOrder.BIG_ENDIAN);
        MacAddress.write(buffer, offset + SHA_OFFSET, senderMac);
        buffer.putInt(offset + SPA_OFFSET, senderIp, ByteOrder.BIG_ENDIAN);
        MacAddress.write(buffer, offset + THA_OFFSET, targetMac);
        buffer.putInt(offset + TPA_OFFSET, targetIp, ByteOrder.BIG_ENDIAN);
        return offset + LENGTH;
    }
}
