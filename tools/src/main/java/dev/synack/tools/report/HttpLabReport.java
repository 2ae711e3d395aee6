package dev.synack.tools.report;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * {@code synack http-lab}'s results for programs and pictures: per workload (keep-alive, {@code Connection: close})
 * and side (synack, kernel) wrk's requests/s, its p50 and p99, the requests and errors, and — when wrk handed its
 * latency buckets over — the whole distribution's percentiles as JSON, an {@code .hgrm} file and a line on the
 * percentile plot; a bar chart of the rates. http-lab runs wrk once per workload and side, so each spread is one
 * run (median = min = max).
 * <p>
 * Built after the run; read-only.
 */
public final class HttpLabReport implements Report
{
    private static final String[] KEYS = {"keepalive", "close"};
    private static final String[] SIDES = {"synack", "kernel"};

    private final String[] workloads;
    private final Run[][] runs;
    private final Map<String, Object> configuration;
    private final String finished = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();

    /**
     * One wrk run.
     *
     * @param requestsPerSecond wrk's Requests/sec.
     * @param p50Us wrk's 50 % line, µs.
     * @param p99Us wrk's 99 % line, µs.
     * @param requests requests completed.
     * @param errors socket errors and non-2xx responses, or empty.
     * @param latency every request's latency (ns), or null.
     */
    public record Run(double requestsPerSecond, double p50Us, double p99Us, long requests, String errors,
        Histogram latency)
    {
    }

    /**
     * @param workloads the two workloads' names as the table prints them.
     * @param synack synack's run per workload.
     * @param kernel the kernel server's run per workload.
     * @param configuration the options in force.
     */
    public HttpLabReport(final String[] workloads, final Run[] synack, final Run[] kernel,
        final Map<String, Object> configuration)
    {
        this.workloads = workloads.clone();
        this.runs = new Run[][] {synack.clone(), kernel.clone()};
        this.configuration = new LinkedHashMap<>(configuration);
    }

    @Override
    public String json()
    {
        final Json json = Json.document();
        json.put("tool", "synack http-lab").put("finished", finished);
        Machine.describe(json);
        DemoReport.configuration(json, configuration);
        json.array("workloads");
        for (int w = 0; w < workloads.length; w++)
        {
            json.object().put("key", KEYS[w]).put("name", workloads[w]);
            for (int s = 0; s < SIDES.length; s++)
            {
                final Run r = runs[s][w];
                json.object(SIDES[s]);
                DemoReport.spread(json, "requests_per_s", Spread.of(new double[] {r.requestsPerSecond()}));
                json.put("wrk_p50_us", r.p50Us()).put("wrk_p99_us", r.p99Us()).put("requests", r.requests())
                    .put("errors", r.errors());
                if (r.latency() != null)
                {
                    DemoReport.latency(json, r.latency());
                }
                json.end();
            }
            json.put("ratio", runs[0][w].requestsPerSecond() / runs[1][w].requestsPerSecond());
            json.end();
        }
        json.endArray();
        return json.finish();
    }

    @Override
    public Map<String, String> hgrm()
    {
        final Map<String, String> files = new LinkedHashMap<>();
        for (int w = 0; w < workloads.length; w++)
        {
            for (int s = 0; s < SIDES.length; s++)
            {
                if (runs[s][w].latency() != null)
                {
                    files.put(SIDES[s] + "-http-" + KEYS[w] + ".hgrm", DemoReport.hgrm(runs[s][w].latency()));
                }
            }
        }
        return files;
    }

    @Override
    public Map<String, String> plots()
    {
        final Map<String, String> files = new LinkedHashMap<>();
        for (int w = 0; w < workloads.length; w++)
        {
            final List<PercentilePlot.Series> series = new ArrayList<>();
            for (int s = 0; s < SIDES.length; s++)
            {
                if (runs[s][w].latency() != null)
                {
                    series.add(new PercentilePlot.Series(SIDES[s], runs[s][w].latency()));
                }
            }
            if (!series.isEmpty())
            {
                files.put("latency-http-" + KEYS[w] + ".svg", PercentilePlot.draw("synack http-lab: wrk latency by"
                    + " percentile, " + workloads[w], series));
            }
        }
        final Spread[][] rates = new Spread[workloads.length][SIDES.length];
        for (int w = 0; w < workloads.length; w++)
        {
            for (int s = 0; s < SIDES.length; s++)
            {
                rates[w][s] = Spread.of(new double[] {runs[s][w].requestsPerSecond()});
            }
        }
        files.put("rates.svg", RateChart.draw("synack http-lab: requests/s (wrk, one run each)", workloads, SIDES,
            rates));
        return files;
    }
}
