package dev.synack.tcp;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import dev.synack.wire.NetworkOrder;

/**
 * The TCP options synack understands — MSS (RFC 9293 §3.7.1), window scale and timestamps (RFC 7323),
 * SACK-permitted and SACK blocks (RFC 2018) — parsed into primitive fields, and written back.
 * <p>
 * One instance is reused for every segment (a flyweight of parsed values); never allocates.
 * Unknown options are skipped by their length; a malformed list rejects the whole segment.
 */
public final class TcpOptions
{
    /** End of option list. */
    public static final int KIND_EOL = 0;
    /** No-operation. */
    public static final int KIND_NOP = 1;
    /** Maximum segment size. */
    public static final int KIND_MSS = 2;
    /** Window scale. */
    public static final int KIND_WINDOW_SCALE = 3;
    /** SACK permitted. */
    public static final int KIND_SACK_PERMITTED = 4;
    /** SACK blocks. */
    public static final int KIND_SACK = 5;
    /** Timestamps. */
    public static final int KIND_TIMESTAMPS = 8;
    /** Bytes the timestamps option takes in a segment, with its two NOPs. */
    public static final int TIMESTAMPS_LENGTH = 12;
    private static final int TIMESTAMPS_PREFIX = (KIND_NOP << 24) | (KIND_NOP << 16) | (KIND_TIMESTAMPS << 8) | 10;
    /** At most four SACK blocks fit in 40 bytes of options. */
    public static final int MAX_SACK_BLOCKS = 4;
    /** Largest window shift allowed (RFC 7323 §2.3). */
    public static final int MAX_WINDOW_SHIFT = 14;
    /** Value of absent numeric options. */
    public static final int ABSENT = -1;

    private int mss;
    private int windowScale;
    private boolean sackPermitted;
    private boolean timestamps;
    private int tsVal;
    private int tsEcr;
    private int sackBlockCount;
    private final int[] sackBlocks = new int[2 * MAX_SACK_BLOCKS];

    /** Forgets everything parsed before. */
    public void clear()
    {
        mss = ABSENT;
        windowScale = ABSENT;
        sackPermitted = false;
        timestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackBlockCount = 0;
    }

    /**
     * Parses an option list.
     *
     * @param buffer the segment's buffer.
     * @param offset first option byte.
     * @param length bytes of options (data offset × 4 − 20).
     * @return false when the list is malformed: an option length of 0 or 1, an option running past the
     *     end, or a known option with the wrong length.
     */
    public boolean parse(final DirectBuffer buffer, final int offset, final int length)
    {
        clear();
        if (length <= 0)
        {
            return true;
        }
        // One bounds check for the list; every read below stays inside [offset, offset + length).
        final byte[] array = buffer.byteArray();
        final long base = NetworkOrder.base(buffer, offset, length);
        // Fast path for the layout nearly every segment of a timestamps connection has (RFC 7323 appendix A:
        // NOP NOP kind 8 length 10): one int compare instead of the loop.
        if (length == TIMESTAMPS_LENGTH && NetworkOrder.i32(array, base) == TIMESTAMPS_PREFIX)
        {
            timestamps = true;
            tsVal = NetworkOrder.i32(array, base + 4);
            tsEcr = NetworkOrder.i32(array, base + 8);
            return true;
        }
        int i = 0;
        final int end = length;
        while (i < end)
        {
            final int kind = NetworkOrder.u8(array, base + i);
            if (kind == KIND_EOL)
            {
                return true;
            }
            if (kind == KIND_NOP)
            {
                i++;
                continue;
            }
            if (i + 1 >= end)
            {
                return false;
            }
            final int len = NetworkOrder.u8(array, base + i + 1);
            if (len < 2 || i + len > end)
            {
                return false;
            }
            if (!parseOne(array, base + i, kind, len))
            {
                return false;
            }
            i += len;
        }
        return true;
    }

    private boolean parseOne(final byte[] array, final long at, final int kind, final int len)
    {
        switch (kind)
        {
            case KIND_MSS:
                if (len != 4)
                {
                    return false;
                }
                mss = NetworkOrder.u16(array, at + 2);
                return true;
            case KIND_WINDOW_SCALE:
                if (len != 3)
                {
                    return false;
                }
                // RFC 7323 §2.3: a shift above 14 is used as 14.
                windowScale = Math.min(NetworkOrder.u8(array, at + 2), MAX_WINDOW_SHIFT);
                return true;
            case KIND_SACK_PERMITTED:
                if (len != 2)
                {
                    return false;
                }
                sackPermitted = true;
                return true;
            case KIND_SACK:
                if (len < 10 || (len - 2) % 8 != 0 || len > 2 + 8 * MAX_SACK_BLOCKS)
                {
                    return false;
                }
                sackBlockCount = (len - 2) / 8;
                for (int b = 0; b < sackBlockCount; b++)
                {
                    sackBlocks[2 * b] = NetworkOrder.i32(array, at + 2 + 8 * b);
                    sackBlocks[2 * b + 1] = NetworkOrder.i32(array, at + 6 + 8 * b);
                }
                return true;
            case KIND_TIMESTAMPS:
                if (len != 10)
                {
                    return false;
                }
                timestamps = true;
                tsVal = NetworkOrder.i32(array, at + 2);
                tsEcr = NetworkOrder.i32(array, at + 6);
                return true;
            default:
                return true;
        }
    }

    /** @return the MSS option's value, or {@link #ABSENT}. */
    public int mss()
    {
        return mss;
    }

    /** @return the window shift (capped at 14), or {@link #ABSENT}. */
    public int windowScale()
    {
        return windowScale;
    }

    /** @return whether SACK-permitted was present. */
    public boolean sackPermitted()
    {
        return sackPermitted;
    }

    /** @return whether timestamps were present. */
    public boolean hasTimestamps()
    {
        return timestamps;
    }

    /** @return TSval. */
    public int tsVal()
    {
        return tsVal;
    }

    /** @return TSecr. */
    public int tsEcr()
    {
        return tsEcr;
    }

    /** @return how many SACK blocks were present. */
    public int sackBlockCount()
    {
        return sackBlockCount;
    }

    /**
     * @param block 0..{@link #sackBlockCount()}-1.
     * @return the block's left edge.
     */
    public int sackLeft(final int block)
    {
        return sackBlocks[2 * block];
    }

    /**
     * @param block 0..{@link #sackBlockCount()}-1.
     * @return the block's right edge.
     */
    public int sackRight(final int block)
    {
        return sackBlocks[2 * block + 1];
    }

    /**
     * @param windowScale whether the SYN offers window scaling.
     * @param sackPermitted whether it offers SACK.
     * @return bytes {@link #writeSynOptions} writes.
     */
    public static int synOptionsLength(final boolean windowScale, final boolean sackPermitted)
    {
        return 4 + (windowScale ? 4 : 0) + (sackPermitted ? 4 : 0);
    }

    /**
     * Writes a SYN's options before any timestamps: MSS, then window scale and SACK-permitted when offered.
     *
     * @param buffer destination.
     * @param offset where.
     * @param mss our MSS.
     * @param windowScale whether to offer window scaling.
     * @param shift our shift count, when offered.
     * @param sackPermitted whether to offer SACK.
     * @return bytes written ({@link #synOptionsLength}).
     */
    public static int writeSynOptions(final MutableDirectBuffer buffer, final int offset, final int mss,
        final boolean windowScale, final int shift, final boolean sackPermitted)
    {
        int o = offset + writeMss(buffer, offset, mss);
        if (windowScale)
        {
            o += writeWindowScale(buffer, o, shift);
        }
        if (sackPermitted)
        {
            o += writeSackPermitted(buffer, o);
        }
        return o - offset;
    }

    /**
     * Writes an MSS option.
     *
     * @param buffer destination.
     * @param offset where.
     * @param mss the value.
     * @return bytes written (4).
     */
    public static int writeMss(final MutableDirectBuffer buffer, final int offset, final int mss)
    {
        buffer.putByte(offset, (byte)KIND_MSS);
        buffer.putByte(offset + 1, (byte)4);
        buffer.putShort(offset + 2, (short)mss, ByteOrder.BIG_ENDIAN);
        return 4;
    }

    /**
     * Writes NOP + window scale (4 bytes, keeps 32-bit alignment).
     *
     * @param buffer destination.
     * @param offset where.
     * @param shift the shift count.
     * @return bytes written (4).
     */
    public static int writeWindowScale(final MutableDirectBuffer buffer, final int offset, final int shift)
    {
        buffer.putByte(offset, (byte)KIND_NOP);
        buffer.putByte(offset + 1, (byte)KIND_WINDOW_SCALE);
        buffer.putByte(offset + 2, (byte)3);
        buffer.putByte(offset + 3, (byte)shift);
        return 4;
    }

    /**
     * Writes NOP NOP SACK-permitted (4 bytes).
     *
     * @param buffer destination.
     * @param offset where.
     * @return bytes written (4).
     */
    public static int writeSackPermitted(final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putByte(offset, (byte)KIND_NOP);
        buffer.putByte(offset + 1, (byte)KIND_NOP);
        buffer.putByte(offset + 2, (byte)KIND_SACK_PERMITTED);
        buffer.putByte(offset + 3, (byte)2);
        return 4;
    }

    /**
     * Writes NOP NOP and the SACK option's kind and length for {@code blocks} blocks (RFC 2018 §3); the blocks
     * follow with {@link #writeSackBlock}.
     *
     * @param buffer destination.
     * @param offset where.
     * @param blocks how many blocks will follow (1..4).
     * @return bytes written (4).
     */
    public static int writeSackHeader(final MutableDirectBuffer buffer, final int offset, final int blocks)
    {
        buffer.putByte(offset, (byte)KIND_NOP);
        buffer.putByte(offset + 1, (byte)KIND_NOP);
        buffer.putByte(offset + 2, (byte)KIND_SACK);
        buffer.putByte(offset + 3, (byte)(2 + 8 * blocks));
        return 4;
    }

    /**
     * Writes one SACK block.
     *
     * @param buffer destination.
     * @param offset where.
     * @param left the block's first sequence number.
     * @param right the sequence number after its last byte.
     * @return bytes written (8).
     */
    public static int writeSackBlock(final MutableDirectBuffer buffer, final int offset, final int left,
        final int right)
    {
        buffer.putInt(offset, left, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + 4, right, ByteOrder.BIG_ENDIAN);
        return 8;
    }

    /**
     * Writes NOP NOP timestamps (12 bytes).
     *
     * @param buffer destination.
     * @param offset where.
     * @param tsVal TSval.
     * @param tsEcr TSecr.
     * @return bytes written (12).
     */
    public static int writeTimestamps(
        final MutableDirectBuffer buffer, final int offset, final int tsVal, final int tsEcr)
    {
        // On every segment of a timestamps connection: one bounds check, three stores.
        final byte[] array = buffer.byteArray();
        final long address = NetworkOrder.base(buffer, offset, TIMESTAMPS_LENGTH);
        NetworkOrder.put32(array, address, TIMESTAMPS_PREFIX);
        NetworkOrder.put32(array, address + 4, tsVal);
        NetworkOrder.put32(array, address + 8, tsEcr);
        return TIMESTAMPS_LENGTH;
    }
}
