package dev.synack.timer;

import java.util.Arrays;

/**
 * Timers for a fixed set of dense ids (a connection's slot), at most one pending deadline per id, whose poll costs
 * what expires rather than what is scheduled.
 * <p>
 * <b>Layout.</b> Time is cut into ticks of a power-of-two number of nanoseconds. {@value #LEVELS} levels of
 * {@value #BUCKETS} buckets each: level 0 holds one tick per bucket, level {@code L} holds
 * 64<sup>L</sup> ticks per bucket; deadlines beyond the top level's span (2<sup>24</sup> ticks: 2.4 h with the
 * default 2<sup>19</sup> ns tick) wait in an overflow list. An entry's level is the highest 6-bit digit in which its
 * tick differs from the current tick, and its bucket is its own tick's digit at that level, so the buckets of a
 * level are visited in order as time passes and each bucket is opened once per lap. When the current tick enters a
 * bucket of level {@code L >= 1} its entries cascade, each to a finer level; an entry moves at most
 * {@code LEVELS - 1} times (plus one overflow scan per top-level span it waits beyond the first).
 * <pre>
 *   level 3  [ 64 buckets x 2^18 ticks ]  overflow list: beyond 2^24 ticks, scanned when time enters its span
 *   level 2  [ 64 buckets x 2^12 ticks ]       |  cascade when the current tick enters a bucket
 *   level 1  [ 64 buckets x 2^6 ticks  ]       v
 *   level 0  [ 64 buckets x 1 tick     ]  exact deadlines checked here: fire when deadline - now &lt;= 0
 * </pre>
 * <b>Storage.</b> Intrusive doubly-linked lists in {@code int} arrays indexed by id ({@code next}, {@code prev}), a
 * head per bucket, the exact deadline per id, and one {@code long} occupancy word per level. Schedule, re-schedule
 * and cancel are O(1); nothing allocates after construction.
 * <p>
 * <b>Poll bounds.</b> A poll first compares {@code now} with a lower bound of every pending deadline (the start of
 * the next occupied bucket, or an exact deadline in the current tick): when nothing can be due it returns after
 * O(1) work. Otherwise it steps from occupied bucket to occupied bucket with {@link Long#numberOfTrailingZeros},
 * never tick by tick, so a clock that jumps an hour costs the buckets that hold entries, not the ticks in between.
 * The entries it examines for expiry are those due plus those sharing the current tick with a later deadline;
 * cascades are counted separately ({@link #entriesCascaded()}), bounded per entry as above.
 * <p>
 * <b>Exactness.</b> A timer never fires before its deadline and fires at the first poll whose {@code now} is at or
 * after it, subject to the poll's limit (due timers left over stay due for the next poll). A timer that a handler
 * schedules for a tick already passed during a poll fires on the next poll, so a handler that keeps re-scheduling
 * into the past cannot hold a poll forever.
 * <p>
 * Single-threaded: the owner's thread schedules, cancels and polls; handlers run on it and may schedule or cancel
 * any id, the firing one included.
 */
public final class TimerWheel
{
    /** Returned by {@link #deadline(int)} for an id with no timer. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;
    /** Levels of buckets below the overflow list. */
    public static final int LEVELS = 4;
    /** Buckets per level: one occupancy word each. */
    public static final int BUCKETS = 64;

    private static final int DIGIT_BITS = 6;
    private static final int DIGIT_MASK = BUCKETS - 1;
    private static final int SPAN_BITS = LEVELS * DIGIT_BITS;
    private static final int OVERFLOW = LEVELS * BUCKETS;
    /** Ticks already behind the current one: due, fired at the start of the next poll. */
    private static final int DUE = OVERFLOW + 1;
    /** Entries taken from a bucket or the due list and not yet examined (left over when a poll hits its limit). */
    private static final int PROCESSING = DUE + 1;
    private static final int LISTS = PROCESSING + 1;
    private static final int NIL = -1;
    private static final int UNSCHEDULED = Integer.MIN_VALUE;

    private final int[] next;
    // prev[id] >= 0: the entry before; -2 - list: head of that list; UNSCHEDULED: no timer.
    private final int[] prev;
    private final long[] deadlines;
    private final int[] heads = new int[LISTS];
    private final long[] occupied = new long[LEVELS];
    private final long tickNs;
    private final int tickShift;
    private long currentTick;
    private int count;
    private long overflowMinTick;
    private boolean bounded;
    private long lowerBound;
    private long entriesVisited;
    private long entriesCascaded;
    private long bucketsInspected;

    /**
     * @param capacity ids 0 to capacity - 1.
     * @param tickNs the tick: a power of two of nanoseconds.
     * @param startNs the time now.
     */
    public TimerWheel(final int capacity, final long tickNs, final long startNs)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        if (tickNs < 1 || Long.bitCount(tickNs) != 1)
        {
            throw new IllegalArgumentException("tick must be a power of two of nanoseconds: " + tickNs);
        }
        this.tickNs = tickNs;
        this.tickShift = Long.numberOfTrailingZeros(tickNs);
        this.currentTick = startNs >> tickShift;
        next = new int[capacity];
        prev = new int[capacity];
        deadlines = new long[capacity];
        Arrays.fill(next, NIL);
        Arrays.fill(prev, UNSCHEDULED);
        Arrays.fill(deadlines, NO_DEADLINE);
        Arrays.fill(heads, NIL);
    }

    /** @return the tick in nanoseconds (the granularity of the bounds, not of firing: deadlines are exact). */
    public long tickNs()
    {
        return tickNs;
    }

    /** @return ids that can hold a timer. */
    public int capacity()
    {
        return next.length;
    }

    /** @return timers scheduled. */
    public int count()
    {
        return count;
    }

    /**
     * @param id an id.
     * @return whether it has a timer.
     */
    public boolean isScheduled(final int id)
    {
        return prev[id] != UNSCHEDULED;
    }

    /**
     * @param id an id.
     * @return its deadline, or {@link #NO_DEADLINE}.
     */
    public long deadline(final int id)
    {
        return deadlines[id];
    }

    /**
     * Schedules the id's timer, moving it if it was already scheduled. A deadline already past fires on the next
     * poll.
     *
     * @param id an id.
     * @param deadlineNs when it is due.
     */
    public void schedule(final int id, final long deadlineNs)
    {
        if (prev[id] != UNSCHEDULED)
        {
            unlink(id);
        }
        else
        {
            count++;
        }
        deadlines[id] = deadlineNs;
        place(id);
    }

    /**
     * @param id an id.
     * @return whether it had a timer.
     */
    public boolean cancel(final int id)
    {
        if (prev[id] == UNSCHEDULED)
        {
            return false;
        }
        unlink(id);
        deadlines[id] = NO_DEADLINE;
        count--;
        return true;
    }

    /**
     * Fires timers whose deadline is at or before {@code nowNs}, in tick order, at most {@code limit} of them.
     *
     * @param nowNs the time.
     * @param handler called for each.
     * @param limit most timers to fire.
     * @return timers fired.
     */
    public int poll(final long nowNs, final TimerHandler handler, final int limit)
    {
        final long target = nowNs >> tickShift;
        if (count == 0 || (bounded && nowNs - lowerBound < 0))
        {
            // Nothing is due and no bucket starts before now (the bound is at most every bucket's start), so the
            // current tick may move up without a cascade; later schedules then land on finer levels.
            if (target - currentTick > 0)
            {
                currentTick = target;
            }
            return 0;
        }
        if (limit <= 0)
        {
            return 0;
        }

        bounded = false;
        int expired = drain(nowNs, handler, limit, 0);
        if (expired < limit && heads[DUE] != NIL)
        {
            moveAll(DUE, PROCESSING);
            expired = drain(nowNs, handler, limit, expired);
        }
        while (expired < limit)
        {
            final int bucket = (int)(currentTick & DIGIT_MASK);
            if (heads[bucket] != NIL)
            {
                bucketsInspected++;
                moveAll(bucket, PROCESSING);
                expired = drain(nowNs, handler, limit, expired);
                if (expired >= limit)
                {
                    break;
                }
            }
            if (target - currentTick <= 0)
            {
                break;
            }
            // A handler scheduled these for this tick, already past: due, left for the next poll (see class doc).
            while (heads[bucket] != NIL)
            {
                final int id = heads[bucket];
                unlink(id);
                link(DUE, id);
            }
            final long nextTick = nextEventTick();
            if (nextTick == currentTick || nextTick - target > 0)
            {
                currentTick = target;
                break;
            }
            currentTick = nextTick;
            cascade();
        }

        if (expired >= limit || heads[PROCESSING] != NIL || heads[DUE] != NIL)
        {
            lower(nowNs);
        }
        final long nextTick = nextEventTick();
        if (nextTick != currentTick)
        {
            lower(nextTick << tickShift);
        }
        return expired;
    }

    /** @return entries polls examined for expiry (due or sharing the current tick). */
    public long entriesVisited()
    {
        return entriesVisited;
    }

    /** @return entries moved to a finer level or examined in an overflow scan. */
    public long entriesCascaded()
    {
        return entriesCascaded;
    }

    /** @return bucket lists polls opened (to fire, to cascade, or the overflow list to scan). */
    public long bucketsInspected()
    {
        return bucketsInspected;
    }

    /** Fires or re-places what is in PROCESSING; takes the head each time, so a handler may change any list. */
    private int drain(final long nowNs, final TimerHandler handler, final int limit, final int expiredSoFar)
    {
        int expired = expiredSoFar;
        int id;
        while (expired < limit && (id = heads[PROCESSING]) != NIL)
        {
            entriesVisited++;
            final long deadline = deadlines[id];
            unlink(id);
            if (deadline - nowNs <= 0)
            {
                deadlines[id] = NO_DEADLINE;
                count--;
                expired++;
                handler.onExpiry(id, nowNs);
            }
            else
            {
                place(id);
            }
        }
        return expired;
    }

    /** The current tick has just entered a bucket: move its entries to finer levels. */
    private void cascade()
    {
        final long tick = currentTick;
        if (heads[OVERFLOW] != NIL && ((overflowMinTick ^ tick) >> SPAN_BITS) == 0)
        {
            scanOverflow();
        }
        for (int level = LEVELS - 1; level >= 1; level--)
        {
            final int digit = (int)((tick >> (level * DIGIT_BITS)) & DIGIT_MASK);
            if ((occupied[level] & (1L << digit)) != 0)
            {
                bucketsInspected++;
                final int list = level * BUCKETS + digit;
                int id;
                while ((id = heads[list]) != NIL)
                {
                    entriesCascaded++;
                    unlink(id);
                    place(id);
                }
            }
        }
    }

    private void scanOverflow()
    {
        bucketsInspected++;
        boolean any = false;
        long min = 0;
        int id = heads[OVERFLOW];
        while (id != NIL)
        {
            final int after = next[id];
            entriesCascaded++;
            final long tick = deadlines[id] >> tickShift;
            if (((tick ^ currentTick) >> SPAN_BITS) == 0)
            {
                // Placing never adds to the overflow list here (the tick is within the span), so after stays valid.
                unlink(id);
                place(id);
            }
            else if (!any || tick - min < 0)
            {
                min = tick;
                any = true;
            }
            id = after;
        }
        overflowMinTick = min;
    }

    /**
     * @return the first tick after the current one at which an occupied bucket starts (the lowest occupied level
     * always holds it), or the current tick when there is none.
     */
    private long nextEventTick()
    {
        final long tick = currentTick;
        for (int level = 0; level < LEVELS; level++)
        {
            final int shift = level * DIGIT_BITS;
            final long later = occupied[level] & (-2L << ((tick >> shift) & DIGIT_MASK));
            if (later != 0)
            {
                final int above = shift + DIGIT_BITS;
                return ((tick >> above) << above) | ((long)Long.numberOfTrailingZeros(later) << shift);
            }
        }
        if (heads[OVERFLOW] != NIL)
        {
            return (overflowMinTick >> SPAN_BITS) << SPAN_BITS;
        }
        return tick;
    }

    private void place(final int id)
    {
        final long deadline = deadlines[id];
        final long tick = deadline >> tickShift;
        if (tick - currentTick < 0)
        {
            link(DUE, id);
            lower(deadline);
            return;
        }
        final long differ = tick ^ currentTick;
        if ((differ >>> DIGIT_BITS) == 0)
        {
            link((int)(tick & DIGIT_MASK), id);
            lower(deadline);
            return;
        }
        final int level = (63 - Long.numberOfLeadingZeros(differ)) / DIGIT_BITS;
        if (level >= LEVELS)
        {
            if (heads[OVERFLOW] == NIL || tick - overflowMinTick < 0)
            {
                overflowMinTick = tick;
            }
            link(OVERFLOW, id);
            lower(((tick >> SPAN_BITS) << SPAN_BITS) << tickShift);
            return;
        }
        final int shift = level * DIGIT_BITS;
        link(level * BUCKETS + (int)((tick >> shift) & DIGIT_MASK), id);
        lower(((tick >> shift) << shift) << tickShift);
    }

    private void lower(final long timeNs)
    {
        if (!bounded || timeNs - lowerBound < 0)
        {
            lowerBound = timeNs;
            bounded = true;
        }
    }

    private void link(final int list, final int id)
    {
        final int head = heads[list];
        next[id] = head;
        prev[id] = -2 - list;
        if (head != NIL)
        {
            prev[head] = id;
        }
        heads[list] = id;
        if (list < OVERFLOW)
        {
            occupied[list / BUCKETS] |= 1L << (list & DIGIT_MASK);
        }
    }

    private void unlink(final int id)
    {
        final int before = prev[id];
        final int after = next[id];
        if (before >= 0)
        {
            next[before] = after;
        }
        else
        {
            final int list = -2 - before;
            heads[list] = after;
            if (after == NIL && list < OVERFLOW)
            {
                occupied[list / BUCKETS] &= ~(1L << (list & DIGIT_MASK));
            }
        }
        if (after != NIL)
        {
            prev[after] = before;
        }
        next[id] = NIL;
        prev[id] = UNSCHEDULED;
    }

    /** Moves a whole list into an empty one in O(1). */
    private void moveAll(final int from, final int to)
    {
        final int head = heads[from];
        heads[from] = NIL;
        if (from < OVERFLOW)
        {
            occupied[from / BUCKETS] &= ~(1L << (from & DIGIT_MASK));
        }
        heads[to] = head;
        if (head != NIL)
        {
            prev[head] = -2 - to;
        }
    }
}
