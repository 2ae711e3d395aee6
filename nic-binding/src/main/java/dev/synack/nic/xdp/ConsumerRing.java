package dev.synack.nic.xdp;

/**
 * A ring the kernel produces into and we consume: the RX ring (received frames) and the completion ring
 * (frames whose transmission finished). libxdp's verbs: {@link #peek}, read the entries, {@link #release} —
 * or {@link #cancel} what was peeked but not consumed.
 *
 * <p>Who calls it: the NIC agent (or any single thread that owns the socket). Thread-safety: one consumer
 * thread only.
 */
public final class ConsumerRing extends XskRing
{
    private int peekedIndex;

    ConsumerRing(
        final long mapAddress, final long mapLength, final XdpMmapOffsets offsets, final int which, final int size,
        final int entrySize)
    {
        super(mapAddress, mapLength, offsets, which, size, entrySize);
        cachedProducer = ring.getIntVolatile(producerOffset);
        cachedConsumer = ring.getIntVolatile(consumerOffset);
    }

    /**
     * Entries ready to read, up to {@code wanted}; reads the kernel's producer index only when the cache is dry.
     *
     * @param wanted the most the caller will take.
     * @return entries available.
     */
    public int available(final int wanted)
    {
        int entries = cachedProducer - cachedConsumer;
        if (entries == 0)
        {
            // acquire: pairs with the kernel's release of the producer index (xskq_prod_submit) after it wrote
            // the descriptors/addresses, so our reads of those entries see the kernel's writes
            cachedProducer = ring.getIntAcquire(producerOffset);
            entries = cachedProducer - cachedConsumer;
        }
        return Math.min(entries, wanted);
    }

    /**
     * Takes up to {@code wanted} entries; read them from {@link #peekedIndex()} onwards.
     *
     * @param wanted the most the caller will take.
     * @return entries taken (0 when the ring is empty).
     */
    public int peek(final int wanted)
    {
        final int entries = available(wanted);
        if (entries > 0)
        {
            peekedIndex = cachedConsumer;
            cachedConsumer += entries;
        }
        return entries;
    }

    /** @return the ring index of the first entry of the last non-empty {@link #peek}. */
    public int peekedIndex()
    {
        return peekedIndex;
    }

    /**
     * Gives back the last {@code count} peeked entries unread, to be peeked again.
     *
     * @param count entries.
     */
    public void cancel(final int count)
    {
        cachedConsumer -= count;
    }

    /**
     * Hands {@code count} consumed entries back to the kernel.
     *
     * @param count entries read since the last release.
     */
    public void release(final int count)
    {
        // release: the kernel writer (xskq_prod_reserve on RX/completion) reads our consumer index with
        // acquire before reusing slots; our reads of those entries must be done before it can overwrite them
        ring.putIntRelease(consumerOffset, ring.getInt(consumerOffset) + count);
    }
}
