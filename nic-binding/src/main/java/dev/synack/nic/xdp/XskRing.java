package dev.synack.nic.xdp;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One AF_XDP ring as mapped into our address space: a u32 producer index, a u32 consumer index, a u32 flags
 * word and a power-of-two array of entries (a u64 UMEM address for fill/completion, a {@link XdpDesc} for
 * RX/TX), each at the offset the kernel reported through {@code XDP_MMAP_OFFSETS}.
 *
 * <p>Who calls it: {@link ProducerRing} and {@link ConsumerRing} add the verbs; {@link XdpSocket} makes them.
 * Indices are free-running u32s held in Java {@code int}s: subtraction wraps exactly like the kernel's.
 * Thread-safety: single-threaded on our side (one NIC agent per socket); the kernel is the other party, which
 * is why shared indices go through acquire/release accessors.
 */
public abstract class XskRing
{
    /** The whole mmapped region. */
    protected final UnsafeBuffer ring;
    /** Byte offset of the shared producer index. */
    protected final int producerOffset;
    /** Byte offset of the shared consumer index. */
    protected final int consumerOffset;
    /** Byte offset of the flags word (XDP_RING_NEED_WAKEUP). */
    protected final int flagsOffset;
    /** Byte offset of entry 0. */
    protected final int descOffset;
    /** Entries in the ring (a power of two). */
    protected final int size;
    /** size - 1. */
    protected final int mask;
    /** Bytes per entry. */
    protected final int entrySize;
    /** Our copy of the producer index. */
    protected int cachedProducer;
    /** Our copy of the consumer index. */
    protected int cachedConsumer;

    private final long mapAddress;
    private final long mapLength;

    /**
     * Views a mapped ring.
     *
     * @param mapAddress where the ring is mapped.
     * @param mapLength  the mapping's length (for munmap).
     * @param offsets    the kernel's offsets.
     * @param which      {@link XdpMmapOffsets#RX}, {@code TX}, {@code FILL} or {@code COMPLETION}.
     * @param size       entries.
     * @param entrySize  bytes per entry.
     */
    protected XskRing(
        final long mapAddress, final long mapLength, final XdpMmapOffsets offsets, final int which, final int size,
        final int entrySize)
    {
        this.mapAddress = mapAddress;
        this.mapLength = mapLength;
        this.ring = new UnsafeBuffer(mapAddress, (int)mapLength);
        this.producerOffset = (int)offsets.get(which, XdpMmapOffsets.PRODUCER);
        this.consumerOffset = (int)offsets.get(which, XdpMmapOffsets.CONSUMER);
        this.flagsOffset = (int)offsets.get(which, XdpMmapOffsets.FLAGS);
        this.descOffset = (int)offsets.get(which, XdpMmapOffsets.DESC);
        this.size = size;
        this.mask = size - 1;
        this.entrySize = entrySize;
    }

    /**
     * The bytes a ring of this many entries needs mapped.
     *
     * @param offsets   the kernel's offsets.
     * @param which     which ring.
     * @param size      entries.
     * @param entrySize bytes per entry.
     * @return the mapping length.
     */
    static long mapLength(final XdpMmapOffsets offsets, final int which, final int size, final int entrySize)
    {
        return offsets.get(which, XdpMmapOffsets.DESC) + (long)size * entrySize;
    }

    /** @return entries in the ring. */
    public int size()
    {
        return size;
    }

    /**
     * Whether the kernel asked to be woken (XDP_USE_NEED_WAKEUP): for TX by sendto, for fill by poll/recvfrom.
     * A volatile read, so a flag set after our last index store is seen.
     *
     * @return true when the kernel will not look at this ring until we kick it.
     */
    public boolean needsWakeup()
    {
        return (ring.getIntVolatile(flagsOffset) & XdpConstants.XDP_RING_NEED_WAKEUP) != 0;
    }

    /**
     * UMEM address held in a fill/completion entry.
     *
     * @param index a ring index (masked here).
     * @return the address.
     */
    public long addr(final int index)
    {
        return ring.getLong(descOffset + (index & mask) * entrySize);
    }

    /**
     * Writes a fill/completion entry.
     *
     * @param index   a ring index.
     * @param address the UMEM address.
     */
    public void addr(final int index, final long address)
    {
        ring.putLong(descOffset + (index & mask) * entrySize, address);
    }

    /**
     * UMEM address of the frame in an RX/TX descriptor.
     *
     * @param index a ring index.
     * @return the address (offset into the UMEM of the frame's first byte).
     */
    public long descAddr(final int index)
    {
        return ring.getLong(descOffset + (index & mask) * XdpDesc.SIZE + XdpDesc.ADDR);
    }

    /**
     * Length in an RX/TX descriptor.
     *
     * @param index a ring index.
     * @return the frame length.
     */
    public int descLen(final int index)
    {
        return ring.getInt(descOffset + (index & mask) * XdpDesc.SIZE + XdpDesc.LEN);
    }

    /**
     * Options in an RX/TX descriptor.
     *
     * @param index a ring index.
     * @return options (XDP_PKT_CONTD etc.).
     */
    public int descOptions(final int index)
    {
        return ring.getInt(descOffset + (index & mask) * XdpDesc.SIZE + XdpDesc.OPTIONS);
    }

    /**
     * Writes an RX/TX descriptor.
     *
     * @param index   a ring index.
     * @param address the frame's UMEM address.
     * @param length  the frame's length.
     */
    public void desc(final int index, final long address, final int length)
    {
        final int at = descOffset + (index & mask) * XdpDesc.SIZE;
        ring.putLong(at + XdpDesc.ADDR, address);
        ring.putInt(at + XdpDesc.LEN, length);
        ring.putInt(at + XdpDesc.OPTIONS, 0);
    }

    /** @return the mapped address, for munmap. */
    long mapAddress()
    {
        return mapAddress;
    }

    /** @return the mapped length, for munmap. */
    long mapLengthBytes()
    {
        return mapLength;
    }
}
