package dev.synack.arp;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A bounded IPv4 → MAC table with static entries, in flat primitive arrays. Each entry being resolved
 * holds the newest frame waiting for it (as Linux holds a few), so the first packet to a new neighbour
 * is not lost to ARP.
 * <p>
 * Stack thread only. Sized at construction; never allocates afterwards. Linear search: tables hold the
 * next hops of one NIC queue (a handful), where a scan of a few cache lines beats hashing.
 */
public final class NeighbourTable
{
    /** Entry unused. */
    public static final byte FREE = 0;
    /** Request sent, no answer yet. */
    public static final byte INCOMPLETE = 1;
    /** MAC known from ARP. */
    public static final byte REACHABLE = 2;
    /** MAC configured; never replaced or evicted. */
    public static final byte STATIC = 3;

    private final int capacity;
    private final int maxFrameLength;
    private final int[] ip;
    private final long[] mac;
    private final byte[] state;
    private final long[] deadline;
    private final int[] retriesLeft;
    private final long[] learnedAt;
    private final int pendingFrames;
    private int lastFound;
    private final int[] pendingCount;
    private final int[] pendingLength;
    private final UnsafeBuffer pending;

    /**
     * @param capacity how many neighbours.
     * @param maxFrameLength the largest frame that may wait for resolution.
     */
    public NeighbourTable(final int capacity, final int maxFrameLength)
    {
        this(capacity, maxFrameLength, 1);
    }

    /**
     * @param capacity how many neighbours.
     * @param maxFrameLength the largest frame that may wait for resolution.
     * @param pendingFrames how many frames may wait for each neighbour's resolution.
     */
    public NeighbourTable(final int capacity, final int maxFrameLength, final int pendingFrames)
    {
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("neighbour table capacity must be positive: " + capacity);
        }
        if (pendingFrames <= 0)
        {
            throw new IllegalArgumentException("frames waiting per neighbour must be positive: " + pendingFrames);
        }
        this.pendingFrames = pendingFrames;
        this.capacity = capacity;
        this.maxFrameLength = maxFrameLength;
        ip = new int[capacity];
        mac = new long[capacity];
        state = new byte[capacity];
        deadline = new long[capacity];
        retriesLeft = new int[capacity];
        learnedAt = new long[capacity];
        pendingCount = new int[capacity];
        pendingLength = new int[capacity * pendingFrames];
        pending = new UnsafeBuffer(new byte[capacity * pendingFrames * maxFrameLength]);
    }

    /**
     * @param address an IPv4 address.
     * @return its entry index, or -1.
     */
    public int find(final int address)
    {
        // Most frames go to the neighbour the last one went to (one peer, or the gateway): try it before the scan.
        final int last = lastFound;
        if (state[last] != FREE && ip[last] == address)
        {
            return last;
        }
        for (int i = 0; i < capacity; i++)
        {
            if (state[i] != FREE && ip[i] == address)
            {
                lastFound = i;
                return i;
            }
        }
        return -1;
    }

    /**
     * @param address an IPv4 address.
     * @return its MAC, or -1 when not resolved.
     */
    public long lookup(final int address)
    {
        final int i = find(address);
        return i >= 0 && state[i] >= REACHABLE ? mac[i] : -1L;
    }

    /**
     * Adds a permanent entry (configuration; also for peers whose kernel must not be ARPed).
     *
     * @param address the IPv4 address.
     * @param hardware the MAC.
     * @throws IllegalStateException when the table is full of static entries.
     */
    public void addStatic(final int address, final long hardware)
    {
        int i = find(address);
        if (i < 0)
        {
            i = allocate(0);
        }
        if (i < 0)
        {
            throw new IllegalStateException("neighbour table full (" + capacity + " entries): raise its capacity");
        }
        ip[i] = address;
        mac[i] = hardware;
        state[i] = STATIC;
        pendingCount[i] = 0;
    }

    /**
     * Records a mapping learned from ARP (RFC 826 "merge"), completing a resolution if one was running.
     *
     * @param address sender IPv4 address.
     * @param hardware sender MAC.
     * @param now the time.
     * @param create whether to add the sender when absent (RFC 826: only when the packet was for us).
     * @return the entry index, or -1 when not recorded.
     */
    public int learn(final int address, final long hardware, final long now, final boolean create)
    {
        int i = find(address);
        if (i < 0)
        {
            if (!create)
            {
                return -1;
            }
            i = allocate(now);
            if (i < 0)
            {
                return -1;
            }
            ip[i] = address;
            pendingCount[i] = 0;
        }
        else if (state[i] == STATIC)
        {
            return i;
        }
        mac[i] = hardware;
        state[i] = REACHABLE;
        learnedAt[i] = now;
        return i;
    }

    /**
     * Starts (or continues) resolving an address.
     *
     * @param address the next hop.
     * @param now the time.
     * @param firstDeadline when to retry if no answer.
     * @param retries how many more requests after the first.
     * @return the entry index, or -1 when the table is full of entries that may not be evicted.
     */
    public int beginResolve(final int address, final long now, final long firstDeadline, final int retries)
    {
        int i = find(address);
        if (i >= 0)
        {
            return i;
        }
        i = allocate(now);
        if (i < 0)
        {
            return -1;
        }
        ip[i] = address;
        state[i] = INCOMPLETE;
        deadline[i] = firstDeadline;
        retriesLeft[i] = retries;
        pendingCount[i] = 0;
        learnedAt[i] = now;
        return i;
    }

    /**
     * Picks a free entry, else evicts the oldest learned (never a static one, never one being resolved).
     */
    private int allocate(final long now)
    {
        int oldest = -1;
        for (int i = 0; i < capacity; i++)
        {
            if (state[i] == FREE)
            {
                return i;
            }
            if (state[i] == REACHABLE && (oldest < 0 || learnedAt[i] - learnedAt[oldest] < 0))
            {
                oldest = i;
            }
        }
        if (oldest >= 0)
        {
            state[oldest] = FREE;
            pendingCount[oldest] = 0;
        }
        return oldest;
    }

    /**
     * Frees an entry (resolution failed).
     *
     * @param i entry index.
     */
    public void remove(final int i)
    {
        state[i] = FREE;
        pendingCount[i] = 0;
    }

    /** @return number of entries. */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @param i entry index.
     * @return its state.
     */
    public byte state(final int i)
    {
        return state[i];
    }

    /**
     * @param i entry index.
     * @return its address.
     */
    public int ip(final int i)
    {
        return ip[i];
    }

    /**
     * @param i entry index.
     * @return its MAC (meaningful when REACHABLE or STATIC).
     */
    public long mac(final int i)
    {
        return mac[i];
    }

    /**
     * @param i entry index.
     * @return when to retry its resolution.
     */
    public long deadline(final int i)
    {
        return deadline[i];
    }

    /**
     * Consumes one retry.
     *
     * @param i entry index.
     * @param next the following deadline.
     * @return false when no retry was left.
     */
    public boolean retry(final int i, final long next)
    {
        if (retriesLeft[i] <= 0)
        {
            return false;
        }
        retriesLeft[i]--;
        deadline[i] = next;
        return true;
    }

    /** @return the buffer holding frames that wait for resolution. */
    public MutableDirectBuffer pendingBuffer()
    {
        return pending;
    }

    /**
     * @param i entry index.
     * @return offset in {@link #pendingBuffer()} where the next waiting frame goes, or -1 when its queue is full.
     */
    public int nextPendingOffset(final int i)
    {
        return pendingCount[i] == pendingFrames ? -1 : pendingOffset(i, pendingCount[i]);
    }

    /**
     * Queues the frame just written at {@link #nextPendingOffset}.
     *
     * @param i entry index.
     * @param length its length.
     */
    public void addPending(final int i, final int length)
    {
        pendingLength[i * pendingFrames + pendingCount[i]] = length;
        pendingCount[i]++;
    }

    /**
     * @param i entry index.
     * @return frames waiting for it, in the order they were sent.
     */
    public int pendingCount(final int i)
    {
        return pendingCount[i];
    }

    /**
     * @param i entry index.
     * @param k which waiting frame, 0 the oldest.
     * @return its offset in {@link #pendingBuffer()}.
     */
    public int pendingOffset(final int i, final int k)
    {
        return (i * pendingFrames + k) * maxFrameLength;
    }

    /**
     * @param i entry index.
     * @param k which waiting frame, 0 the oldest.
     * @return its length.
     */
    public int pendingLength(final int i, final int k)
    {
        return pendingLength[i * pendingFrames + k];
    }

    /**
     * Forgets the waiting frames (sent or lost).
     *
     * @param i entry index.
     */
    public void clearPending(final int i)
    {
        pendingCount[i] = 0;
    }

    /** @return the largest frame that can wait. */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }
}
