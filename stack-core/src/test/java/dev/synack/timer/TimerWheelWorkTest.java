package dev.synack.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.synack.test.Allocations;

/**
 * What a poll costs: the reason the stack does not use Agrona's DeadlineTimerWheel for connection timers (its poll
 * scans a whole spoke sized for every connection). Here work must follow what expires, not what is scheduled.
 */
class TimerWheelWorkTest
{
    private static final int IDS = 100_000;
    private static final long TICK = 1L << 19; // the stack's default: 1 ms rounded down to a power of two
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final TimerHandler IGNORE = (id, now) ->
    {
    };

    @Test
    void pollsWithNothingDueCostNothingWhateverIsScheduled()
    {
        final TimerWheel wheel = new TimerWheel(IDS, TICK, 0);
        // Keep-alive-like deadlines: 1 h to 2 h away, spread over every level above the first.
        for (int id = 0; id < IDS; id++)
        {
            wheel.schedule(id, TimeUnit.HOURS.toNanos(1) + id * 36_000_000L);
        }
        long now = 0;
        for (int i = 0; i < 10_000; i++)
        {
            now += 100_000 + (i % 7) * 1_000; // about 100 µs a duty cycle, across many ticks
            assertEquals(0, wheel.poll(now, IGNORE, Integer.MAX_VALUE));
        }
        assertEquals(0, wheel.entriesVisited(), "no entry looked at while nothing is due");
        assertEquals(0, wheel.entriesCascaded());
        assertTrue(wheel.bucketsInspected() <= 2 * TimerWheel.LEVELS, "buckets: " + wheel.bucketsInspected());
        assertEquals(IDS, wheel.count());
    }

    @Test
    void pollsWithNothingDueStayBoundedWhileTimersCascade()
    {
        final TimerWheel wheel = new TimerWheel(IDS, TICK, 0);
        for (int id = 0; id < IDS; id++)
        {
            wheel.schedule(id, TimeUnit.HOURS.toNanos(1) + id * 36_000_000L);
        }
        // Polls every 250 ms for the hour before the first deadline: the time crosses bucket starts on every level.
        long now = 0;
        int polls = 0;
        while (now + SECOND / 4 < TimeUnit.HOURS.toNanos(1))
        {
            now += SECOND / 4;
            polls++;
            assertEquals(0, wheel.poll(now, IGNORE, Integer.MAX_VALUE));
        }
        assertEquals(0, wheel.entriesVisited(), "no entry examined for expiry before one is due");
        // Only buckets that hold entries are opened, once each as the time enters them: at most every bucket of
        // every level once in this hour, whatever the table holds and however many polls ran.
        assertTrue(wheel.bucketsInspected() <= TimerWheel.LEVELS * TimerWheel.BUCKETS,
            "buckets " + wheel.bucketsInspected() + " for " + polls + " polls");
        assertTrue(wheel.entriesCascaded() <= (long)IDS * (TimerWheel.LEVELS - 1));
    }

    @Test
    void aPollThatExpiresKTimersVisitsAboutKEntries()
    {
        final TimerWheel wheel = new TimerWheel(IDS, TICK, 0);
        for (int id = 0; id < IDS; id++)
        {
            wheel.schedule(id, TimeUnit.HOURS.toNanos(1) + id * 36_000_000L); // 36 ms apart: one per tick at most
        }
        long now = TimeUnit.HOURS.toNanos(1) - 1;
        assertEquals(0, wheel.poll(now, IGNORE, Integer.MAX_VALUE));
        int expiredSoFar = 0;
        for (final int k : new int[] {1, 10, 100, 1000, 5000})
        {
            final long visited = wheel.entriesVisited();
            final long cascaded = wheel.entriesCascaded();
            now = TimeUnit.HOURS.toNanos(1) + (expiredSoFar + k - 1) * 36_000_000L;
            assertEquals(k, wheel.poll(now, IGNORE, Integer.MAX_VALUE));
            expiredSoFar += k;
            assertTrue(wheel.entriesVisited() - visited <= k + 1,
                "k " + k + ": visited " + (wheel.entriesVisited() - visited));
            // The cascade is amortised: every entry moves at most LEVELS - 1 times in its life.
            assertTrue(wheel.entriesCascaded() - cascaded <= (long)IDS * (TimerWheel.LEVELS - 1));
        }
        // Drain the rest: over the whole run each entry was examined once and cascaded a bounded number of times.
        now = TimeUnit.HOURS.toNanos(3);
        assertEquals(IDS - expiredSoFar, wheel.poll(now, IGNORE, Integer.MAX_VALUE));
        // The first poll, a nanosecond early, looked at the one entry sharing its tick.
        assertTrue(wheel.entriesVisited() <= IDS + 1, "visited " + wheel.entriesVisited());
        assertTrue(wheel.entriesCascaded() <= (long)IDS * (TimerWheel.LEVELS - 1),
            "cascaded " + wheel.entriesCascaded());
        assertEquals(0, wheel.count());
    }

    @Test
    void scheduleCancelAndPollAllocateNothing()
    {
        final int ids = 4096;
        final TimerWheel wheel = new TimerWheel(ids, TICK, 0);
        final Rearm rearm = new Rearm(wheel);
        for (int id = 0; id < ids; id++)
        {
            wheel.schedule(id, 200_000_000L + id * 1_000_000L);
        }
        final long bytes = Allocations.leastOf(3, 5, () ->
        {
            for (int i = 0; i < 200_000; i++)
            {
                final int id = i & (ids - 1);
                rearm.now += 50_000;
                if ((i & 3) == 0)
                {
                    wheel.cancel(id);
                }
                wheel.schedule(id, rearm.now + 1_000_000L + (i & 1023) * 997_000L);
                wheel.poll(rearm.now, rearm, 64);
                if ((i & 4095) == 0)
                {
                    wheel.schedule(id, rearm.now + TimeUnit.HOURS.toNanos(3)); // the overflow list too
                }
            }
        });
        assertTrue(rearm.fired > 0);
        assertEquals(0, bytes, "bytes allocated by schedule, cancel and poll");
    }

    /** Re-arms what fires, as the engine does. */
    private static final class Rearm implements TimerHandler
    {
        private final TimerWheel wheel;
        private long now;
        private long fired;

        Rearm(final TimerWheel wheel)
        {
            this.wheel = wheel;
        }

        @Override
        public void onExpiry(final int id, final long nowNs)
        {
            fired++;
            wheel.schedule(id, nowNs + 40_000_000L);
        }
    }
}
