package dev.synack.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.tools.http.HttpResponder;
import dev.synack.tools.xdp.XdpStack;

/**
 * {@code synack http-lab} (root): a real HTTP client, wrk, in a peer namespace against synack's HTTP/1.1
 * responder over AF_XDP on a veth pair, then against a kernel-socket HTTP server (one Java NIO thread) on a
 * veth pair made the same way — with keep-alive connections and with {@code Connection: close} (a new
 * connection per request) — and prints requests/s and wrk's latency percentiles side by side.
 * <p>
 * Both servers are single-threaded (synack: stack and NIC agent on one thread; kernel: one selector thread).
 * Namespaces and processes are removed also on failure. Not thread-safe; runs once.
 */
final class HttpLabCommand
{
    static final String USAGE = "usage: synack http-lab [--seconds N] [--connections N] [--two-threads]";
    private static final String SERVER_IP = "198.18.0.1";
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s)\\s*$",
        Pattern.MULTILINE);
    private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: (.*)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: ([0-9]+)");
    private static final Pattern REQUESTS = Pattern.compile("([0-9]+) requests in");

    private final PrintStream out;
    private final int seconds;
    private final int connections;
    private final boolean twoThreads;

    /** What one wrk run measured. */
    record Result(double requestsPerSecond, double p50Us, double p99Us, long requests, String errors)
    {
    }

    /**
     * @param args arguments after "http-lab".
     * @param out where the report goes.
     */
    HttpLabCommand(final List<String> args, final PrintStream out)
    {
        final Args parsed = new Args("http-lab", args, Set.of("seconds", "connections"), Set.of("two-threads"));
        if (!parsed.positional().isEmpty())
        {
            throw new UsageException("http-lab: unexpected argument '" + parsed.positional().get(0) + "'");
        }
        this.seconds = parsed.intValue("seconds", 3, 1, 3600);
        this.connections = parsed.intValue("connections", 16, 1, 1024);
        this.twoThreads = parsed.flag("two-threads");
        this.out = out;
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
        out.printf("synack http-lab: wrk -t1 -c%d -d%ds --latency from the peer namespace, keep-alive and"
            + " `Connection: close`%n", connections, seconds);
        final Result[] synack = synack(labNet);
        final Result[] kernel = kernel(labNet);
        out.println();
        out.println("== side by side (" + (twoThreads ? "synack: NIC agent and stack on two threads; kernel: one"
            + " selector thread" : "both servers single-threaded") + "; wrk: 1 thread, " + connections
            + " connections)");
        out.printf("  %-34s %12s %9s %9s %12s %9s %9s %8s%n", "", "synack req/s", "p50 µs", "p99 µs",
            "kernel req/s", "p50 µs", "p99 µs", "ratio");
        final String[] names = {"keep-alive (one connection each)", "Connection: close (new each time)"};
        for (int i = 0; i < 2; i++)
        {
            out.printf("  %-34s %,12.0f %9.1f %9.1f %,12.0f %9.1f %9.1f %7.2fx%n", names[i],
                synack[i].requestsPerSecond(), synack[i].p50Us(), synack[i].p99Us(), kernel[i].requestsPerSecond(),
                kernel[i].p50Us(), kernel[i].p99Us(), synack[i].requestsPerSecond() / kernel[i].requestsPerSecond());
        }
        for (int i = 0; i < 2; i++)
        {
            if (!synack[i].errors().isEmpty() || !kernel[i].errors().isEmpty())
            {
                out.println("  errors, " + names[i] + ": synack [" + synack[i].errors() + "], kernel ["
                    + kernel[i].errors() + "]");
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
            out.println("== synack: HttpResponder on " + SERVER_IP + ":80 over AF_XDP on " + lab.get("dev_a") + " in "
                + lab.get("ns_a") + "; wrk in " + lab.get("ns_b") + (twoThreads
                ? "; NIC agent and stack on two threads" : "; NIC agent and stack on one thread"));
            final StackConfig config = new StackConfig().name("http-lab").mac(lab.get("mac_a"))
                .ip(SERVER_IP + "/24").maxConnections(4096).sendBufferSize(16_384).receiveBufferSize(16_384);
            try (XdpStack stack = XdpStack.start(
                XdpConfig.builder(lab.get("dev_a")).namespace(lab.get("ns_a")).mode(XdpMode.GENERIC).build(), config,
                twoThreads, null))
            {
                stack.run(() -> stack.stack().tcp().listen(80, new HttpResponder()));
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
            server = KernelComparison.startServer(lab.get("ns_a"), "http", "80");
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

    private Result wrk(final String namespace, final boolean close)
    {
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace, "wrk", "-t1",
            "-c" + connections, "-d" + seconds + "s", "--latency"));
        if (close)
        {
            command.add("-H");
            command.add("Connection: close");
        }
        command.add("http://" + SERVER_IP + "/");
        final String text = LabNet.run(command);
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
        return new Result(Double.parseDouble(rate.group(1)), p50, p99, count, errors.toString());
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
