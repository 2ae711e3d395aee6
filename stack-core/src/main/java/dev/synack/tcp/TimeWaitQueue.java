package dev.synack.tcp;

/**
 * TIME-WAIT expiries in arrival order. Every 2MSL deadline is "time entered + 2MSL" on a monotonic clock,
 * so a FIFO is already sorted: no timer wheel (and none of its per-tick growth when a whole burst of
 * connections closes in one tick). A connection has one entry: a restart (§3.6.1: a retransmitted FIN in
 * TIME-WAIT) only moves the connection's own deadline, which the engine takes when the entry comes due.
 * Entries carry the slot's generation, so one left by a TIME-WAIT that ended early is recognised and
 * skipped.
 * <p>
 * Stack thread only; preallocated ring, never allocates.
 */
final class TimeWaitQueue
{
    private final int[] slot;
    private final int[] generation;
    private final long[] deadline;
    private final int mask;
    private long head;
    private long tail;

    TimeWaitQueue(final int capacity)
    {
        final int size = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        slot = new int[size];
        generation = new int[size];
        deadline = new long[size];
        mask = size - 1;
    }

    boolean offer(final TcpConnection c, final long expiresAt)
    {
        if (tail - head == slot.length)
        {
            return false;
        }
        final int i = (int)(tail++ & mask);
        slot[i] = c.slot;
        generation[i] = c.generation;
        deadline[i] = expiresAt;
        return true;
    }

    boolean isEmpty()
    {
        return head == tail;
    }

    /** @return whether the head entry's deadline has passed. */
    boolean headExpired(final long now)
    {
        return head != tail && deadline[(int)(head & mask)] - now <= 0;
    }

    int headSlot()
    {
        return slot[(int)(head & mask)];
    }

    int headGeneration()
    {
        return generation[(int)(head & mask)];
    }

    void poll()
    {
        head++;
    }

    int size()
    {
        return (int)(tail - head);
    }
}
