package dev.synack.tcp;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

import dev.synack.ip.Ipv4Header;
import dev.synack.stat.DropReason;
import dev.synack.wire.Bounds;
import dev.synack.wire.Checksum;
import dev.synack.wire.NetworkOrder;

/**
 * Flyweight over a TCP header (RFC 9293 §3.1) and its options. Never allocates.
 */
public final class TcpHeader
{
    /** Source port. */
    public static final int SOURCE_PORT_OFFSET = 0;
    /** Destination port. */
    public static final int DESTINATION_PORT_OFFSET = 2;
    /** Sequence number. */
    public static final int SEQ_OFFSET = 4;
    /** Acknowledgment number. */
    public static final int ACK_OFFSET = 8;
    /** Data offset (high nibble). */
    public static final int DATA_OFFSET_OFFSET = 12;
    /** Control bits. */
    public static final int FLAGS_OFFSET = 13;
    /** Window. */
    public static final int WINDOW_OFFSET = 14;
    /** Checksum. */
    public static final int CHECKSUM_OFFSET = 16;
    /** Urgent pointer. */
    public static final int URGENT_OFFSET = 18;
    /** Header length without options. */
    public static final int MIN_HEADER_LENGTH = 20;
    /** Header length with the most options. */
    public static final int MAX_HEADER_LENGTH = 60;

    /** FIN. */
    public static final int FIN = 0x01;
    /** SYN. */
    public static final int SYN = 0x02;
    /** RST. */
    public static final int RST = 0x04;
    /** PSH. */
    public static final int PSH = 0x08;
    /** ACK. */
    public static final int ACK = 0x10;
    /** URG. */
    public static final int URG = 0x20;
    /** ECE. */
    public static final int ECE = 0x40;
    /** CWR. */
    public static final int CWR = 0x80;

    private final TcpOptions options = new TcpOptions();
    private MutableDirectBuffer buffer;
    /** The buffer's base object and the header's raw address: fields are read without a check each (NetworkOrder). */
    private byte[] array;
    private long address;
    private int offset;
    private int length;
    private int headerLength;

    /**
     * Wraps and validates a segment from the wire: header length, data offset, checksum with the
     * pseudo-header, options, and flag combinations no real TCP sends. After {@link DropReason#NONE},
     * {@link #options()} holds the parsed options.
     *
     * @param buffer the buffer.
     * @param offset where the TCP header starts.
     * @param length the segment length (IP payload length).
     * @param sourceIp the IP source, for the pseudo-header.
     * @param destinationIp the IP destination, for the pseudo-header.
     * @return why the segment must be dropped, or {@link DropReason#NONE}.
     */
    public DropReason wrapChecked(
        final MutableDirectBuffer buffer, final int offset, final int length, final int sourceIp,
        final int destinationIp)
    {
        keep(buffer);
        this.offset = offset;
        this.length = length;
        if (length < MIN_HEADER_LENGTH)
        {
            return DropReason.TCP_TRUNCATED;
        }
        // The one bounds check of the segment: every accessor below reads inside [offset, offset + length).
        array = buffer.byteArray();
        address = NetworkOrder.base(buffer, offset, length);
        headerLength = (NetworkOrder.u8(array, address + DATA_OFFSET_OFFSET) >>> 4) << 2;
        if (headerLength < MIN_HEADER_LENGTH || headerLength > length)
        {
            return DropReason.TCP_BAD_DATA_OFFSET;
        }
        final long sum = segmentSum(buffer, offset, length, sourceIp, destinationIp);
        if (!Checksum.verifies(sum))
        {
            return DropReason.TCP_BAD_CHECKSUM;
        }
        if (!options.parse(buffer, offset + MIN_HEADER_LENGTH, headerLength - MIN_HEADER_LENGTH))
        {
            return DropReason.TCP_BAD_OPTIONS;
        }
        final int flags = flags();
        if ((flags & (SYN | RST)) == (SYN | RST) || (flags & (SYN | FIN)) == (SYN | FIN)
            || (flags & (SYN | RST | ACK | FIN)) == 0)
        {
            return DropReason.TCP_BAD_FLAGS;
        }
        return DropReason.NONE;
    }

    /**
     * Wraps a segment we built (no validation).
     *
     * @param buffer the buffer.
     * @param offset where the header starts.
     * @param length the segment length.
     * @return this.
     */
    public TcpHeader wrap(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        Bounds.check(buffer.capacity(), offset, length);
        keep(buffer);
        this.offset = offset;
        this.length = length;
        this.array = buffer.byteArray();
        this.address = NetworkOrder.base(buffer, offset, Math.max(length, MIN_HEADER_LENGTH));
        this.headerLength = (NetworkOrder.u8(array, address + DATA_OFFSET_OFFSET) >>> 4) << 2;
        return this;
    }

    /**
     * Every segment in and out is wrapped here, almost always over the same ring's buffer: a reference store only
     * when it changes keeps the garbage collector's write barrier (G1's is a fence when regions differ) off the path.
     */
    private void keep(final MutableDirectBuffer buffer)
    {
        if (this.buffer != buffer)
        {
            this.buffer = buffer;
        }
    }

    /** @return the options parsed by {@link #wrapChecked}. */
    public TcpOptions options()
    {
        return options;
    }

    /** @return source port. */
    public int sourcePort()
    {
        return NetworkOrder.u16(array, address + SOURCE_PORT_OFFSET);
    }

    /** @return destination port. */
    public int destinationPort()
    {
        return NetworkOrder.u16(array, address + DESTINATION_PORT_OFFSET);
    }

    /** @return SEG.SEQ. */
    public int seq()
    {
        return NetworkOrder.i32(array, address + SEQ_OFFSET);
    }

    /** @return SEG.ACK. */
    public int ack()
    {
        return NetworkOrder.i32(array, address + ACK_OFFSET);
    }

    /** @return the control bits. */
    public int flags()
    {
        return NetworkOrder.u8(array, address + FLAGS_OFFSET);
    }

    /** @return SEG.WND as sent (unscaled). */
    public int window()
    {
        return NetworkOrder.u16(array, address + WINDOW_OFFSET);
    }

    /** @return the checksum field. */
    public int checksum()
    {
        return NetworkOrder.u16(array, address + CHECKSUM_OFFSET);
    }

    /** @return the urgent pointer. */
    public int urgentPointer()
    {
        return NetworkOrder.u16(array, address + URGENT_OFFSET);
    }

    /** @return header length in bytes (data offset × 4). */
    public int headerLength()
    {
        return headerLength;
    }

    /** @return offset of the payload in the buffer. */
    public int payloadOffset()
    {
        return offset + headerLength;
    }

    /** @return payload length. */
    public int payloadLength()
    {
        return length - headerLength;
    }

    /** @return the buffer wrapped. */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * Writes the fixed 20-byte header with a zero checksum; options follow at {@code offset + 20}.
     *
     * @param buffer destination.
     * @param offset where the header starts.
     * @param sourcePort source port.
     * @param destinationPort destination port.
     * @param seq SEG.SEQ.
     * @param ack SEG.ACK.
     * @param headerLength 20 + options, a multiple of 4.
     * @param flags control bits.
     * @param window SEG.WND as it goes on the wire (already scaled down).
     */
    public static void writeHeader(
        final MutableDirectBuffer buffer, final int offset, final int sourcePort, final int destinationPort,
        final int seq, final int ack, final int headerLength, final int flags, final int window)
    {
        final byte[] array = buffer.byteArray();
        final long address = NetworkOrder.base(buffer, offset, MIN_HEADER_LENGTH);
        NetworkOrder.put16(array, address + SOURCE_PORT_OFFSET, sourcePort);
        NetworkOrder.put16(array, address + DESTINATION_PORT_OFFSET, destinationPort);
        NetworkOrder.put32(array, address + SEQ_OFFSET, seq);
        NetworkOrder.put32(array, address + ACK_OFFSET, ack);
        NetworkOrder.put8(array, address + DATA_OFFSET_OFFSET, (headerLength >>> 2) << 4);
        NetworkOrder.put8(array, address + FLAGS_OFFSET, flags);
        NetworkOrder.put16(array, address + WINDOW_OFFSET, window);
        NetworkOrder.put32(array, address + CHECKSUM_OFFSET, 0); // checksum and urgent pointer
    }

    /**
     * Computes and stores the checksum of a complete segment (header, options, payload in place).
     *
     * @param buffer the buffer.
     * @param offset where the header starts.
     * @param length segment length.
     * @param sourceIp IP source.
     * @param destinationIp IP destination.
     */
    public static void writeChecksum(
        final MutableDirectBuffer buffer, final int offset, final int length, final int sourceIp,
        final int destinationIp)
    {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)0);
        final long sum = segmentSum(buffer, offset, length, sourceIp, destinationIp);
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)Checksum.finishNative(sum), ByteOrder.BIG_ENDIAN);
    }

    /** The native-order sum of a segment and its pseudo-header (RFC 9293 §3.1), for checking and for writing. */
    private static long segmentSum(
        final MutableDirectBuffer buffer, final int offset, final int length, final int sourceIp,
        final int destinationIp)
    {
        return Checksum.addNative(
            Checksum.pseudoHeaderNative(sourceIp, destinationIp, Ipv4Header.PROTOCOL_TCP, length), buffer, offset,
            length);
    }

    /**
     * Formats flags the way tcpdump does ("S.", "F.", "R", "P."), for tests and ladders; allocates.
     *
     * @param flags control bits.
     * @return the text.
     */
    public static String flagsToString(final int flags)
    {
        final StringBuilder sb = new StringBuilder();
        if ((flags & SYN) != 0)
        {
            sb.append("SYN,");
        }
        if ((flags & FIN) != 0)
        {
            sb.append("FIN,");
        }
        if ((flags & RST) != 0)
        {
            sb.append("RST,");
        }
        if ((flags & PSH) != 0)
        {
            sb.append("PSH,");
        }
        if ((flags & ACK) != 0)
        {
            sb.append("ACK,");
        }
        if ((flags & URG) != 0)
        {
            sb.append("URG,");
        }
        if (sb.length() > 0)
        {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }
}
