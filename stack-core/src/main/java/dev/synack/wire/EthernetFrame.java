package dev.synack.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import dev.synack.stat.DropReason;

/**
 * Flyweight over an Ethernet II header (no FCS: the NIC strips and adds it). Wrapped at an offset and
 * reused forever; never allocates.
 */
public final class EthernetFrame
{
    /** Destination MAC. */
    public static final int DESTINATION_OFFSET = 0;
    /** Source MAC. */
    public static final int SOURCE_OFFSET = 6;
    /** EtherType. */
    public static final int TYPE_OFFSET = 12;
    /** Header length. */
    public static final int HEADER_LENGTH = 14;
    /** Shortest frame on the wire without FCS; shorter ones are padded by the sender. */
    public static final int MIN_FRAME_LENGTH = 60;
    /** EtherType of IPv4. */
    public static final int TYPE_IPV4 = 0x0800;
    /** EtherType of ARP. */
    public static final int TYPE_ARP = 0x0806;

    /** The buffer's base object and the frame's raw address: fields are read without a check each (NetworkOrder). */
    private byte[] array;
    private long address;
    private int offset;
    private int length;

    /**
     * Wraps a frame that came off the wire, checking it is long enough for the header.
     *
     * @param buffer the frame's buffer.
     * @param offset where the frame starts.
     * @param length the frame's length.
     * @return {@link DropReason#NONE} when the header is complete.
     */
    public DropReason wrapChecked(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        this.offset = offset;
        this.length = length;
        if (length < HEADER_LENGTH)
        {
            return DropReason.ETH_TRUNCATED;
        }
        // The one bounds check of the frame: the layers above read inside [offset, offset + length).
        array = buffer.byteArray();
        address = NetworkOrder.base(buffer, offset, length);
        return DropReason.NONE;
    }

    /**
     * Wraps a frame we are building.
     *
     * @param buffer the buffer.
     * @param offset where the frame starts.
     * @param length the frame's length.
     * @return this.
     */
    public EthernetFrame wrap(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        Bounds.check(buffer.capacity(), offset, length);
        this.offset = offset;
        this.length = length;
        this.array = buffer.byteArray();
        this.address = NetworkOrder.base(buffer, offset, Math.max(length, HEADER_LENGTH));
        return this;
    }

    /** @return destination MAC in the low 48 bits. */
    public long destination()
    {
        return MacAddress.read(array, address + DESTINATION_OFFSET);
    }

    /** @return source MAC in the low 48 bits. */
    public long source()
    {
        return MacAddress.read(array, address + SOURCE_OFFSET);
    }

    /** @return the EtherType. */
    public int etherType()
    {
        return NetworkOrder.u16(array, address + TYPE_OFFSET);
    }

    /** @return offset of the payload in the buffer. */
    public int payloadOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /** @return payload length (frame length less the header; may include padding). */
    public int payloadLength()
    {
        return length - HEADER_LENGTH;
    }

    /**
     * Writes a header.
     *
     * @param buffer destination.
     * @param offset where the frame starts.
     * @param destination destination MAC.
     * @param source source MAC.
     * @param etherType the EtherType.
     * @return offset of the payload.
     */
    public static int writeHeader(
        final MutableDirectBuffer buffer, final int offset, final long destination, final long source,
        final int etherType)
    {
        final byte[] array = buffer.byteArray();
        final long address = NetworkOrder.base(buffer, offset, HEADER_LENGTH);
        MacAddress.write(array, address + DESTINATION_OFFSET, destination);
        MacAddress.write(array, address + SOURCE_OFFSET, source);
        NetworkOrder.put16(array, address + TYPE_OFFSET, etherType);
        return offset + HEADER_LENGTH;
    }

    /**
     * @param buffer the frame's buffer.
     * @param offset where the frame starts.
     * @return the EtherType.
     */
    public static int etherType(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }
}
