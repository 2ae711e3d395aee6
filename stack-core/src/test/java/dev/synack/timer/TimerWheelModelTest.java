package dev.synack.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random schedules, cancels, re-schedules from inside the callback, time steps from a nanosecond to hours and
 * random poll limits, checked after every step against a plain sorted map of deadlines.
 */
class TimerWheelModelTest
{
    private static final int IDS = 300;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void agreesWithASortedMapOfDeadlines(final long seed)
    {
        final Random random = new Random(seed);
        final long tick = 1L << (10 + random.nextInt(12));
        long now = random.nextBoolean() ? 0 : random.nextLong() >> 8;
        final TimerWheel wheel = new TimerWheel(IDS, tick, now);
        final Map<Integer, Long> model = new TreeMap<>();
        final List<Integer> fired = new ArrayList<>();
        final long[] firedAtNow = new long[1];
        final Set<Integer> rescheduleInCallback = new HashSet<>();
        final Map<Integer, Long> movedInCallback = new TreeMap<>();

        final TimerHandler handler = (id, nowNs) ->
        {
            fired.add(id);
            firedAtNow[0] = nowNs;
            if (rescheduleInCallback.contains(id))
            {
                final long later = nowNs + 1 + (long)(random.nextDouble() * TimeUnit.SECONDS.toNanos(30));
                wheel.schedule(id, later);
                movedInCallback.put(id, later);
            }
        };

        for (int step = 0; step < 20_000; step++)
        {
            final int op = random.nextInt(10);
            if (op < 4)
            {
                final int id = random.nextInt(IDS);
                final long deadline = now + delay(random, tick);
                wheel.schedule(id, deadline);
                model.put(id, deadline);
            }
            else if (op < 5)
            {
                final int id = random.nextInt(IDS);
                assertEquals(model.remove(id) != null, wheel.cancel(id));
            }
            else if (op < 6)
            {
                rescheduleInCallback.add(random.nextInt(IDS));
            }
            else
            {
                now += step(random, tick);
                final int limit = random.nextInt(4) == 0 ? 1 + random.nextInt(5) : Integer.MAX_VALUE;
                final Set<Integer> due = new HashSet<>();
                for (final Map.Entry<Integer, Long> e : model.entrySet())
                {
                    if (e.getValue() - now <= 0)
                    {
                        due.add(e.getKey());
                    }
                }
                fired.clear();
                movedInCallback.clear();
                final int n = wheel.poll(now, handler, limit);
                assertEquals(n, fired.size());
                assertEquals(Math.min(limit, due.size()), n, "seed " + seed + " step " + step);
                assertEquals(fired.size(), new HashSet<>(fired).size(), "each fires once");
                for (final int id : fired)
                {
                    assertTrue(due.contains(id), "fired before its deadline: id " + id + " step " + step);
                    assertEquals(now, firedAtNow[0]);
                    model.remove(id);
                }
                model.putAll(movedInCallback);
                rescheduleInCallback.removeAll(fired);
            }
            assertEquals(model.size(), wheel.count(), "step " + step);
            final int probe = random.nextInt(IDS);
            assertEquals(model.getOrDefault(probe, TimerWheel.NO_DEADLINE), wheel.deadline(probe));
            assertEquals(model.containsKey(probe), wheel.isScheduled(probe));
        }
    }

    private static long delay(final Random random, final long tick)
    {
        switch (random.nextInt(6))
        {
            case 0:
                return -random.nextInt(100) * tick; // already due
            case 1:
                return random.nextInt(3 * (int)tick);
            case 2:
                return (long)(random.nextDouble() * 64 * 64 * tick);
            case 3:
                return (long)(random.nextDouble() * TimeUnit.SECONDS.toNanos(60));
            case 4:
                return (long)(random.nextDouble() * TimeUnit.HOURS.toNanos(3));
            default:
                return (long)(random.nextDouble() * (1L << 24) * tick * 3);
        }
    }

    private static long step(final Random random, final long tick)
    {
        switch (random.nextInt(5))
        {
            case 0:
                return random.nextInt(2);
            case 1:
                return random.nextInt((int)tick * 2);
            case 2:
                return (long)(random.nextDouble() * 64 * 64 * tick);
            case 3:
                return (long)(random.nextDouble() * TimeUnit.SECONDS.toNanos(20));
            default:
                return random.nextInt(50) == 0 ? TimeUnit.HOURS.toNanos(2) : random.nextInt(1000);
        }
    }
}
