package dev.synack.nic.xdp;

/**
 * A ring we produce into and the kernel consumes: the fill ring (empty frames for the kernel to receive into)
 * and the TX ring (frames to send). libxdp's verbs: {@link #reserve}, then write the entries, then
 * {@link #submit}.
 *
 * <p>Who calls it: the NIC agent (or any single thread that owns the socket). Thread-safety: one producer
 * thread only. Caveat: {@link #reserve} is all-or-nothing, like libxdp's.
 */
public final class ProducerRing extends XskRing
{
    private int reservedIndex;

    ProducerRing(
        final long mapAddress, final long mapLength, final XdpMmapOffsets offsets, final int which, final int size,
        final int entrySize)
    {
        super(mapAddress, mapLength, offsets, which, size, entrySize);
        cachedProducer = ring.getIntVolatile(producerOffset);
        // the consumer cache is kept "plus size", so free = cachedConsumer - cachedProducer
        cachedConsumer = ring.getIntVolatile(consumerOffset) + size;
    }

    /**
     * Free entries, at least {@code wanted} if that many are free. Reads the kernel's consumer index only when
     * the cached count runs short.
     *
     * @param wanted how many the caller would like.
     * @return entries free to reserve now.
     */
    public int free(final int wanted)
    {
        final int free = cachedConsumer - cachedProducer;
        if (free >= wanted)
        {
            return free;
        }
        // acquire: pairs with the kernel's release of the consumer index after it read those entries
        // (fill: it took the addresses; TX: it copied/sent the descriptors), so we may overwrite them now
        cachedConsumer = ring.getIntAcquire(consumerOffset) + size;
        return cachedConsumer - cachedProducer;
    }

    /**
     * Reserves {@code count} entries, all or none; write them at {@link #reservedIndex()} onwards.
     *
     * @param count entries wanted.
     * @return {@code count}, or 0 if that many are not free.
     */
    public int reserve(final int count)
    {
        if (free(count) < count)
        {
            return 0;
        }
        reservedIndex = cachedProducer;
        cachedProducer += count;
        return count;
    }

    /** @return the ring index of the first entry of the last successful {@link #reserve}. */
    public int reservedIndex()
    {
        return reservedIndex;
    }

    /**
     * Publishes {@code count} reserved entries to the kernel.
     *
     * @param count entries written since the last submit.
     */
    public void submit(final int count)
    {
        // release: the kernel reader (xskq_cons_peek on the fill/TX ring) loads the producer with acquire and
        // must see the entries we wrote before it; only we write this index, so a plain read of it is ours
        ring.putIntRelease(producerOffset, ring.getInt(producerOffset) + count);
    }

    /**
     * Entries submitted but not yet consumed by the kernel (for TX: frames still waiting for a kick).
     *
     * @return the count.
     */
    public int pending()
    {
        // acquire: see the kernel's latest consumption, the same pairing as in free()
        return ring.getInt(producerOffset) - ring.getIntAcquire(consumerOffset);
    }
}
