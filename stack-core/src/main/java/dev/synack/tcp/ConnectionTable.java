package dev.synack.tcp;

/**
 * Fixed-capacity connection table: the 4-tuple (our address is fixed per stack) maps to a slot; slots come from a
 * free list; every slot carries a generation so handles of ended connections go stale instead of touching the next
 * one. Sized once, so lookups and inserts never allocate or resize.
 * <p>
 * The index is open addressing over an {@code int[]} of slot numbers (linear probing, load at most 1/4, deletion by
 * backward shift, Knuth's Algorithm R), the key compared in the connection itself. It replaced an Agrona
 * {@code Long2LongHashMap} of interleaved keys and values: 16 bytes a slot instead of 64, so a table of 8,192
 * connections indexes in 128 KiB and stays in cache, where the handshake benchmark spent 12 % of its samples in
 * cache-missing lookups (most of them misses: a free port for {@code connect}, a SYN for a listener).
 * <p>
 * Stack thread only.
 */
final class ConnectionTable
{
    private static final int EMPTY = 0;

    private final TcpConnection[] connections;
    /** Slot + 1 of the connection whose 4-tuple hashes here or before (probing forward), {@link #EMPTY} if none. */
    private final int[] index;
    private final int indexMask;
    private final int[] free;
    private int freeCount;
    /**
     * The connection the last lookup found: a request/reply or bulk flow sends its segments back to back, so the
     * next lookup is most often for the same 4-tuple (the one-entry cache of BSD's tcp_last_inpcb). Cleared when
     * that connection's slot is released.
     */
    private TcpConnection last;

    ConnectionTable(final TcpEngine engine, final int capacity)
    {
        connections = new TcpConnection[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            connections[i] = new TcpConnection(engine, i);
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        index = new int[Integer.highestOneBit(Math.max(1, capacity) * 4 - 1) << 1];
        indexMask = index.length - 1;
    }

    static long key(final int remoteIp, final int remotePort, final int localPort)
    {
        return ((long)remoteIp << 32) | ((long)remotePort << 16) | localPort;
    }

    /**
     * The home bucket of a 4-tuple's key in an index of {@code mask + 1} buckets (this table's, and the TIME-WAIT
     * records' {@link TimeWaitTable}): Fibonacci hashing, so ports that differ in their low bits land far apart.
     */
    static int home(final long key, final int mask)
    {
        final long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int)(h ^ (h >>> 32)) & mask;
    }

    /**
     * Knuth's Algorithm R, deletion from a linearly probed run: after a hole at {@code hole}, may the entry at
     * {@code j} whose home is {@code home} stay where it is? Only if its home lies cyclically in (hole, j].
     */
    static boolean staysAfterHole(final int hole, final int j, final int home)
    {
        return hole <= j ? hole < home && home <= j : hole < home || home <= j;
    }

    private int home(final int remoteIp, final int remotePort, final int localPort)
    {
        return home(key(remoteIp, remotePort, localPort), indexMask);
    }

    private static boolean same(final TcpConnection c, final int remoteIp, final int remotePort, final int localPort)
    {
        return c.remoteIp == remoteIp && c.remotePort == remotePort && c.localPort == localPort;
    }

    TcpConnection find(final int remoteIp, final int remotePort, final int localPort)
    {
        final TcpConnection hit = last;
        if (hit != null && hit.remoteIp == remoteIp && hit.remotePort == remotePort && hit.localPort == localPort)
        {
            return hit;
        }
        final int entry = index[bucket(remoteIp, remotePort, localPort)];
        if (entry == EMPTY)
        {
            return null;
        }
        final TcpConnection found = connections[entry - 1];
        last = found;
        return found;
    }

    /** @return the bucket holding this 4-tuple, or the empty bucket that ends its run. */
    private int bucket(final int remoteIp, final int remotePort, final int localPort)
    {
        int i = home(remoteIp, remotePort, localPort);
        while (index[i] != EMPTY && !same(connections[index[i] - 1], remoteIp, remotePort, localPort))
        {
            i = (i + 1) & indexMask;
        }
        return i;
    }

    TcpConnection allocate(final int remoteIp, final int remotePort, final int localPort)
    {
        if (freeCount == 0)
        {
            return null;
        }
        final TcpConnection c = connections[free[--freeCount]];
        c.generation++;
        c.remoteIp = remoteIp;
        c.remotePort = remotePort;
        c.localPort = localPort;
        final int i = bucket(remoteIp, remotePort, localPort);
        if (index[i] != EMPTY && last == connections[index[i] - 1])
        {
            last = null; // the 4-tuple moves to this slot: the cache must not keep returning the old one
        }
        index[i] = c.slot + 1;
        return c;
    }

    void release(final TcpConnection c)
    {
        unindex(c);
        if (last == c)
        {
            last = null;
        }
        c.generation++;
        free[freeCount++] = c.slot;
    }

    private void unindex(final TcpConnection c)
    {
        int hole = home(c.remoteIp, c.remotePort, c.localPort);
        while (index[hole] != c.slot + 1)
        {
            if (index[hole] == EMPTY)
            {
                return; // not indexed (its 4-tuple was taken over by a later allocate)
            }
            hole = (hole + 1) & indexMask;
        }
        index[hole] = EMPTY;
        // Algorithm R: pull back every later entry of the run that may not sit beyond the hole
        for (int j = (hole + 1) & indexMask; index[j] != EMPTY; j = (j + 1) & indexMask)
        {
            final TcpConnection moved = connections[index[j] - 1];
            if (!staysAfterHole(hole, j, home(moved.remoteIp, moved.remotePort, moved.localPort)))
            {
                index[hole] = index[j];
                index[j] = EMPTY;
                hole = j;
            }
        }
    }

    TcpConnection byHandle(final long handle)
    {
        final int slot = (int)handle;
        if (slot < 0 || slot >= connections.length)
        {
            return null;
        }
        final TcpConnection c = connections[slot];
        return c.generation == (int)(handle >>> 32) && c.state != TcpState.CLOSED ? c : null;
    }

    TcpConnection slot(final int slot)
    {
        return connections[slot];
    }

    int capacity()
    {
        return connections.length;
    }

    int inUse()
    {
        return connections.length - freeCount;
    }
}
