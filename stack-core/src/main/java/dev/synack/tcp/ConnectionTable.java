package dev.synack.tcp;

import org.agrona.collections.Long2LongHashMap;

/**
 * Fixed-capacity connection table: the 4-tuple packed into a {@code long} (our address is fixed per stack)
 * maps to a slot; slots come from a free list; every slot carries a generation so handles of ended
 * connections go stale instead of touching the next one. Sized once, so lookups and inserts never
 * allocate or resize.
 * <p>
 * Stack thread only.
 */
final class ConnectionTable
{
    private static final long MISSING = -1L;

    private final TcpConnection[] connections;
    private final Long2LongHashMap index;
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
        // Load factor 0.5 on twice the capacity: the map never needs to grow.
        index = new Long2LongHashMap(capacity * 4, 0.5f, MISSING);
    }

    static long key(final int remoteIp, final int remotePort, final int localPort)
    {
        return ((long)remoteIp << 32) | ((long)remotePort << 16) | localPort;
    }

    TcpConnection find(final int remoteIp, final int remotePort, final int localPort)
    {
        final TcpConnection hit = last;
        if (hit != null && hit.remoteIp == remoteIp && hit.remotePort == remotePort && hit.localPort == localPort)
        {
            return hit;
        }
        final long slot = index.get(key(remoteIp, remotePort, localPort));
        if (slot == MISSING)
        {
            return null;
        }
        final TcpConnection found = connections[(int)slot];
        last = found;
        return found;
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
        index.put(key(remoteIp, remotePort, localPort), c.slot);
        return c;
    }

    void release(final TcpConnection c)
    {
        index.remove(key(c.remoteIp, c.remotePort, c.localPort));
        if (last == c)
        {
            last = null;
        }
        c.generation++;
        free[freeCount++] = c.slot;
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
