package dev.synack.tools.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import dev.synack.tools.svg.Svg;

/**
 * Latency by percentile as HdrHistogram's plotter draws it: x is the percentile on a log scale of 1/(1-p) — 0 %,
 * 90 %, 99 %, 99.9 %, … equally spaced, so the tail gets the room it deserves — and y is the latency in µs, linear
 * from 0 (or by decades when the maximum is more than 20 times the lowest median, where a linear axis would
 * flatten every line to nothing); one line per side, all on one chart, with each side's p50 / p99 / max in the
 * legend. The x axis ends at
 * the last "nines" the largest histogram can resolve (a percentile beyond 1 - 1/samples says nothing).
 * <p>
 * Thread-safe (stateless).
 */
public final class PercentilePlot
{
    private static final double WIDTH = 860;
    private static final double LEFT = 80;
    private static final double RIGHT = 30;
    private static final double TOP = 50;
    private static final double PLOT_HEIGHT = 360;
    private static final double LEGEND_LINE = 18;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f"};

    private PercentilePlot()
    {
    }

    /**
     * One line of the chart.
     *
     * @param label what it measured, for the legend.
     * @param histogram its latencies in ns.
     */
    public record Series(String label, Histogram histogram)
    {
    }

    /**
     * @param title the chart's title.
     * @param series the lines, at least one.
     * @return the SVG document.
     */
    public static String draw(final String title, final List<Series> series)
    {
        long samples = 1;
        double maxUs = 0;
        double minUs = Double.MAX_VALUE;
        double medianUs = Double.MAX_VALUE;
        for (final Series s : series)
        {
            samples = Math.max(samples, s.histogram().getTotalCount());
            maxUs = Math.max(maxUs, s.histogram().getMaxValue() / 1e3);
            if (s.histogram().getTotalCount() > 0)
            {
                minUs = Math.min(minUs, Math.max(1e-3, s.histogram().getMinValue() / 1e3));
                medianUs = Math.min(medianUs, s.histogram().getValueAtPercentile(50) / 1e3);
            }
        }
        // a tail far above the body (a GC pause, a retransmission) would flatten every line on a linear axis
        final boolean log = maxUs > 20 * medianUs && minUs < maxUs;
        final double yLow = log ? Math.pow(10, Math.floor(Math.log10(minUs))) : 0;
        // the nines the data can resolve: 1/(1-p) up to the sample count, at least to 99 %, at most to 99.9999 %
        final int nines = (int)Math.max(2, Math.min(6, Math.ceil(Math.log10(samples))));
        final double yMax = log ? Math.pow(10, Math.ceil(Math.log10(maxUs))) : niceCeiling(maxUs);
        final Scale scale = new Scale(log, yLow, yMax);
        final double plotWidth = WIDTH - LEFT - RIGHT;
        final double height = TOP + PLOT_HEIGHT + 50 + LEGEND_LINE * series.size() + 10;
        final Svg svg = new Svg(WIDTH, height, title, "font-family", "sans-serif", "font-size", "12");
        svg.empty("rect", "x", "0", "y", "0", "width", Svg.num(WIDTH), "height", Svg.num(height), "fill", "white");
        svg.text("text", title, "x", Svg.num(WIDTH / 2), "y", "24", "text-anchor", "middle", "font-size", "14");
        // axes and grid
        final double bottom = TOP + PLOT_HEIGHT;
        for (int n = 0; n <= nines; n++)
        {
            final double x = LEFT + plotWidth * n / nines;
            svg.empty("line", "x1", Svg.num(x), "y1", Svg.num(TOP), "x2", Svg.num(x), "y2", Svg.num(bottom),
                "stroke", "#ddd");
            svg.text("text", percentileLabel(n), "x", Svg.num(x), "y", Svg.num(bottom + 16), "text-anchor", "middle");
        }
        svg.text("text", "percentile (log scale of 1/(1-p))", "x", Svg.num(LEFT + plotWidth / 2),
            "y", Svg.num(bottom + 34), "text-anchor", "middle");
        for (final double v : scale.ticks())
        {
            final double y = bottom - PLOT_HEIGHT * scale.fraction(v);
            svg.empty("line", "x1", Svg.num(LEFT), "y1", Svg.num(y), "x2", Svg.num(LEFT + plotWidth), "y2",
                Svg.num(y), "stroke", "#ddd");
            svg.text("text", format(v), "x", Svg.num(LEFT - 6), "y", Svg.num(y + 4), "text-anchor", "end");
        }
        svg.text("text", log ? "latency, µs (log scale)" : "latency, µs", "x", "16", "y",
            Svg.num(TOP + PLOT_HEIGHT / 2), "text-anchor", "middle", "transform",
            "rotate(-90 16 " + Svg.num(TOP + PLOT_HEIGHT / 2) + ")");
        svg.empty("rect", "x", Svg.num(LEFT), "y", Svg.num(TOP), "width", Svg.num(plotWidth), "height",
            Svg.num(PLOT_HEIGHT), "fill", "none", "stroke", "#333");
        // the lines
        for (int i = 0; i < series.size(); i++)
        {
            final Series s = series.get(i);
            final String colour = COLOURS[i % COLOURS.length];
            final StringBuilder points = new StringBuilder();
            for (final double[] p : points(s.histogram(), nines))
            {
                final double x = LEFT + plotWidth * p[0] / nines;
                final double y = bottom - PLOT_HEIGHT * scale.fraction(p[1]);
                points.append(points.length() == 0 ? "" : " ").append(Svg.num(x)).append(',').append(Svg.num(y));
            }
            svg.open("g", "class", "series");
            svg.text("title", s.label());
            svg.empty("polyline", "points", points.toString(), "fill", "none", "stroke", colour, "stroke-width", "2");
            svg.close("g");
            final double ly = bottom + 56 + LEGEND_LINE * i;
            final Histogram h = s.histogram();
            svg.empty("line", "x1", Svg.num(LEFT), "y1", Svg.num(ly - 4), "x2", Svg.num(LEFT + 24), "y2",
                Svg.num(ly - 4), "stroke", colour, "stroke-width", "3");
            svg.text("text", s.label() + ": p50 " + format(h.getValueAtPercentile(50) / 1e3) + " µs, p99 "
                + format(h.getValueAtPercentile(99) / 1e3) + " µs, p99.9 " + format(h.getValueAtPercentile(99.9) / 1e3)
                + " µs, max " + format(h.getMaxValue() / 1e3) + " µs, " + String.format(Locale.ROOT, "%,d samples",
                h.getTotalCount()),
                "x", Svg.num(LEFT + 32), "y", Svg.num(ly));
        }
        return svg.finish();
    }

    /**
     * @param h latencies in ns.
     * @param nines where the x axis ends.
     * @return (x = log10(1/(1-p)), y = µs) points from HdrHistogram's percentile iteration, the last at the axis'
     *     end holding the maximum.
     */
    static List<double[]> points(final Histogram h, final int nines)
    {
        final List<double[]> points = new ArrayList<>();
        if (h.getTotalCount() == 0)
        {
            return points;
        }
        for (final HistogramIterationValue v : h.percentiles(5))
        {
            final double p = v.getPercentileLevelIteratedTo() / 100;
            if (p >= 1)
            {
                break;
            }
            final double x = Math.log10(1 / (1 - p));
            if (x > nines)
            {
                break;
            }
            points.add(new double[] {x, h.highestEquivalentValue(v.getValueIteratedTo()) / 1e3});
        }
        points.add(new double[] {nines, h.getMaxValue() / 1e3});
        return points;
    }

    /** The latency axis: linear from 0, or by decades when the tail is far above the body. */
    private record Scale(boolean log, double low, double high)
    {
        /** @return where {@code value} sits between the axis' ends, 0..1. */
        double fraction(final double value)
        {
            if (!log)
            {
                return Math.min(value, high) / high;
            }
            final double v = Math.max(low, Math.min(value, high));
            return (Math.log10(v) - Math.log10(low)) / (Math.log10(high) - Math.log10(low));
        }

        /** @return the values to draw a grid line and a label at. */
        double[] ticks()
        {
            if (!log)
            {
                final double[] ticks = new double[6];
                for (int t = 0; t <= 5; t++)
                {
                    ticks[t] = high * t / 5;
                }
                return ticks;
            }
            final int decades = (int)Math.round(Math.log10(high / low));
            final double[] ticks = new double[decades + 1];
            for (int d = 0; d <= decades; d++)
            {
                ticks[d] = low * Math.pow(10, d);
            }
            return ticks;
        }
    }

    /** @return the percentile whose 1/(1-p) is 10^nines: 0%, 90%, 99%, 99.9%, ... */
    static String percentileLabel(final int nines)
    {
        return nines == 0 ? "0%" : nines == 1 ? "90%" : "99" + (nines > 2 ? "." + "9".repeat(nines - 2) : "") + "%";
    }

    /** @return a round number at or above {@code value} (1, 2 or 5 times a power of ten). */
    static double niceCeiling(final double value)
    {
        if (value <= 0)
        {
            return 1;
        }
        final double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (final double step : new double[] {1, 2, 5, 10})
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }
        return 10 * power;
    }

    /** @return a latency or axis value with the decimals it needs (none from 100 up). */
    static String format(final double value)
    {
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value)
            : value >= 10 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.2f", value);
    }
}
