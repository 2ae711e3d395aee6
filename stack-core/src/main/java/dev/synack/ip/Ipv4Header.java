package dev.synack.ip;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

import dev.synack.stat.DropReason;
import dev.synack.wire.Bounds;
import dev.synack.wire.Checksum;

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

    private MutableDirectBuffer buffer;
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
        this.buffer = buffer;
        this.offset = offset;
        if (available < MIN_HEADER_LENGTH)
        {
            return DropReason.IP_TRUNCATED;
        }
        final int versionIhl = buffer.getByte(offset) & 0xFF;
        if ((versionIhl >>> 4) != 4)
        {
            return DropReason.IP_BAD_VERSION;
        }
        headerLength = (versionIhl & 0xF) << 2;
        if (headerLength < MIN_HEADER_LENGTH || headerLength > available)
        {
            return DropReason.IP_BAD_IHL;
        }
        totalLength = buffer.getShort(offset + TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (totalLength < headerLength || totalLength > available)
        {
            return DropReason.IP_BAD_TOTAL_LENGTH;
        }
        if (!Checksum.verifies(Checksum.add(0, buffer, offset, headerLength)))
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
        return buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @return the identification field. */
    public int identification()
    {
        return buffer.getShort(offset + ID_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @return time to live. */
    public int ttl()
    {
        return buffer.getByte(offset + TTL_OFFSET) & 0xFF;
    }

    /** @return protocol number. */
    public int protocol()
    {
        return buffer.getByte(offset + PROTOCOL_OFFSET) & 0xFF;
    }

    /** @return header checksum field. */
    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @return source address. */
    public int source()
    {
        return buffer.getInt(offset + SOURCE_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return destination address. */
    public int destination()
    {
        return buffer.getInt(offset + DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN);
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
        buffer.putByte(offset + VERSION_IHL_OFFSET, (byte)0x45);
        buffer.putByte(offset + TOS_OFFSET, (byte)0);
        buffer.putShort(offset + TOTAL_LENGTH_OFFSET, (short)(MIN_HEADER_LENGTH + payloadLength), ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + ID_OFFSET, (short)identification, ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + FLAGS_FRAGMENT_OFFSET, (short)FLAG_DF, ByteOrder.BIG_ENDIAN);
        buffer.putByte(offset + TTL_OFFSET, (byte)ttl);
        buffer.putByte(offset + PROTOCOL_OFFSET, (byte)protocol);
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)0);
        buffer.putInt(offset + SOURCE_OFFSET, source, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + DESTINATION_OFFSET, destination, ByteOrder.BIG_ENDIAN);
        buffer.putShort(
            offset + CHECKSUM_OFFSET, (short)Checksum.compute(buffer, offset, MIN_HEADER_LENGTH), ByteOrder.BIG_ENDIAN);
        return offset + MIN_HEADER_LENGTH;
    }
}
