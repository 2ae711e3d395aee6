package dev.synack.tools.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The SVG ladder's vertical axis. Time flows down at {@link #PX_PER_US}, but two moments when something happens
 * are never closer than one {@link #ROW} (so labels do not overprint), several segments sent at one moment get a
 * row each, and a gap longer than {@link #SHORTEN_NS} becomes a fixed-height {@link Break} that the picture
 * draws and labels with its real length: an RTO of 1 s or a 2MSL of 60 s reads as a labelled break, not as
 * metres of empty paper. Not thread-safe.
 */
final class TimeAxis
{
    /** Least distance between two moments, and between two segments sent at one moment. */
    static final double ROW = 40;
    /** Scale where time is not shortened: 100 µs is 40 px. */
    static final double PX_PER_US = 0.4;
    /** Gaps longer than this are shortened to a break. */
    static final long SHORTEN_NS = 1_000_000;
    /** Height of a break. */
    static final double BREAK = 72;

    /**
     * A shortened gap.
     *
     * @param fromY where it starts.
     * @param toY where it ends.
     * @param ns how long it really is.
     */
    record Break(double fromY, double toY, long ns)
    {
    }

    private final NavigableMap<Long, Double> tops = new TreeMap<>();
    private final List<Break> breaks = new ArrayList<>();
    private final double bottom;

    /**
     * @param top where the first moment is drawn.
     * @param rowsAt every moment something is drawn at, with how many segments are sent then (0 or more).
     */
    TimeAxis(final double top, final SortedMap<Long, Integer> rowsAt)
    {
        double end = top;
        long previous = 0;
        boolean first = true;
        for (final Map.Entry<Long, Integer> moment : rowsAt.entrySet())
        {
            final long t = moment.getKey();
            double y = top;
            if (!first)
            {
                final long gap = t - previous;
                if (gap > SHORTEN_NS)
                {
                    y = end + BREAK;
                    breaks.add(new Break(end, y, gap));
                }
                else
                {
                    y = end + Math.max(ROW, gap / 1e3 * PX_PER_US);
                }
            }
            tops.put(t, y);
            end = y + Math.max(0, moment.getValue() - 1) * ROW;
            previous = t;
            first = false;
        }
        bottom = end;
    }

    /**
     * @param timeNs one of the moments given.
     * @return where it is drawn (its first row).
     */
    double y(final long timeNs)
    {
        final Double y = tops.get(timeNs);
        if (y == null)
        {
            throw new IllegalArgumentException("not a moment of this axis: " + timeNs);
        }
        return y;
    }

    /** @return the moments, in order of time. */
    Iterable<Long> moments()
    {
        return tops.keySet();
    }

    /** @return the shortened gaps, top to bottom. */
    List<Break> breaks()
    {
        return breaks;
    }

    /** @return where the last moment's last row is drawn. */
    double bottom()
    {
        return bottom;
    }
}
