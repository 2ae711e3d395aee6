package dev.synack.nic.xdp;

import org.agrona.DirectBuffer;

/**
 * {@code struct xdp_statistics} (if_xdp.h, 48 bytes on 5.9+): six u64 counters the kernel keeps per socket,
 * and a mutable snapshot of them.
 *
 * <p>Who calls it: {@link XdpSocket#statistics(XdpStatistics)} fills one the caller owns, so reading
 * statistics allocates nothing. Thread-safety: a plain value object, not safe to share while it is refilled.
 * Caveat: older kernels return only the first three counters; the rest then read 0.
 */
public final class XdpStatistics
{
    /** rx_dropped: dropped for other reasons (e.g. a frame larger than a UMEM chunk). */
    public static final int RX_DROPPED = 0;
    /** rx_invalid_descs. */
    public static final int RX_INVALID_DESCS = 8;
    /** tx_invalid_descs. */
    public static final int TX_INVALID_DESCS = 16;
    /** rx_ring_full: dropped because our RX ring was full (we did not drain fast enough). */
    public static final int RX_RING_FULL = 24;
    /** rx_fill_ring_empty_descs: the fill ring was empty when a frame came (we did not refill). */
    public static final int RX_FILL_RING_EMPTY_DESCS = 32;
    /** tx_ring_empty_descs. */
    public static final int TX_RING_EMPTY_DESCS = 40;
    /** sizeof(struct xdp_statistics). */
    public static final int SIZE = 48;

    private long rxDropped;
    private long rxInvalidDescs;
    private long txInvalidDescs;
    private long rxRingFull;
    private long rxFillRingEmptyDescs;
    private long txRingEmptyDescs;

    /**
     * Copies the counters from getsockopt's answer.
     *
     * @param buffer the bytes.
     * @param offset where they start.
     * @param length how many bytes the kernel wrote (older kernels write 24).
     * @return this.
     */
    public XdpStatistics read(final DirectBuffer buffer, final int offset, final int length)
    {
        rxDropped = buffer.getLong(offset + RX_DROPPED);
        rxInvalidDescs = buffer.getLong(offset + RX_INVALID_DESCS);
        txInvalidDescs = buffer.getLong(offset + TX_INVALID_DESCS);
        rxRingFull = length >= SIZE ? buffer.getLong(offset + RX_RING_FULL) : 0;
        rxFillRingEmptyDescs = length >= SIZE ? buffer.getLong(offset + RX_FILL_RING_EMPTY_DESCS) : 0;
        txRingEmptyDescs = length >= SIZE ? buffer.getLong(offset + TX_RING_EMPTY_DESCS) : 0;
        return this;
    }

    /** @return rx_dropped. */
    public long rxDropped()
    {
        return rxDropped;
    }

    /** @return rx_invalid_descs. */
    public long rxInvalidDescs()
    {
        return rxInvalidDescs;
    }

    /** @return tx_invalid_descs. */
    public long txInvalidDescs()
    {
        return txInvalidDescs;
    }

    /** @return rx_ring_full. */
    public long rxRingFull()
    {
        return rxRingFull;
    }

    /** @return rx_fill_ring_empty_descs. */
    public long rxFillRingEmptyDescs()
    {
        return rxFillRingEmptyDescs;
    }

    /** @return tx_ring_empty_descs. */
    public long txRingEmptyDescs()
    {
        return txRingEmptyDescs;
    }

    @Override
    public String toString()
    {
        return "xdp_statistics{rx_dropped=" + rxDropped + ", rx_invalid_descs=" + rxInvalidDescs +
            ", tx_invalid_descs=" + txInvalidDescs + ", rx_ring_full=" + rxRingFull +
            ", rx_fill_ring_empty_descs=" + rxFillRingEmptyDescs + ", tx_ring_empty_descs=" + txRingEmptyDescs + '}';
    }
}
