package dev.synack.ip;

import org.agrona.MutableDirectBuffer;

import dev.synack.stat.DropReason;
import dev.synack.wire.Bounds;
import dev.synack.wire.Checksum;
import dev.synack.wire.NetworkOrder;

/**
 * Flyweight over an IPv4 header (RFC 791). Header options are skipped by IHL; fragments are recognised
 * (and dropped by the stack: synack does not reassemble). Never allocates.
 */
public final class Ipv4Header
{
    /** Version and IHL. */
    public static final int VERSION_IHL_OFFSET = 0;
    /** DSCP/ECN. */
    public static final int TOS_OFFSET = 1;
    /** Total length. */
    public static final int TOTAL_LENGTH_OFFSET = 2;
    /** Identification. */
    public static final int ID_OFFSET = 4;
    /** Flags and fragment offset. */
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    /** Time to live. */
    public static final int TTL_OFFSET = 8;
    /** Protocol. */
    public static final int PROTOCOL_OFFSET = 9;
    /** Header checksum. */
    public static final int CHECKSUM_OFFSET = 10;
    /** Source address. */
    public static final int SOURCE_OFFSET = 12;
    /** Destination address. */
    public static final int DESTINATION_OFFSET = 16;
    /** Header length without options. */
    public static final int MIN_HEADER_LENGTH = 20;
    /** Protocol number of ICMP. */
    public static final int PROTOCOL_ICMP = 1;
    /** Protocol number of TCP. */
    public static final int PROTOCOL_TCP = 6;
    /** Don't Fragment flag in the flags/fragment field. */
    public static final int FLAG_DF = 0x4000;
    /** More Fragments flag. */
    public static final int FLAG_MF = 0x2000;
    /** Default TTL of what we send (as Linux). */
    public static final int DEFAULT_TTL = 64;

    /** The buffer's base object and the header's raw address: fields are read without a check each (NetworkOrder). */
    private byte[] array;
    private long address;
    private int offset;
    private int headerLength;
    private int totalLength;

    /**
     * Wraps and validates a header from the wire: version, IHL, total length, checksum, fragments.
     * After {@link DropReason#NONE}, every accessor stays inside {@code [offset, offset + totalLength())}.
     *
     * @param buffer the buffer.
     * @param offset where the IPv4 header starts.
     * @param available bytes available from {@code offset} (Ethernet padding included).
     * @return why the packet must be dropped, or {@link DropReason#NONE}.
     */
    public DropReason wrapChecked(final MutableDirectBuffer buffer, final int offset, final int available)
    {
        this.offset = offset;
        if (available < MIN_HEADER_LENGTH)
        {
            return DropReason.IP_TRUNCATED;
        }
        // The one bounds check of the packet: every accessor reads inside [offset, offset + available).
        array = buffer.byteArray();
        address = NetworkOrder.base(buffer, offset, available);
        final int versionIhl = NetworkOrder.u8(array, address);
        if ((versionIhl >>> 4) != 4)
        {
            return DropReason.IP_BAD_VERSION;
        }
        headerLength = (versionIhl & 0xF) << 2;
        if (headerLength < MIN_HEADER_LENGTH || headerLength > available)
        {
            return DropReason.IP_BAD_IHL;
        }
        totalLength = NetworkOrder.u16(array, address + TOTAL_LENGTH_OFFSET);
        if (totalLength < headerLength || totalLength > available)
        {
            return DropReason.IP_BAD_TOTAL_LENGTH;
        }
        if (!Checksum.verifies(Checksum.addNative(0, buffer, offset, headerLength)))
        {
            return DropReason.IP_BAD_CHECKSUM;
        }
        if ((flagsFragment() & (FLAG_MF | 0x1FFF)) != 0)
        {
            return DropReason.IP_FRAGMENT;
        }
        return DropReason.NONE;
    }

    /** @return header length in bytes (IHL × 4). */
    public int headerLength()
    {
        return headerLength;
    }

    /** @return total length in bytes. */
    public int totalLength()
    {
        return totalLength;
    }

    /** @return offset of the payload in the buffer. */
    public int payloadOffset()
    {
        return offset + headerLength;
    }

    /** @return payload length. */
    public int payloadLength()
    {
        return totalLength - headerLength;
    }

    /** @return flags and fragment offset. */
    public int flagsFragment()
    {
        return NetworkOrder.u16(array, address + FLAGS_FRAGMENT_OFFSET);
    }

    /** @return the identification field. */
    public int identification()
    {
        return NetworkOrder.u16(array, address + ID_OFFSET);
    }

    /** @return time to live. */
    public int ttl()
    {
        return NetworkOrder.u8(array, address + TTL_OFFSET);
    }

    /** @return protocol number. */
    public int protocol()
    {
        return NetworkOrder.u8(array, address + PROTOCOL_OFFSET);
    }

    /** @return header checksum field. */
    public int checksum()
    {
        return NetworkOrder.u16(array, address + CHECKSUM_OFFSET);
    }

    /** @return source address. */
    public int source()
    {
        return NetworkOrder.i32(array, address + SOURCE_OFFSET);
    }

    /** @return destination address. */
    public int destination()
    {
        return NetworkOrder.i32(array, address + DESTINATION_OFFSET);
    }

    /**
     * Writes a 20-byte header (no options) with its checksum.
     *
     * @param buffer destination.
     * @param offset where the header starts.
     * @param source source address.
     * @param destination destination address.
     * @param protocol protocol number.
     * @param payloadLength bytes after the header.
     * @param identification the ID field.
     * @param ttl time to live.
     * @return offset of the payload.
     */
    public static int writeHeader(
        final MutableDirectBuffer buffer, final int offset, final int source, final int destination,
        final int protocol, final int payloadLength, final int identification, final int ttl)
    {
        Bounds.check(buffer.capacity(), offset, MIN_HEADER_LENGTH + payloadLength);
        final byte[] array = buffer.byteArray();
        final long address = NetworkOrder.base(buffer, offset, MIN_HEADER_LENGTH);
        NetworkOrder.put8(array, address + VERSION_IHL_OFFSET, 0x45);
        NetworkOrder.put8(array, address + TOS_OFFSET, 0);
        NetworkOrder.put16(array, address + TOTAL_LENGTH_OFFSET, MIN_HEADER_LENGTH + payloadLength);
        NetworkOrder.put16(array, address + ID_OFFSET, identification);
        NetworkOrder.put16(array, address + FLAGS_FRAGMENT_OFFSET, FLAG_DF);
        NetworkOrder.put8(array, address + TTL_OFFSET, ttl);
        NetworkOrder.put8(array, address + PROTOCOL_OFFSET, protocol);
        NetworkOrder.put32(array, address + SOURCE_OFFSET, source);
        NetworkOrder.put32(array, address + DESTINATION_OFFSET, destination);
        // RFC 1071: the header's 16-bit words are the values just written, so sum them, not the memory.
        final long sum = 0x4500L + MIN_HEADER_LENGTH + payloadLength + (identification & 0xFFFF) + FLAG_DF
            + ((ttl & 0xFF) << 8 | (protocol & 0xFF)) + (source >>> 16) + (source & 0xFFFF)
            + (destination >>> 16) + (destination & 0xFFFF);
        NetworkOrder.put16(array, address + CHECKSUM_OFFSET, Checksum.finish(sum));
        return offset + MIN_HEADER_LENGTH;
    }
}
