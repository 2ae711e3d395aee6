package dev.synack.tcp;

/**
 * For every connection, a short sorted list of received sequence ranges [start, end) beyond RCV.NXT,
 * whose bytes already sit in the receive ring. Flat arrays indexed by slot; bounded per connection, so a
 * peer that scatters tiny segments can only get them dropped, never grow memory.
 * <p>
 * Stack thread only; never allocates.
 */
final class OutOfOrderRanges
{
    private final int perConnection;
    private final int[] start;
    private final int[] end;
    private final int[] count;

    OutOfOrderRanges(final int connections, final int perConnection)
    {
        this.perConnection = perConnection;
        start = new int[Math.max(1, connections * perConnection)];
        end = new int[start.length];
        count = new int[connections];
    }

    int count(final int slot)
    {
        return count[slot];
    }

    void clear(final int slot)
    {
        count[slot] = 0;
    }

    /**
     * Records [s, e), merging with overlapping or adjacent ranges.
     *
     * @return false when the list is full and the range touches none of them (the caller drops the data).
     */
    boolean add(final int slot, final int s, final int e)
    {
        final int base = slot * perConnection;
        int n = count[slot];
        int i = 0;
        while (i < n && SeqNum.lt(end[base + i], s))
        {
            i++;
        }
        if (i < n && SeqNum.le(start[base + i], e))
        {
            // Overlaps or touches range i: widen it, then swallow the ranges it now reaches.
            start[base + i] = SeqNum.min(start[base + i], s);
            end[base + i] = SeqNum.max(end[base + i], e);
            int j = i + 1;
            while (j < n && SeqNum.le(start[base + j], end[base + i]))
            {
                end[base + i] = SeqNum.max(end[base + i], end[base + j]);
                j++;
            }
            final int removed = j - (i + 1);
            if (removed > 0)
            {
                System.arraycopy(start, base + j, start, base + i + 1, n - j);
                System.arraycopy(end, base + j, end, base + i + 1, n - j);
                count[slot] = n - removed;
            }
            return true;
        }
        if (n == perConnection)
        {
            return false;
        }
        System.arraycopy(start, base + i, start, base + i + 1, n - i);
        System.arraycopy(end, base + i, end, base + i + 1, n - i);
        start[base + i] = s;
        end[base + i] = e;
        count[slot] = n + 1;
        return true;
    }

    /**
     * Takes the first range if RCV.NXT has reached it.
     *
     * @return the new RCV.NXT (unchanged when the first range is still beyond it).
     */
    /** @return the first sequence number of range {@code i} (ascending order). */
    int start(final int slot, final int i)
    {
        return start[slot * perConnection + i];
    }

    /** @return the sequence number after range {@code i}. */
    int end(final int slot, final int i)
    {
        return end[slot * perConnection + i];
    }

    /** @return whether one range holds all of [s, e): text that arrives again (RFC 2883's duplicate). */
    boolean covers(final int slot, final int s, final int e)
    {
        final int base = slot * perConnection;
        for (int i = 0, n = count[slot]; i < n; i++)
        {
            if (SeqNum.le(start[base + i], s) && SeqNum.le(e, end[base + i]))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return the index of the first held range that shares bytes with [s, e), or -1.
     */
    int overlapping(final int slot, final int s, final int e)
    {
        final int base = slot * perConnection;
        for (int i = 0, n = count[slot]; i < n; i++)
        {
            if (SeqNum.lt(start[base + i], e) && SeqNum.lt(s, end[base + i]))
            {
                return i;
            }
        }
        return -1;
    }

    /** Forgets what lies below {@code seq}: ranges wholly below it go, one straddling it starts at it. */
    void dropBelow(final int slot, final int seq)
    {
        final int base = slot * perConnection;
        while (count[slot] > 0 && SeqNum.le(end[base], seq))
        {
            final int n = --count[slot];
            System.arraycopy(start, base + 1, start, base, n);
            System.arraycopy(end, base + 1, end, base, n);
        }
        if (count[slot] > 0 && SeqNum.lt(start[base], seq))
        {
            start[base] = seq;
        }
    }

    int advance(final int slot, final int rcvNxt)
    {
        final int base = slot * perConnection;
        int next = rcvNxt;
        while (count[slot] > 0 && SeqNum.le(start[base], next))
        {
            next = SeqNum.max(next, end[base]);
            final int n = --count[slot];
            System.arraycopy(start, base + 1, start, base, n);
            System.arraycopy(end, base + 1, end, base, n);
        }
        return next;
    }
}
