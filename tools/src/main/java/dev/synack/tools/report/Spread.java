package dev.synack.tools.report;

import java.util.Arrays;

/**
 * One figure over the runs of a measurement: its median, lowest and highest run, and every run in order.
 * Immutable: the runs are copied in and out.
 *
 * @param median the median run (the mean of the middle two for an even count).
 * @param min the lowest run.
 * @param max the highest run.
 * @param runs every run, in the order measured.
 */
public record Spread(double median, double min, double max, double[] runs)
{
    /**
     * @param runs each run's figure, in the order measured (not changed).
     * @return their spread.
     */
    public static Spread of(final double[] runs)
    {
        final double[] sorted = runs.clone();
        Arrays.sort(sorted);
        return new Spread(median(sorted), sorted[0], sorted[sorted.length - 1], runs.clone());
    }

    /**
     * @param sorted values sorted ascending, at least one.
     * @return their median.
     */
    public static double median(final double[] sorted)
    {
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    @Override
    public double[] runs()
    {
        return runs.clone();
    }
}
