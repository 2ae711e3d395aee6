package dev.synack.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.synack.embed.Synack;
import dev.synack.embed.SynackBuilder;
import dev.synack.embed.SynackStack;
import dev.synack.embed.Threading;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.stat.StackCounter;
import dev.synack.tools.http.HttpResponder;
import dev.synack.tools.report.HttpLabReport;

/**
 * {@code synack http-lab} (root): a real HTTP client, wrk, in a peer namespace against synack's HTTP/1.1
 * responder over AF_XDP on a veth pair, then against a kernel-socket HTTP server (one Java NIO thread) on a
 * veth pair made the same way — with keep-alive connections and with {@code Connection: close} (a new
 * connection per request) — and prints requests/s and wrk's latency percentiles side by side.
 * <p>
 * Both servers are single-threaded (synack: stack and NIC agent on one thread; kernel: one selector thread).
 * Namespaces and processes are removed also on failure. wrk hands its whole latency distribution over through a
 * {@code done} script ({@link #LATENCY_SCRIPT}), kept as an HdrHistogram for {@code --hgrm} and {@code --plot};
 * {@code --json} writes every figure ({@link HttpLabReport}). Not thread-safe; runs once.
 */
@Command(name = "http-lab", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
    description = "(root) wrk against synack's HTTP responder over AF_XDP and against a kernel-socket server")
final class HttpLabCommand implements Callable<Integer>, Cli.Checked
{
    static final String USAGE = "usage: synack http-lab [--seconds N] [--connections N] [--two-threads]"
        + System.lineSeparator() + "                       [--json FILE] [--hgrm DIR] [--plot DIR] [--progress]";
    /**
     * wrk's {@code done} callback writing every latency bucket (µs, count) between two marker lines: the whole
     * distribution, where {@code --latency} prints four percentiles.
     */
    static final String LATENCY_SCRIPT = String.join("\n",
        "done = function(summary, latency, requests)",
        "  io.write(\"synack-latency-us begin\\n\")",
        "  for i = 1, #latency do",
        "    local value, count = latency(i)",
        "    io.write(string.format(\"synack-latency-us %d %d\\n\", value, count))",
        "  end",
        "  io.write(\"synack-latency-us end\\n\")",
        "end",
        "");
    private static final Pattern LATENCY_BUCKET = Pattern.compile("^synack-latency-us ([0-9]+) ([0-9]+)\\s*$",
        Pattern.MULTILINE);
    private static final String SERVER_IP = "198.18.0.1";
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s)\\s*$",
        Pattern.MULTILINE);
    private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: (.*)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: ([0-9]+)");
    private static final Pattern REQUESTS = Pattern.compile("([0-9]+) requests in");

    private final PrintStream out;
    private final PrintStream err;
    @Option(names = "--seconds", paramLabel = "N", description = "length of each wrk run (default 3)")
    private Integer secondsOption;
    @Option(names = "--connections", paramLabel = "N", description = "wrk's connections (default 16)")
    private Integer connectionsOption;
    @Option(names = "--two-threads", description = "synack's NIC agent and stack on two threads")
    private boolean twoThreads;
    @Option(names = "--mode", paramLabel = "drv|skb", description = "synack's XDP mode on its veth: native (drv,"
        + " default) or generic (skb)")
    private String modeOption;
    @Option(names = "--pin", description = "each server in turn owns the last CPU and busy-polls, wrk runs on the"
        + " others (default: all wherever the scheduler puts them, the servers sleeping when idle)")
    private boolean pin;
    @Option(names = "--json", paramLabel = "FILE", description = "every figure the table prints, the machine, the"
        + " commit and the configuration, as JSON")
    private String jsonOption;
    @Option(names = "--hgrm", paramLabel = "DIR", description = "an HdrHistogram percentile distribution (.hgrm) per"
        + " workload and side, from wrk's latency buckets")
    private String hgrmOption;
    @Option(names = "--plot", paramLabel = "DIR", description = "latency-by-percentile and rate charts as SVG")
    private String plotOption;
    @Option(names = "--progress", description = "a progress line on stderr even when it is not a terminal")
    private boolean progressOption;
    private int seconds;
    private int connections;
    private XdpMode mode;
    /** The CPU each server owns in turn, or -1: not pinned. */
    private int serverCpu;
    /** The CPUs wrk runs on, for taskset -c, when the servers are pinned. */
    private String wrkCpus;
    private Outputs outputs;
    private Progress progress;

    /**
     * What one wrk run measured.
     *
     * @param requestsPerSecond wrk's Requests/sec.
     * @param p50Us wrk's 50 % latency line.
     * @param p99Us wrk's 99 % latency line.
     * @param requests requests completed.
     * @param errors socket errors and non-2xx responses, or empty.
     * @param latency every request's latency (ns) from wrk's buckets, or null when wrk did not hand them over.
     */
    record Result(double requestsPerSecond, double p50Us, double p99Us, long requests, String errors,
        Histogram latency)
    {
    }

    /**
     * @param out where the report goes.
     * @param err where the progress line goes.
     */
    HttpLabCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    /**
     * @param args arguments after "http-lab".
     * @param out where the report goes.
     * @throws UsageException when the arguments are wrong.
     */
    HttpLabCommand(final List<String> args, final PrintStream out)
    {
        this(out, System.err);
        Cli.parse(this, args);
    }

    @Override
    public void check()
    {
        this.seconds = Cli.intIn("http-lab", "--seconds", secondsOption, 3, 1, 3600);
        this.connections = Cli.intIn("http-lab", "--connections", connectionsOption, 16, 1, 1024);
        this.outputs = Outputs.check("http-lab", jsonOption, hgrmOption, plotOption);
        if (modeOption != null && !modeOption.equals("skb") && !modeOption.equals("drv"))
        {
            throw new UsageException("http-lab: --mode must be drv or skb, not " + modeOption);
        }
        this.mode = "skb".equals(modeOption) ? XdpMode.GENERIC : XdpMode.NATIVE;
        final int cpus = Runtime.getRuntime().availableProcessors();
        if (pin && (cpus < 2 || twoThreads))
        {
            throw new UsageException("http-lab: --pin needs 2 or more CPUs and one synack thread");
        }
        this.serverCpu = pin ? cpus - 1 : -1;
        this.wrkCpus = cpus == 2 ? "0" : "0-" + (cpus - 2);
    }

    @Override
    public Integer call()
    {
        check();
        return run();
    }

    /** @return exit code. */
    int run()
    {
        if (!Main.isRoot())
        {
            throw new NotAvailableException("http-lab needs root (network namespaces, veth, AF_XDP): run as root",
                null);
        }
        if (!onPath("wrk"))
        {
            throw new NotAvailableException("http-lab needs wrk: apt-get install wrk", null);
        }
        final Path labNet = LabNet.find();
        progress = new Progress(err, progressOption, 4L * seconds >= Progress.WORTH_IT_SECONDS);
        out.printf("synack http-lab: wrk -t1 -c%d -d%ds --latency from the peer namespace, keep-alive and"
            + " `Connection: close`%n", connections, seconds);
        out.println(serverCpu < 0 ? "  not pinned: servers and wrk share the CPUs, the servers sleep when idle"
            : "  each server in turn owns CPU " + serverCpu + " and busy-polls (synack: its thread spins; kernel: its"
            + " selector thread spins on selectNow); wrk on CPU " + wrkCpus);
        final Result[] synack = synack(labNet);
        final Result[] kernel = kernel(labNet);
        out.println();
        out.println("== side by side (" + (twoThreads ? "synack: NIC agent and stack on two threads; kernel: one"
            + " selector thread" : "both servers single-threaded") + "; wrk: 1 thread, " + connections
            + " connections)");
        out.printf("  %-34s %12s %9s %9s %9s %12s %9s %9s %9s %8s%n", "", "synack req/s", "p50 µs", "p99 µs",
            "p99.9 µs", "kernel req/s", "p50 µs", "p99 µs", "p99.9 µs", "ratio");
        final String[] names = {"keep-alive (one connection each)", "Connection: close (new each time)"};
        for (int i = 0; i < 2; i++)
        {
            out.printf("  %-34s %,12.0f %9.1f %9.1f %9s %,12.0f %9.1f %9.1f %9s %7.2fx%n", names[i],
                synack[i].requestsPerSecond(), synack[i].p50Us(), synack[i].p99Us(), p999(synack[i]),
                kernel[i].requestsPerSecond(), kernel[i].p50Us(), kernel[i].p99Us(), p999(kernel[i]),
                synack[i].requestsPerSecond() / kernel[i].requestsPerSecond());
        }
        for (int i = 0; i < 2; i++)
        {
            if (!synack[i].errors().isEmpty() || !kernel[i].errors().isEmpty())
            {
                out.println("  errors, " + names[i] + ": synack [" + synack[i].errors() + "], kernel ["
                    + kernel[i].errors() + "]");
            }
        }
        final Map<String, Object> config = new LinkedHashMap<>();
        config.put("seconds", seconds);
        config.put("connections", connections);
        config.put("wrk_threads", 1);
        config.put("synack_threads", twoThreads ? 2 : 1);
        config.put("server_cpu", serverCpu);
        config.put("wrk_cpus", serverCpu < 0 ? "any" : wrkCpus);
        config.put("xdp_mode", mode == XdpMode.NATIVE ? "drv" : "skb");
        config.put("server_ip", SERVER_IP);
        final List<Path> written = outputs.write(new HttpLabReport(names, report(synack), report(kernel), config));
        if (!written.isEmpty())
        {
            out.println();
            for (final Path file : written)
            {
                out.println("  wrote " + file);
            }
        }
        return 0;
    }

    private Result[] synack(final Path labNet)
    {
        final String name = "hs" + ProcessHandle.current().pid() % 100000;
        try
        {
            final Map<String, String> lab = LabNet.up(labNet, name);
            out.println("== synack: HttpResponder on " + SERVER_IP + ":80 over AF_XDP (" + mode.label() + ") on "
                + lab.get("dev_a") + " in " + lab.get("ns_a") + "; wrk in " + lab.get("ns_b") + (twoThreads
                ? "; NIC agent and stack on two threads" : "; NIC agent and stack on one thread"));
            final SynackBuilder builder = Synack.builder().device(lab.get("dev_a")).namespace(lab.get("ns_a"))
                .xdpMode(mode).name("http-lab").mac(lab.get("mac_a")).address(SERVER_IP + "/24")
                .connections(4096).bufferBytes(16_384, 16_384)
                .threading(twoThreads ? Threading.TWO_THREADS : Threading.ONE_THREAD);
            if (serverCpu >= 0)
            {
                builder.cpus(serverCpu).busySpin();
            }
            try (SynackStack stack = builder.start())
            {
                if (serverCpu >= 0 && !stack.pinned())
                {
                    throw new IllegalStateException("could not pin synack's thread to CPU " + serverCpu
                        + ": run without --pin");
                }
                stack.listen(80, new HttpResponder());
                final Result[] results = {wrk(lab.get("ns_b"), false), wrk(lab.get("ns_b"), true)};
                out.println("  synack counters: TCP retransmits " + stack.counters().get(StackCounter.TCP_RETRANSMITS)
                    + ", TIME-WAITs evicted for room " + stack.counters().get(StackCounter.TCP_TIME_WAIT_EVICTED)
                    + ", frames dropped " + stack.counters().get(StackCounter.FRAMES_DROPPED));
                return results;
            }
        }
        finally
        {
            LabNet.down(labNet, name);
        }
    }

    private Result[] kernel(final Path labNet)
    {
        final String name = "hk" + ProcessHandle.current().pid() % 100000;
        Process server = null;
        try
        {
            final Map<String, String> lab = LabNet.up(labNet, name, "--kernel");
            out.println("== kernel: a Java NIO HTTP server (one selector thread) on " + SERVER_IP + ":80 in "
                + lab.get("ns_a") + "; wrk in " + lab.get("ns_b"));
            server = serverCpu < 0 ? KernelComparison.startServer(lab.get("ns_a"), "http", "80")
                : KernelComparison.startPinnedServer(lab.get("ns_a"), Integer.toString(serverCpu), "http", "80",
                    "spin");
            return new Result[] {wrk(lab.get("ns_b"), false), wrk(lab.get("ns_b"), true)};
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("kernel HTTP server: " + ex.getMessage(), ex);
        }
        finally
        {
            if (server != null)
            {
                server.destroyForcibly();
            }
            LabNet.down(labNet, name);
        }
    }

    /** The 99.9th percentile from wrk's latency buckets (wrk itself prints up to 99 %), or "-" without them. */
    static String p999(final Result result)
    {
        return result.latency() == null || result.latency().getTotalCount() == 0 ? "-"
            : String.format(Locale.ROOT, "%.1f", result.latency().getValueAtPercentile(99.9) / 1e3);
    }

    private static HttpLabReport.Run[] report(final Result[] results)
    {
        final HttpLabReport.Run[] runs = new HttpLabReport.Run[results.length];
        for (int i = 0; i < results.length; i++)
        {
            final Result r = results[i];
            runs[i] = new HttpLabReport.Run(r.requestsPerSecond(), r.p50Us(), r.p99Us(), r.requests(), r.errors(),
                r.latency());
        }
        return runs;
    }

    private Result wrk(final String namespace, final boolean close)
    {
        final Path script;
        try
        {
            script = Files.createTempFile("synack-wrk-", ".lua");
            Files.writeString(script, LATENCY_SCRIPT, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot write wrk's script: " + ex.getMessage(), ex);
        }
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        if (serverCpu >= 0)
        {
            command.addAll(List.of("taskset", "-c", wrkCpus));
        }
        command.addAll(List.of("wrk", "-t1", "-c" + connections, "-d" + seconds + "s", "--latency", "-s",
            script.toString()));
        if (close)
        {
            command.add("-H");
            command.add("Connection: close");
        }
        command.add("http://" + SERVER_IP + "/");
        progress.show("synack http-lab: wrk " + (close ? "Connection: close" : "keep-alive") + " for " + seconds
            + " s");
        final String text;
        try
        {
            text = LabNet.run(command);
        }
        finally
        {
            progress.clear();
            try
            {
                Files.deleteIfExists(script);
            }
            catch (final IOException ex)
            {
                // a temporary file left behind is harmless
            }
        }
        final Result result = parse(text);
        out.printf("  %-22s %,10.0f req/s, p50 %.1f µs, p99 %.1f µs, %,d requests%s%n",
            close ? "Connection: close" : "keep-alive", result.requestsPerSecond(), result.p50Us(), result.p99Us(),
            result.requests(), result.errors().isEmpty() ? "" : "; errors: " + result.errors());
        return result;
    }

    /** Reads wrk's report: requests/s, the 50 % and 99 % latency lines, request count and any errors. */
    static Result parse(final String text)
    {
        final Matcher rate = RATE.matcher(text);
        if (!rate.find())
        {
            throw new IllegalStateException("wrk printed no Requests/sec: " + text.trim());
        }
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        final Matcher percentile = PERCENTILE.matcher(text);
        while (percentile.find())
        {
            final double value = Double.parseDouble(percentile.group(2)) * switch (percentile.group(3))
            {
                case "ms" -> 1_000.0;
                case "s" -> 1_000_000.0;
                default -> 1.0;
            };
            if (percentile.group(1).equals("50"))
            {
                p50 = value;
            }
            else
            {
                p99 = value;
            }
        }
        final Matcher requests = REQUESTS.matcher(text);
        final long count = requests.find() ? Long.parseLong(requests.group(1)) : 0;
        final StringBuilder errors = new StringBuilder();
        final Matcher socket = SOCKET_ERRORS.matcher(text);
        if (socket.find())
        {
            errors.append("socket errors: ").append(socket.group(1).trim());
        }
        final Matcher non2xx = NON_2XX.matcher(text);
        if (non2xx.find())
        {
            errors.append(errors.length() == 0 ? "" : "; ").append("non-2xx responses: ").append(non2xx.group(1));
        }
        return new Result(Double.parseDouble(rate.group(1)), p50, p99, count, errors.toString(), latency(text));
    }

    /** @return the histogram (ns) of the buckets {@link #LATENCY_SCRIPT} wrote, or null when there are none. */
    static Histogram latency(final String text)
    {
        final Matcher bucket = LATENCY_BUCKET.matcher(text);
        final Histogram histogram = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        boolean any = false;
        while (bucket.find())
        {
            final long ns = Math.min(histogram.getHighestTrackableValue(),
                TimeUnit.MICROSECONDS.toNanos(Long.parseLong(bucket.group(1))));
            histogram.recordValueWithCount(ns, Long.parseLong(bucket.group(2)));
            any = true;
        }
        return any ? histogram : null;
    }

    private static boolean onPath(final String tool)
    {
        for (final String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/bin").split(":"))
        {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)))
            {
                return true;
            }
        }
        return false;
    }
}
