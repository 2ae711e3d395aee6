package dev.synack.tools.report;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * {@code synack demo}'s results for programs and pictures: every figure its tables print (rates with their median,
 * min and max over the runs and each run, wire frames/s, share of the link's ceiling, keep-alive latency
 * percentiles, reflect round trips, ratios against the better kernel shape), the machine, the commit and the
 * configuration as JSON; an {@code .hgrm} percentile distribution (µs) per keep-alive workload and side; an SVG
 * percentile plot per keep-alive workload (every side on one log-scaled percentile axis) and an SVG bar chart of
 * the rates.
 * <p>
 * Built after the run from its {@link Side}s; read-only.
 */
public final class DemoReport implements Report
{
    private final List<Side> sides;
    private final Side kernelOne;
    private final Side kernelTwo;
    private final Map<String, Object> configuration;
    private final String finished = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();

    /**
     * @param sides what was measured, in the order the tables print it (synack's sides first).
     * @param kernelOne the kernel on one core, or null when it was not measured.
     * @param kernelTwo the kernel on two cores, or null.
     * @param configuration the options in force, name → String, number or Boolean.
     */
    public DemoReport(final List<Side> sides, final Side kernelOne, final Side kernelTwo,
        final Map<String, Object> configuration)
    {
        this.sides = List.copyOf(sides);
        this.kernelOne = kernelOne;
        this.kernelTwo = kernelTwo;
        this.configuration = new LinkedHashMap<>(configuration);
    }

    @Override
    public String json()
    {
        final Json json = Json.document();
        json.put("tool", "synack demo").put("finished", finished);
        Machine.describe(json);
        configuration(json, configuration);
        json.array("workloads");
        for (int w = 0; w < Side.KEYS.length; w++)
        {
            json.object().put("key", Side.KEYS[w]).put("name", Side.WORKLOADS[w]).end();
        }
        json.endArray();
        json.array("sides");
        for (final Side side : sides)
        {
            side(json, side);
        }
        json.endArray();
        return json.finish();
    }

    /** Writes the options as a {@code "configuration"} object. */
    static void configuration(final Json json, final Map<String, Object> configuration)
    {
        json.object("configuration");
        for (final Map.Entry<String, Object> e : configuration.entrySet())
        {
            final Object v = e.getValue();
            if (v instanceof Number n)
            {
                json.put(e.getKey(), n.doubleValue());
            }
            else if (v instanceof Boolean b)
            {
                json.put(e.getKey(), b.booleanValue());
            }
            else
            {
                json.put(e.getKey(), v == null ? null : v.toString());
            }
        }
        json.end();
    }

    private void side(final Json json, final Side side)
    {
        final boolean kernel = side == kernelOne || side == kernelTwo;
        json.object().put("name", side.name()).put("key", side.key()).put("stack", kernel ? "kernel" : "synack")
            .put("detail", side.detail()).put("runs", side.runs());
        if (side.ceiling() > 0)
        {
            json.put("ceiling_frames_per_s", side.ceiling());
        }
        if (!kernel)
        {
            json.put("unexpected_callbacks", side.errors()).put("connects_refused", side.refused());
        }
        json.array("workloads");
        for (int w = 0; w < Side.KEYS.length; w++)
        {
            json.object().put("key", Side.KEYS[w]);
            spread(json, "rate_per_s", side.rate(w));
            final Spread frames = side.frames(w);
            if (frames != null)
            {
                spread(json, "wire_frames_per_s", frames);
                if (side.ceiling() > 0)
                {
                    json.put("of_ceiling_percent", 100 * frames.median() / side.ceiling());
                }
            }
            if (!kernel && kernelOne != null && kernelTwo != null)
            {
                final double best = Math.max(kernelOne.rate(w).median(), kernelTwo.rate(w).median());
                json.put("ratio_to_best_kernel", side.rate(w).median() / best);
            }
            if (w >= 2)
            {
                final Histogram h = side.latency(w - 2);
                if (h != null)
                {
                    latency(json, h);
                }
                if (side.reflect(w - 2) > 0)
                {
                    json.put("reflect_round_trips_per_s", side.reflect(w - 2))
                        .put("of_reflect_percent", 100 * side.rate(w).median() / side.reflect(w - 2));
                }
            }
            json.end();
        }
        json.endArray().end();
    }

    /** Writes a {@link Spread} as an object. */
    static void spread(final Json json, final String name, final Spread spread)
    {
        json.object(name).put("median", spread.median()).put("min", spread.min()).put("max", spread.max())
            .put("runs", spread.runs()).end();
    }

    /** Writes a latency histogram's percentiles (µs) as {@code "latency_us"}. */
    static void latency(final Json json, final Histogram h)
    {
        json.object("latency_us").put("p50", h.getValueAtPercentile(50) / 1e3)
            .put("p90", h.getValueAtPercentile(90) / 1e3).put("p99", h.getValueAtPercentile(99) / 1e3)
            .put("p99_9", h.getValueAtPercentile(99.9) / 1e3).put("p99_99", h.getValueAtPercentile(99.99) / 1e3)
            .put("max", h.getMaxValue() / 1e3).put("mean", h.getMean() / 1e3).put("samples", h.getTotalCount())
            .end();
    }

    @Override
    public Map<String, String> hgrm()
    {
        final Map<String, String> files = new LinkedHashMap<>();
        for (final Side side : sides)
        {
            for (int i = 0; i < 2; i++)
            {
                final Histogram h = side.latency(i);
                if (h != null)
                {
                    files.put(side.key() + "-" + Side.KEYS[2 + i] + ".hgrm", hgrm(h));
                }
            }
        }
        return files;
    }

    /**
     * @param h latencies in ns.
     * @return HdrHistogram's percentile distribution of it in µs, 5 steps per halving of the distance to 100 %.
     */
    public static String hgrm(final Histogram h)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            h.outputPercentileDistribution(print, 5, 1000.0);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public Map<String, String> plots()
    {
        final Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < 2; i++)
        {
            final List<PercentilePlot.Series> series = new ArrayList<>();
            for (final Side side : sides)
            {
                if (side.latency(i) != null)
                {
                    series.add(new PercentilePlot.Series(side.name(), side.latency(i)));
                }
            }
            if (!series.isEmpty())
            {
                files.put("latency-" + Side.KEYS[2 + i] + ".svg", PercentilePlot.draw("synack demo: keep-alive"
                    + " latency by percentile, " + (i == 0 ? "1 request" : "16 requests") + " in flight (64 B each"
                    + " way)", series));
            }
        }
        final String[] names = new String[sides.size()];
        final Spread[][] rates = new Spread[Side.KEYS.length][sides.size()];
        for (int s = 0; s < sides.size(); s++)
        {
            names[s] = sides.get(s).name();
            for (int w = 0; w < Side.KEYS.length; w++)
            {
                rates[w][s] = sides.get(s).rate(w);
            }
        }
        files.put("rates.svg", RateChart.draw("synack demo: rates, median of " + sides.get(0).runs() + " run(s)"
            + " (whiskers: min to max)", Side.WORKLOADS, names, rates));
        return files;
    }
}
