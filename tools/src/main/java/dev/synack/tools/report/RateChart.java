package dev.synack.tools.report;

import java.util.Locale;

import dev.synack.tools.svg.Svg;

/**
 * Rates as horizontal bars, one group per workload and one bar per side, each bar labelled with its median and a
 * whisker from the lowest to the highest run. Handshakes and keep-alive exchanges differ by orders of magnitude,
 * so each group has its own scale (0 to the group's highest run), said under the group's name.
 * <p>
 * Thread-safe (stateless).
 */
public final class RateChart
{
    private static final double WIDTH = 860;
    private static final double LABEL = 170;
    private static final double BAR = 16;
    private static final double GAP = 4;
    private static final double GROUP_GAP = 26;
    private static final double TOP = 50;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f"};

    private RateChart()
    {
    }

    /**
     * @param title the chart's title.
     * @param workloads the groups' names.
     * @param sides the bars' names (the same in every group).
     * @param rates [workload][side] the spread of the rate over the runs.
     * @return the SVG document.
     */
    public static String draw(final String title, final String[] workloads, final String[] sides,
        final Spread[][] rates)
    {
        final double groupHeight = 20 + sides.length * (BAR + GAP);
        final double height = TOP + workloads.length * (groupHeight + GROUP_GAP) + 10;
        final double barSpace = WIDTH - LABEL - 150;
        final Svg svg = new Svg(WIDTH, height, title, "font-family", "sans-serif", "font-size", "12");
        svg.empty("rect", "x", "0", "y", "0", "width", Svg.num(WIDTH), "height", Svg.num(height), "fill", "white");
        svg.text("text", title, "x", Svg.num(WIDTH / 2), "y", "24", "text-anchor", "middle", "font-size", "14");
        double y = TOP;
        for (int w = 0; w < workloads.length; w++)
        {
            double scale = 0;
            for (final Spread s : rates[w])
            {
                scale = Math.max(scale, s.max());
            }
            scale = scale <= 0 ? 1 : scale;
            svg.text("text", workloads[w], "x", "10", "y", Svg.num(y + 12), "font-weight", "bold");
            svg.text("text", "scale 0 to " + rate(scale) + "/s", "x", Svg.num(WIDTH - 10), "y", Svg.num(y + 12),
                "text-anchor", "end", "fill", "#666");
            double by = y + 20;
            for (int s = 0; s < sides.length; s++)
            {
                final Spread r = rates[w][s];
                final double barWidth = barSpace * r.median() / scale;
                svg.open("g", "class", "bar");
                svg.text("title", sides[s] + ", " + workloads[w] + ": median " + rate(r.median()) + "/s, min "
                    + rate(r.min()) + ", max " + rate(r.max()));
                svg.text("text", sides[s], "x", Svg.num(LABEL - 8), "y", Svg.num(by + BAR - 4), "text-anchor", "end");
                svg.empty("rect", "x", Svg.num(LABEL), "y", Svg.num(by), "width", Svg.num(barWidth), "height",
                    Svg.num(BAR), "fill", COLOURS[s % COLOURS.length]);
                final double x1 = LABEL + barSpace * r.min() / scale;
                final double x2 = LABEL + barSpace * r.max() / scale;
                svg.empty("line", "x1", Svg.num(x1), "y1", Svg.num(by + BAR / 2), "x2", Svg.num(x2), "y2",
                    Svg.num(by + BAR / 2), "stroke", "#000", "stroke-width", "1.5");
                svg.text("text", rate(r.median()) + "/s", "x", Svg.num(Math.max(LABEL + barWidth, x2) + 6), "y",
                    Svg.num(by + BAR - 4));
                svg.close("g");
                by += BAR + GAP;
            }
            y += groupHeight + GROUP_GAP;
        }
        return svg.finish();
    }

    private static String rate(final double value)
    {
        return String.format(Locale.ROOT, "%,.0f", value);
    }
}
