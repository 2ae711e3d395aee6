package dev.synack.tcp;

/**
 * TIME-WAIT without a connection slot, as Linux's {@code inet_timewait_sock}: when a connection enters TIME-WAIT
 * its slot is freed at once and what 2MSL still needs is kept here in a record of some 80 bytes — the 4-tuple,
 * SND.NXT, RCV.NXT, the window last offered, TS.Recent and our timestamp offset — enough to ACK a retransmitted
 * FIN, answer or drop anything else (RFC 9293 §3.10.7.4), and judge a SYN that would reopen the 4-tuple (RFC 6191).
 * <p>
 * Why: a client opening connections at rate R holds R × 2MSL of them in TIME-WAIT. Held in slots, every new
 * connection took a slot last touched 2MSL ago (its fields, timer and buffer rows all out of cache); with records
 * the slots in use are only the live connections, reused hot from a LIFO free list, and the records are written
 * and read in order.
 * <p>
 * Records sit in a ring in the order they entered, which is also their 2MSL order (every deadline is "entered +
 * 2MSL" on a monotonic clock), so expiry reads the ring from its head: no timer. A record ended early (a RST, a
 * reopening SYN, eviction) stays in the ring as a dead entry until the head passes it. A retransmitted FIN
 * (§3.6.1) restarts 2MSL by moving the record's own deadline; when its entry comes due the record goes round to
 * the ring's tail and ends at its deadline or, behind records that entered earlier and last longer, at theirs —
 * late, never early. A 4-tuple index (open addressing over the record numbers, linear probing, deletion by
 * backward shift) finds a record for an arriving segment or a {@code connect} looking for a free port.
 * <p>
 * Stack thread only; preallocated, never allocates.
 */
final class TimeWaitTable
{
    /** No record. */
    static final int NONE = -1;
    private static final int EMPTY = 0;
    private static final long DEAD = 0; // no live 4-tuple has key 0: ports are never 0

    private final int mask;
    private final long[] key;
    private final long[] handle;
    private final long[] queuedUntil;
    private final long[] deadline;
    private final long[] lastOutOfWindowAckNs;
    private final long[] challengeWindowStart;
    private final int[] challengeAcks;
    private final int[] sndNxt;
    private final int[] rcvNxt;
    private final int[] window;
    private final int[] windowField;
    private final int[] tsRecent;
    private final int[] tsOffset;
    private final boolean[] timestamps;
    /** Record + 1 of the record whose 4-tuple hashes here or before (probing forward), {@link #EMPTY} if none. */
    private final int[] index;
    private final int indexMask;
    private long head;
    private long tail;
    private int live;

    /**
     * @param capacity the most records live at once (the ring holds twice that, room for dead entries).
     */
    TimeWaitTable(final int capacity)
    {
        final int size = Integer.highestOneBit(Math.max(2, 2 * capacity - 1)) << 1;
        mask = size - 1;
        key = new long[size];
        handle = new long[size];
        queuedUntil = new long[size];
        deadline = new long[size];
        lastOutOfWindowAckNs = new long[size];
        challengeWindowStart = new long[size];
        challengeAcks = new int[size];
        sndNxt = new int[size];
        rcvNxt = new int[size];
        window = new int[size];
        windowField = new int[size];
        tsRecent = new int[size];
        tsOffset = new int[size];
        timestamps = new boolean[size];
        index = new int[Integer.highestOneBit(Math.max(1, capacity) * 4 - 1) << 1];
        indexMask = index.length - 1;
    }

    /** @return records live now (connections in TIME-WAIT). */
    int live()
    {
        return live;
    }

    /** @return ring entries between head and tail, dead ones included. */
    int queued()
    {
        return (int)(tail - head);
    }

    /** @return whether a new record needs the head entry gone first. */
    boolean ringFull()
    {
        return tail - head == key.length;
    }

    /** @return the record at the head of the ring (the oldest), or {@link #NONE} when the ring is empty. */
    int headRecord()
    {
        return head == tail ? NONE : (int)(head & mask);
    }

    /** Drops the head entry; it must be dead (ended). */
    void popHead()
    {
        head++;
    }

    /** @return whether the head entry's turn has come: its queue time passed (it may be dead or restarted). */
    boolean headDue(final long now)
    {
        return head != tail && queuedUntil[(int)(head & mask)] - now <= 0;
    }

    /**
     * A restarted record whose entry came due: it goes round to the tail, queued until its own deadline. The head
     * must be live.
     */
    void requeueHead()
    {
        final int from = (int)(head++ & mask);
        final int to = (int)(tail++ & mask);
        if (to == from)
        {
            queuedUntil[to] = deadline[to]; // a full ring: the record is its own tail
            return;
        }
        key[to] = key[from];
        handle[to] = handle[from];
        deadline[to] = deadline[from];
        queuedUntil[to] = deadline[from];
        lastOutOfWindowAckNs[to] = lastOutOfWindowAckNs[from];
        challengeWindowStart[to] = challengeWindowStart[from];
        challengeAcks[to] = challengeAcks[from];
        sndNxt[to] = sndNxt[from];
        rcvNxt[to] = rcvNxt[from];
        window[to] = window[from];
        windowField[to] = windowField[from];
        tsRecent[to] = tsRecent[from];
        tsOffset[to] = tsOffset[from];
        timestamps[to] = timestamps[from];
        key[from] = DEAD;
        index[bucketOf(from)] = to + 1;
    }

    /**
     * Records a connection entering TIME-WAIT. There must be room: {@link #live()} below the capacity it was built
     * with (the connection leaves a slot for it, and records count against the table), and the ring not full.
     *
     * @return the record.
     */
    int enter(final TcpConnection c, final int offeredWindow, final int offeredField, final long expiresAt)
    {
        final int r = (int)(tail++ & mask);
        key[r] = ConnectionTable.key(c.remoteIp, c.remotePort, c.localPort);
        handle[r] = c.handle();
        deadline[r] = expiresAt;
        queuedUntil[r] = expiresAt;
        lastOutOfWindowAckNs[r] = c.lastInvalidAckNs;
        challengeWindowStart[r] = c.challengeWindowStart;
        challengeAcks[r] = c.challengeAcks;
        sndNxt[r] = c.sndNxt;
        rcvNxt[r] = c.rcvNxt;
        window[r] = offeredWindow;
        windowField[r] = offeredField;
        tsRecent[r] = c.tsRecent;
        tsOffset[r] = c.tsOffset;
        timestamps[r] = c.timestamps;
        index[bucket(c.remoteIp, c.remotePort, c.localPort)] = r + 1;
        live++;
        return r;
    }

    /** Ends a live record: it leaves the index, and its ring entry is dead until the head passes it. */
    void remove(final int r)
    {
        unindex(r);
        key[r] = DEAD;
        live--;
    }

    /** @return the live record for this 4-tuple, or {@link #NONE}. */
    int find(final int remoteIp, final int remotePort, final int localPort)
    {
        if (live == 0)
        {
            return NONE; // a stack that holds no TIME-WAIT (a server: its peers close first) never touches the index
        }
        final int entry = index[bucket(remoteIp, remotePort, localPort)];
        return entry == EMPTY ? NONE : entry - 1;
    }

    /** @return the live record of the connection that had this handle, or {@link #NONE}; a scan, for inspection. */
    int findHandle(final long h)
    {
        for (long p = head; p != tail; p++)
        {
            final int r = (int)(p & mask);
            if (key[r] != DEAD && handle[r] == h)
            {
                return r;
            }
        }
        return NONE;
    }

    boolean isLive(final int r)
    {
        return key[r] != DEAD;
    }

    int remoteIp(final int r)
    {
        return (int)(key[r] >>> 32);
    }

    int remotePort(final int r)
    {
        return (int)(key[r] >>> 16) & 0xFFFF;
    }

    int localPort(final int r)
    {
        return (int)key[r] & 0xFFFF;
    }

    long deadline(final int r)
    {
        return deadline[r];
    }

    /** §3.6.1: a retransmitted FIN restarts 2MSL; the entry keeps its place in the ring until it comes due. */
    void restart(final int r, final long expiresAt)
    {
        deadline[r] = expiresAt;
    }

    int sndNxt(final int r)
    {
        return sndNxt[r];
    }

    int rcvNxt(final int r)
    {
        return rcvNxt[r];
    }

    /** @return the window last offered, in bytes (what an arriving segment is judged against). */
    int window(final int r)
    {
        return window[r];
    }

    /** @return the window field our ACKs carry: the last window offered, scaled. */
    int windowField(final int r)
    {
        return windowField[r];
    }

    boolean timestamps(final int r)
    {
        return timestamps[r];
    }

    int tsRecent(final int r)
    {
        return tsRecent[r];
    }

    void tsRecent(final int r, final int value)
    {
        tsRecent[r] = value;
    }

    int tsOffset(final int r)
    {
        return tsOffset[r];
    }

    long lastOutOfWindowAckNs(final int r)
    {
        return lastOutOfWindowAckNs[r];
    }

    void lastOutOfWindowAckNs(final int r, final long at)
    {
        lastOutOfWindowAckNs[r] = at;
    }

    /**
     * RFC 5961 §7 for one record, as for a connection: counts a challenge ACK in the current one-second window.
     *
     * @return whether another is allowed in it.
     */
    boolean challengeAllowed(final int r, final long now, final int limit)
    {
        if (now - challengeWindowStart[r] >= 1_000_000_000L)
        {
            challengeWindowStart[r] = now;
            challengeAcks[r] = 0;
        }
        if (challengeAcks[r] >= limit)
        {
            return false;
        }
        challengeAcks[r]++;
        return true;
    }

    private int home(final long k)
    {
        return ConnectionTable.home(k, indexMask);
    }

    /** @return the bucket holding this 4-tuple, or the empty bucket that ends its run. */
    private int bucket(final int remoteIp, final int remotePort, final int localPort)
    {
        final long k = ConnectionTable.key(remoteIp, remotePort, localPort);
        int i = home(k);
        while (index[i] != EMPTY && key[index[i] - 1] != k)
        {
            i = (i + 1) & indexMask;
        }
        return i;
    }

    private int bucketOf(final int r)
    {
        int i = home(key[r]);
        while (index[i] != r + 1)
        {
            i = (i + 1) & indexMask;
        }
        return i;
    }

    private void unindex(final int r)
    {
        int hole = bucketOf(r);
        index[hole] = EMPTY;
        // Algorithm R: pull back every later entry of the run that may not sit beyond the hole
        for (int j = (hole + 1) & indexMask; index[j] != EMPTY; j = (j + 1) & indexMask)
        {
            if (!ConnectionTable.staysAfterHole(hole, j, home(key[index[j] - 1])))
            {
                index[hole] = index[j];
                index[j] = EMPTY;
                hole = j;
            }
        }
    }
}
