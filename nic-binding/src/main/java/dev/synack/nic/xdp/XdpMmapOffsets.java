package dev.synack.nic.xdp;

import org.agrona.DirectBuffer;

/**
 * Byte layout of {@code struct xdp_mmap_offsets} (four {@code struct xdp_ring_offset} of producer, consumer,
 * desc and flags, each u64: 32 bytes; rx, tx, fr, cr in that order), and the values the kernel reported.
 *
 * <p>Who calls it: {@link XdpSocket}, which reads it once with {@code getsockopt(XDP_MMAP_OFFSETS)} and maps
 * the rings at these offsets, never at assumed ones. Thread-safety: immutable after {@link #read}.
 */
public final class XdpMmapOffsets
{
    /** sizeof(struct xdp_ring_offset) with flags (5.4+). */
    public static final int RING_OFFSET_SIZE = 32;
    /** xdp_ring_offset.producer. */
    public static final int PRODUCER = 0;
    /** xdp_ring_offset.consumer. */
    public static final int CONSUMER = 8;
    /** xdp_ring_offset.desc. */
    public static final int DESC = 16;
    /** xdp_ring_offset.flags. */
    public static final int FLAGS = 24;
    /** xdp_mmap_offsets.rx. */
    public static final int RX = 0;
    /** xdp_mmap_offsets.tx. */
    public static final int TX = 32;
    /** xdp_mmap_offsets.fr (fill). */
    public static final int FILL = 64;
    /** xdp_mmap_offsets.cr (completion). */
    public static final int COMPLETION = 96;
    /** sizeof(struct xdp_mmap_offsets). */
    public static final int SIZE = 128;

    private final long[] values = new long[SIZE / 8];

    /**
     * Copies the kernel's answer.
     *
     * @param buffer the bytes getsockopt filled.
     * @param offset where they start.
     * @return this.
     */
    public XdpMmapOffsets read(final DirectBuffer buffer, final int offset)
    {
        for (int i = 0; i < values.length; i++)
        {
            values[i] = buffer.getLong(offset + i * 8);
        }
        return this;
    }

    /**
     * One reported offset.
     *
     * @param ring  {@link #RX}, {@link #TX}, {@link #FILL} or {@link #COMPLETION}.
     * @param field {@link #PRODUCER}, {@link #CONSUMER}, {@link #DESC} or {@link #FLAGS}.
     * @return the byte offset within that ring's mmap.
     */
    public long get(final int ring, final int field)
    {
        return values[(ring + field) / 8];
    }
}
