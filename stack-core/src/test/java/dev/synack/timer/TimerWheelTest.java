package dev.synack.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Schedule, cancel, re-schedule, exactness at tick boundaries, long deadlines across levels and the overflow list,
 * handlers that change the wheel from inside the callback, and the poll limit.
 */
class TimerWheelTest
{
    private static final long TICK = 1024;
    private static final long START = 1_000_000_000L;

    private final TimerWheel wheel = new TimerWheel(64, TICK, START);
    private final Recorder fired = new Recorder();

    @Test
    void scheduleCancelAndRescheduleAreReflectedAtOnce()
    {
        assertEquals(0, wheel.count());
        assertFalse(wheel.isScheduled(3));
        assertEquals(TimerWheel.NO_DEADLINE, wheel.deadline(3));

        wheel.schedule(3, START + 5 * TICK);
        assertTrue(wheel.isScheduled(3));
        assertEquals(START + 5 * TICK, wheel.deadline(3));
        assertEquals(1, wheel.count());

        wheel.schedule(3, START + 500 * TICK);
        assertEquals(START + 500 * TICK, wheel.deadline(3));
        assertEquals(1, wheel.count(), "re-schedule moves the timer, it does not add one");

        assertTrue(wheel.cancel(3));
        assertFalse(wheel.cancel(3));
        assertFalse(wheel.isScheduled(3));
        assertEquals(0, wheel.count());
        assertEquals(0, wheel.poll(START + 1000 * TICK, fired, Integer.MAX_VALUE));
        assertEquals(0, fired.ids.size());
    }

    @Test
    void movedTimerFiresAtItsNewDeadlineOnly()
    {
        wheel.schedule(1, START + 10 * TICK);
        wheel.schedule(1, START + 3000 * TICK);
        assertEquals(0, wheel.poll(START + 10 * TICK, fired, Integer.MAX_VALUE));
        assertEquals(0, wheel.poll(START + 3000 * TICK - 1, fired, Integer.MAX_VALUE));
        assertEquals(1, wheel.poll(START + 3000 * TICK, fired, Integer.MAX_VALUE));
        assertEquals(List.of(1), fired.ids);
    }

    @Test
    void deadlineIsExactWithinATick()
    {
        final long deadline = START + 7 * TICK + 300;
        wheel.schedule(2, deadline);
        assertEquals(0, wheel.poll(deadline - 1, fired, Integer.MAX_VALUE), "one nanosecond early: not due");
        assertEquals(0, wheel.poll(START + 7 * TICK, fired, Integer.MAX_VALUE), "same tick, before the deadline");
        assertEquals(1, wheel.poll(deadline, fired, Integer.MAX_VALUE));
        assertEquals(List.of(deadline), fired.nows);
        assertEquals(0, wheel.count());
    }

    @Test
    void timersOnTickBoundariesFireInTickOrder()
    {
        wheel.schedule(5, START + 3 * TICK);
        wheel.schedule(4, START + 2 * TICK);
        wheel.schedule(6, START + 64 * TICK);
        wheel.schedule(7, START + 4096 * TICK);
        wheel.schedule(8, START + 3 * TICK - 1);

        assertEquals(0, wheel.poll(START + 2 * TICK - 1, fired, Integer.MAX_VALUE));
        assertEquals(1, wheel.poll(START + 2 * TICK, fired, Integer.MAX_VALUE));
        assertEquals(List.of(4), fired.ids);
        assertEquals(4, wheel.poll(START + 4096 * TICK, fired, Integer.MAX_VALUE));
        assertEquals(List.of(4, 8, 5, 6, 7), fired.ids, "one poll across ticks fires them tick by tick");
    }

    @Test
    void deadlineInThePastFiresOnTheNextPoll()
    {
        wheel.poll(START + 100 * TICK, fired, Integer.MAX_VALUE);
        wheel.schedule(9, START);
        wheel.schedule(10, START + 100 * TICK);
        assertEquals(2, wheel.poll(START + 100 * TICK, fired, Integer.MAX_VALUE));
        assertEquals(List.of(9, 10), fired.ids);
    }

    @Test
    void twoHourDeadlineFiresOnceAtItsTimeAfterAClockJump()
    {
        final long twoHours = TimeUnit.HOURS.toNanos(2);
        // 1024 ns ticks: the levels span 17 s, so two hours waits in the overflow list and cascades down.
        wheel.schedule(11, START + twoHours);
        wheel.schedule(12, START + twoHours + TICK);
        wheel.schedule(13, START + TimeUnit.SECONDS.toNanos(60));

        assertEquals(1, wheel.poll(START + TimeUnit.SECONDS.toNanos(60), fired, Integer.MAX_VALUE));
        assertEquals(List.of(13), fired.ids);
        assertEquals(0, wheel.poll(START + twoHours - 1, fired, Integer.MAX_VALUE));
        assertEquals(1, wheel.poll(START + twoHours, fired, Integer.MAX_VALUE));
        assertEquals(List.of(13, 11), fired.ids);
        assertEquals(0, wheel.poll(START + twoHours + TICK - 1, fired, Integer.MAX_VALUE));
        assertEquals(1, wheel.poll(START + 3 * twoHours, fired, Integer.MAX_VALUE));
        assertEquals(0, wheel.poll(START + 4 * twoHours, fired, Integer.MAX_VALUE));
        assertEquals(List.of(13, 11, 12), fired.ids);
        assertEquals(List.of(START + TimeUnit.SECONDS.toNanos(60), START + twoHours, START + 3 * twoHours),
            fired.nows);
    }

    @Test
    void twoHourDeadlineWithTheStackTickCrossesEveryLevel()
    {
        final long tick = 1L << 19;
        final TimerWheel coarse = new TimerWheel(8, tick, 0);
        final long twoHours = TimeUnit.HOURS.toNanos(2);
        coarse.schedule(0, twoHours);
        coarse.schedule(1, twoHours + 1);
        for (long t = 0; t < twoHours; t += TimeUnit.MINUTES.toNanos(7))
        {
            assertEquals(0, coarse.poll(t, fired, Integer.MAX_VALUE));
        }
        assertEquals(1, coarse.poll(twoHours, fired, Integer.MAX_VALUE));
        assertEquals(1, coarse.poll(twoHours + 1, fired, Integer.MAX_VALUE));
        assertEquals(List.of(0, 1), fired.ids);
        assertTrue(coarse.entriesCascaded() <= 2L * (TimerWheel.LEVELS - 1) + 2, "cascades per entry are bounded");
    }

    @Test
    void handlerMayRescheduleTheFiringTimer()
    {
        wheel.schedule(1, START + TICK);
        final TimerHandler again = (id, now) ->
        {
            fired.onExpiry(id, now);
            if (fired.ids.size() < 3)
            {
                wheel.schedule(id, now + 10 * TICK);
            }
        };
        assertEquals(1, wheel.poll(START + TICK, again, Integer.MAX_VALUE));
        assertTrue(wheel.isScheduled(1));
        assertEquals(START + 11 * TICK, wheel.deadline(1));
        assertEquals(0, wheel.poll(START + 11 * TICK - 1, again, Integer.MAX_VALUE));
        assertEquals(1, wheel.poll(START + 11 * TICK, again, Integer.MAX_VALUE));
        assertEquals(1, wheel.poll(START + 21 * TICK, again, Integer.MAX_VALUE));
        assertFalse(wheel.isScheduled(1));
        assertEquals(List.of(START + TICK, START + 11 * TICK, START + 21 * TICK), fired.nows);
    }

    @Test
    void handlerMayCancelOrMoveOtherTimersDueInTheSamePoll()
    {
        for (int id = 0; id < 6; id++)
        {
            wheel.schedule(id, START + 5 * TICK);
        }
        final TimerHandler meddler = (id, now) ->
        {
            fired.onExpiry(id, now);
            if (fired.ids.size() == 1)
            {
                // Whatever order the bucket fires in, the others are still pending: cancel one, move one away.
                final int a = (id + 1) % 6;
                final int b = (id + 2) % 6;
                wheel.cancel(a);
                wheel.schedule(b, now + 1000 * TICK);
                wheel.schedule(20, now - 1);
            }
        };
        assertEquals(4, wheel.poll(START + 5 * TICK, meddler, Integer.MAX_VALUE));
        assertEquals(2, wheel.count(), "the moved timer and the one scheduled in the past");
        assertEquals(1, wheel.poll(START + 5 * TICK, meddler, Integer.MAX_VALUE), "past deadline: next poll");
        assertEquals(20, fired.ids.get(4));
        assertEquals(1, wheel.poll(START + 1005 * TICK, meddler, Integer.MAX_VALUE));
        assertEquals(0, wheel.count());
    }

    @Test
    void handlerReschedulingIntoThePastCannotHoldThePoll()
    {
        wheel.schedule(0, START + TICK);
        final TimerHandler stubborn = (id, now) ->
        {
            fired.onExpiry(id, now);
            wheel.schedule(id, now - 1);
        };
        assertEquals(1, wheel.poll(START + TICK, stubborn, Integer.MAX_VALUE));
        assertEquals(1, wheel.poll(START + TICK, stubborn, Integer.MAX_VALUE));
        assertTrue(wheel.isScheduled(0));
    }

    @Test
    void limitBoundsExpirationsAndTheRestStayDue()
    {
        for (int id = 0; id < 50; id++)
        {
            wheel.schedule(id, START + (id % 5) * 100 * TICK);
        }
        final long now = START + 1000 * TICK;
        int total = 0;
        int polls = 0;
        while (total < 50)
        {
            final int n = wheel.poll(now, fired, 7);
            assertTrue(n <= 7);
            assertTrue(n > 0, "due timers left by the limit are due on the next poll");
            total += n;
            polls++;
        }
        assertEquals(8, polls);
        assertEquals(50, fired.ids.stream().distinct().count());
        assertEquals(0, wheel.count());
        assertEquals(0, wheel.poll(now, fired, 7));
    }

    @Test
    void limitInTheMiddleOfABucketKeepsTheRestUntilLater()
    {
        for (int id = 0; id < 10; id++)
        {
            wheel.schedule(id, START + 3 * TICK + (id < 5 ? 0 : 500));
        }
        assertEquals(2, wheel.poll(START + 3 * TICK, fired, 2));
        assertEquals(3, wheel.poll(START + 3 * TICK, fired, Integer.MAX_VALUE));
        assertEquals(0, wheel.poll(START + 3 * TICK + 499, fired, Integer.MAX_VALUE));
        assertEquals(5, wheel.poll(START + 3 * TICK + 500, fired, Integer.MAX_VALUE));
        for (int i = 0; i < 5; i++)
        {
            assertTrue(fired.ids.get(i) < 5, "the early five first");
        }
    }

    @Test
    void constructorRejectsATickThatIsNotAPowerOfTwo()
    {
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel(4, 1000, 0));
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel(0, 1024, 0));
    }

    /** Records what fired. */
    static final class Recorder implements TimerHandler
    {
        final List<Integer> ids = new ArrayList<>();
        final List<Long> nows = new ArrayList<>();

        @Override
        public void onExpiry(final int id, final long nowNs)
        {
            ids.add(id);
            nows.add(nowNs);
        }
    }
}
