package dev.synack.tools.report;

import org.HdrHistogram.Histogram;

/**
 * What one side of a comparison measured — synack on one wire and thread shape, or the kernel in one shape — over
 * the four workloads of {@code synack demo} (0 = handshakes 1 at a time, 1 = 16 at a time, 2 = keep-alive 1 in
 * flight, 3 = 16 in flight): each run's rate, each run's wire frames/s where counted, the link's ceiling, the
 * keep-alive latency histograms (ns) and the raw reflect round trips at the same window where measured.
 * <p>
 * Filled in by the thread that measures, read after; not thread-safe.
 */
public final class Side
{
    /** The workloads' names, as the tables print them. */
    public static final String[] WORKLOADS = {"handshakes/s, 1 at a time (open+close cycles)",
        "handshakes/s, 16 at a time", "keep-alive exchanges/s, 1 in flight (64 B each way)",
        "keep-alive exchanges/s, 16 in flight"};
    /** The workloads' keys, for file names and JSON. */
    public static final String[] KEYS = {"handshakes-1", "handshakes-16", "keepalive-1", "keepalive-16"};

    private final String name;
    private final String key;
    private final String detail;
    private final double[][] rates;
    private final double[][] frameRates;
    private final Histogram[] latency = new Histogram[2];
    private final double[] reflect = new double[2];
    private double ceiling;
    private long refused;
    private long errors;

    /**
     * @param name the column heading, e.g. "synack memory".
     * @param key for file names, e.g. "synack-memory".
     * @param detail one line on what was measured (the wire, the threads).
     * @param runs how many runs.
     * @param countsFrames whether wire frames/s are counted per run.
     */
    public Side(final String name, final String key, final String detail, final int runs, final boolean countsFrames)
    {
        this.name = name;
        this.key = key;
        this.detail = detail;
        this.rates = new double[4][runs];
        this.frameRates = countsFrames ? new double[4][runs] : null;
    }

    /** @return the column heading. */
    public String name()
    {
        return name;
    }

    /** @return the file-name key. */
    public String key()
    {
        return key;
    }

    /** @return what was measured. */
    public String detail()
    {
        return detail;
    }

    /** @return how many runs. */
    public int runs()
    {
        return rates[0].length;
    }

    /**
     * @param workload 0..3.
     * @param run 0-based.
     * @param rate what it measured per second.
     * @param framesPerSecond wire frames per second in that window (ignored when frames are not counted).
     */
    public void record(final int workload, final int run, final double rate, final double framesPerSecond)
    {
        rates[workload][run] = rate;
        if (frameRates != null)
        {
            frameRates[workload][run] = framesPerSecond;
        }
    }

    /**
     * @param workload 0..3.
     * @return the rate's spread over the runs.
     */
    public Spread rate(final int workload)
    {
        return Spread.of(rates[workload]);
    }

    /**
     * @param workload 0..3.
     * @return the wire frames/s spread over the runs, or null when not counted.
     */
    public Spread frames(final int workload)
    {
        return frameRates == null ? null : Spread.of(frameRates[workload]);
    }

    /**
     * @param inFlightIndex 0 for 1 in flight, 1 for 16.
     * @param histogram keep-alive latencies (ns) over all runs, or null.
     */
    public void latency(final int inFlightIndex, final Histogram histogram)
    {
        latency[inFlightIndex] = histogram;
    }

    /**
     * @param inFlightIndex 0 for 1 in flight, 1 for 16.
     * @return keep-alive latencies (ns), or null when none were kept.
     */
    public Histogram latency(final int inFlightIndex)
    {
        return latency[inFlightIndex];
    }

    /** @param framesPerSecond the link's raw ceiling (0 when not measured). */
    public void ceiling(final double framesPerSecond)
    {
        ceiling = framesPerSecond;
    }

    /** @return the link's raw ceiling in frames/s, 0 when not measured. */
    public double ceiling()
    {
        return ceiling;
    }

    /**
     * @param inFlightIndex 0 for 1 in flight, 1 for 16.
     * @param roundTrips the raw reflect round trips/s at that window (0 when not measured).
     */
    public void reflect(final int inFlightIndex, final double roundTrips)
    {
        reflect[inFlightIndex] = roundTrips;
    }

    /**
     * @param inFlightIndex 0 for 1 in flight, 1 for 16.
     * @return the raw reflect round trips/s at that window, 0 when not measured.
     */
    public double reflect(final int inFlightIndex)
    {
        return reflect[inFlightIndex];
    }

    /**
     * @param connectsRefused connects refused because the table was full.
     * @param unexpectedCallbacks callbacks the workloads did not expect.
     */
    public void problems(final long connectsRefused, final long unexpectedCallbacks)
    {
        refused = connectsRefused;
        errors = unexpectedCallbacks;
    }

    /** @return connects refused because the table was full (synack sides only). */
    public long refused()
    {
        return refused;
    }

    /** @return callbacks the workloads did not expect (synack sides only). */
    public long errors()
    {
        return errors;
    }
}
