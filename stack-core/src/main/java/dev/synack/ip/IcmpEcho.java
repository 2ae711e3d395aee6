package dev.synack.ip;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

import dev.synack.stat.DropReason;
import dev.synack.wire.Checksum;

/**
 * Flyweight over an ICMP message (RFC 792), with the echo fields. Never allocates.
 */
public final class IcmpEcho
{
    /** Type. */
    public static final int TYPE_OFFSET = 0;
    /** Code. */
    public static final int CODE_OFFSET = 1;
    /** Checksum. */
    public static final int CHECKSUM_OFFSET = 2;
    /** Echo identifier. */
    public static final int IDENTIFIER_OFFSET = 4;
    /** Echo sequence number. */
    public static final int SEQUENCE_OFFSET = 6;
    /** Echo header length. */
    public static final int HEADER_LENGTH = 8;
    /** Type: echo reply. */
    public static final int TYPE_ECHO_REPLY = 0;
    /** Type: echo request. */
    public static final int TYPE_ECHO_REQUEST = 8;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Wraps an ICMP message from the wire and verifies its checksum.
     *
     * @param buffer the buffer.
     * @param offset where the ICMP message starts.
     * @param length the message length (IP payload length).
     * @return why it must be dropped, or {@link DropReason#NONE}.
     */
    public DropReason wrapChecked(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        if (length < HEADER_LENGTH)
        {
            return DropReason.ICMP_TRUNCATED;
        }
        if (!Checksum.verifies(Checksum.add(0, buffer, offset, length)))
        {
            return DropReason.ICMP_BAD_CHECKSUM;
        }
        return DropReason.NONE;
    }

    /** @return type. */
    public int type()
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    /** @return code. */
    public int code()
    {
        return buffer.getByte(offset + CODE_OFFSET) & 0xFF;
    }

    /** @return echo identifier. */
    public int identifier()
    {
        return buffer.getShort(offset + IDENTIFIER_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @return echo sequence number. */
    public int sequence()
    {
        return buffer.getShort(offset + SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @return message length. */
    public int length()
    {
        return length;
    }

    /**
     * Writes an echo header and computes the checksum over header and the data already in place.
     *
     * @param buffer destination.
     * @param offset where the ICMP message starts.
     * @param type request or reply.
     * @param identifier echo identifier.
     * @param sequence echo sequence number.
     * @param length whole message length, data included.
     */
    public static void writeEcho(
        final MutableDirectBuffer buffer, final int offset, final int type, final int identifier,
        final int sequence, final int length)
    {
        buffer.putByte(offset + TYPE_OFFSET, (byte)type);
        buffer.putByte(offset + CODE_OFFSET, (byte)0);
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)0);
        buffer.putShort(offset + IDENTIFIER_OFFSET, (short)identifier, ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + SEQUENCE_OFFSET, (short)sequence, ByteOrder.BIG_ENDIAN);
        final int checksum = Checksum.compute(buffer, offset, length);
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)checksum, ByteOrder.BIG_ENDIAN);
    }
}
