package dev.synack.tools;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.ip.Ipv4Address;
import dev.synack.nic.ffi.Affinity;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpConnection;
import dev.synack.time.NanoClock;
import dev.synack.time.SystemNanoClock;
import dev.synack.tools.capture.DemoCapture;
import dev.synack.tools.report.DemoReport;
import dev.synack.tools.report.Side;
import dev.synack.tools.report.Spread;

/**
 * {@code synack demo}: two synack stacks on one thread — A resolves B by ARP and pings it, opens and closes one
 * TCP connection (every frame printed), then measures handshakes/s and keep-alive exchanges/s in real time
 * ({@link SystemNanoClock}) over N runs and prints medians, keep-alive latency percentiles and the counters.
 * {@code --wire auto} (the default) does it on the in-memory wire and, when run as root, again over AF_XDP on a
 * veth pair (after measuring that link's raw ceiling), then the same workloads with the Linux kernel's TCP on a
 * veth pair ({@link KernelComparison}), and prints all three side by side. Numbers are only ever what was
 * measured in this run. {@code --capture DIR} records stack A's frames (received and sent: on this two-stack link,
 * every frame on the wire once) during the narrated parts 1 and 2 into a capture journal in DIR (see
 * {@link DemoCapture}); the measurements are not captured. {@code --json FILE}, {@code --hgrm DIR} and
 * {@code --plot DIR} write what the tables print for programs and pictures ({@link DemoReport}).
 * <p>
 * Not thread-safe; runs once on the calling thread.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
    description = {"two synack stacks: ARP + ping, one TCP connection frame by frame, then handshakes/s and",
        "keep-alive exchanges/s with latency percentiles, and the counters"})
public final class DemoCommand implements Callable<Integer>, Cli.Checked
{
    static final String USAGE =
        "usage: synack demo [--wire auto|memory|xdp] [--seconds N] [--runs N] [--msl-ms N] [--capture DIR]"
        + System.lineSeparator()
        + "                   [--json FILE] [--hgrm DIR] [--plot DIR] [--progress]";
    private static final String[] NAMES = Side.WORKLOADS;
    private static final String[] SHORT = {"handshakes 1 at a time", "handshakes 16 at a time",
        "keep-alive 1 in flight", "keep-alive 16 in flight"};
    private static final int PING_ID = 0x5A;
    private static final int B_IP = Ipv4Address.parse("198.18.0.2");

    private final PrintStream out;
    private final PrintStream err;
    private final NanoClock clock = SystemNanoClock.INSTANCE;

    @Option(names = "--wire", paramLabel = "auto|memory|xdp", completionCandidates = Wires.class,
        description = "memory: the in-memory wire; xdp (root): AF_XDP on a veth pair; auto (default): memory, and"
            + " as root xdp and the kernel's TCP too, side by side")
    private String wireOption;
    @Option(names = "--xdp", hidden = true, description = "the same as --wire xdp")
    private boolean xdpFlag;
    @Option(names = "--seconds", paramLabel = "N", description = "length of each measured window (default 3)")
    private Integer secondsOption;
    @Option(names = "--runs", paramLabel = "N", description = "runs of the four workloads; medians over them"
        + " (default 3)")
    private Integer runsOption;
    @Option(names = "--msl-ms", paramLabel = "N", description = "MSL in ms: TIME-WAIT lasts twice this (default 20)")
    private Integer mslOption;
    @Option(names = "--capture", paramLabel = "DIR", description = "record parts 1 and 2 into a capture journal for"
        + " synack pcap and synack ladder")
    private String captureOption;
    @Option(names = "--json", paramLabel = "FILE", description = "every figure the tables print, their spread over"
        + " the runs, the machine, the commit and the configuration, as JSON")
    private String jsonOption;
    @Option(names = "--hgrm", paramLabel = "DIR", description = "an HdrHistogram percentile distribution (.hgrm) per"
        + " keep-alive workload and side")
    private String hgrmOption;
    @Option(names = "--plot", paramLabel = "DIR", description = "SVG pictures: latency by percentile per keep-alive"
        + " workload (every side on one chart) and the rates")
    private String plotOption;
    @Option(names = "--progress", description = "a progress line on stderr even when it is not a terminal (it is"
        + " shown on a terminal anyway)")
    private boolean progressOption;

    private String wire;
    private int seconds;
    private int runs;
    private int mslMs;
    private Path capture;
    private Outputs outputs;
    private Progress progress;
    /** The last xdp demo's thread-per-end side (null until measured). */
    private Side threadPerEnd;
    private HandshakeRun handshakes;
    private Link handshakesLink;

    /**
     * @param out where the report goes.
     * @param err where the progress line goes.
     */
    public DemoCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    /**
     * @param args arguments after "demo".
     * @param out where the report goes.
     * @throws UsageException when the arguments are wrong.
     */
    public DemoCommand(final List<String> args, final PrintStream out)
    {
        this(out, System.err);
        Cli.parse(this, args);
    }

    @Override
    public void check()
    {
        String w = wireOption;
        if (xdpFlag)
        {
            w = "xdp";
        }
        this.wire = w == null ? "auto" : w;
        if (!wire.equals("auto") && !wire.equals("memory") && !wire.equals("xdp"))
        {
            throw new UsageException("demo: --wire must be auto, memory or xdp, not '" + wire + "'");
        }
        this.seconds = Cli.intIn("demo", "--seconds", secondsOption, 3, 1, 3600);
        this.runs = Cli.intIn("demo", "--runs", runsOption, 3, 1, 1000);
        this.mslMs = Cli.intIn("demo", "--msl-ms", mslOption, 20, 1, 120_000);
        if (captureOption != null && captureOption.isEmpty())
        {
            throw new UsageException("demo: --capture needs a directory");
        }
        this.capture = captureOption == null ? null : Path.of(captureOption);
        this.outputs = Outputs.check("demo", jsonOption, hgrmOption, plotOption);
    }

    @Override
    public Integer call()
    {
        check();
        return run();
    }

    /** @return exit code. */
    public int run()
    {
        final boolean both = wire.equals("auto") && Main.isRoot();
        final int wires = wire.equals("memory") || wire.equals("auto") && !both ? 1 : wire.equals("xdp") ? 2 : 3;
        // each window is followed by a drain (TIME-WAIT, 2MSL) and preceded by a warm-up (keep-alive: 200 ms)
        final long expectedSeconds = (long)wires * runs * 4 * seconds;
        progress = new Progress(err, progressOption, expectedSeconds >= Progress.WORTH_IT_SECONDS);
        final List<Side> sides = new ArrayList<>();
        final Side memory = wire.equals("xdp") ? null : demo("memory", both ? "1/3" : null);
        if (memory != null)
        {
            sides.add(memory);
        }
        if (wire.equals("auto") && !both)
        {
            out.println("  hint: as root the demo runs the same over AF_XDP on a veth pair too (or: --wire xdp)");
        }
        final Side xdp = wire.equals("memory") || (wire.equals("auto") && !both) ? null
            : demo("xdp", both ? "2/3" : null);
        if (xdp != null)
        {
            sides.add(xdp);
            sides.add(threadPerEnd);
        }
        KernelResults kernel = null;
        if (memory != null && xdp != null)
        {
            out.println("synack demo (3/3: the Linux kernel's TCP on a veth pair, same workloads)");
            kernel = new KernelComparison(out, seconds, runs).measure(); // prints a line per run as it goes
            out.println();
            sideBySide(memory, xdp, threadPerEnd, kernel);
            sides.add(kernel.oneCore());
            sides.add(kernel.twoCores());
        }
        final DemoReport report = new DemoReport(sides, kernel == null ? null : kernel.oneCore(),
            kernel == null ? null : kernel.twoCores(), configuration());
        final List<Path> written = outputs.write(report);
        if (!written.isEmpty())
        {
            for (final Path file : written)
            {
                out.println("  wrote " + file);
            }
        }
        return 0;
    }

    private Map<String, Object> configuration()
    {
        final Map<String, Object> config = new LinkedHashMap<>();
        config.put("wire", wire);
        config.put("seconds", seconds);
        config.put("runs", runs);
        config.put("msl_ms", mslMs);
        config.put("max_connections", DemoStacks.MAX_CONNECTIONS);
        config.put("receive_pool_connections", DemoStacks.RECEIVE_POOL_CONNECTIONS);
        config.put("ephemeral_ports", DemoStacks.EPHEMERAL_RANGE);
        config.put("buffer_bytes", 4096);
        config.put("keep_alive_message_bytes", KeepAliveRun.MESSAGE);
        config.put("clock", "SystemNanoClock");
        return config;
    }

    /**
     * One complete demo on one wire; returns what was measured. Over AF_XDP the returned side is both ends on one
     * thread; the thread-per-end side is kept in {@link #threadPerEnd}.
     */
    private Side demo(final String kind, final String part)
    {
        final FramePrinter printer = new FramePrinter(out);
        final DemoStacks stacks = new DemoStacks(mslMs);
        final Link link = kind.equals("xdp") ? XdpLink.open(stacks, printer) : new MemoryLink(stacks, printer);
        try
        {
            out.println("synack demo" + (part == null ? "" : " (" + part + ": " + kind + " wire)"));
            out.println("  wire:     " + link.describe());
            out.println("  clock:    SystemNanoClock (real time); MSL " + mslMs + " ms, so TIME-WAIT lasts "
                + 2 * mslMs + " ms");
            out.println("  stacks:   A 198.18.0.1 " + DemoStacks.A_MAC + ", B 198.18.0.2 " + DemoStacks.B_MAC
                + ", " + DemoStacks.MAX_CONNECTIONS + " connections (receive pages for "
                + DemoStacks.RECEIVE_POOL_CONNECTIONS + "), 4 KiB buffers each way, A's ports "
                + DemoStacks.EPHEMERAL_RANGE);
            out.println("  counters: " + stacks.directory() + "/{A,B}.counters (watch: synack stat FILE --watch)");
            if (link.ceilingDetail() != null)
            {
                out.printf("  ceiling:  %,.0f frames/s cross the link with no stack (both directions):%n",
                    link.ceilingFramesPerSecond());
                out.println("            " + link.ceilingDetail());
            }
            out.println();
            // Parts 1 and 2 only: the measurements push millions of frames a second, which a capture would both
            // slow down (a copy and a journal write per frame) and mostly drop; they are not what a ladder is for.
            final DemoCapture captured = capture == null ? null
                : DemoCapture.start(capture, link.a(), "A-" + kind, clock);
            String captureSummary = null;
            try
            {
                ping(link, printer);
                ladder(link, printer);
            }
            finally
            {
                captureSummary = captured == null ? null : captured.stop();
            }
            if (captured != null)
            {
                out.println("  capture:  parts 1 and 2, stack A's frames in and out (every frame on the link once) →"
                    + " " + capture);
                out.println("            " + captureSummary + "; measurements not captured");
                out.println("            (synack pcap " + capture + " OUT.pcap; synack ladder " + capture + ")");
                out.println();
            }
            link.quiet();
            final Side measured;
            if (link.supportsThreadPerEnd())
            {
                // The same single core the kernel's one-core baseline gets; then one pinned thread per end.
                Affinity.pinCurrentThread(0);
                try
                {
                    out.println("   (a) both ends on this one thread, pinned to CPU 0");
                    measured = measure(link, new Side("synack xdp 1 thread", "synack-xdp-1-thread",
                        link.describe() + "; both stacks and NIC agents on one thread pinned to CPU 0", runs, true),
                        "xdp wire, 1 thread");
                }
                finally
                {
                    Affinity.unpinCurrentThread();
                }
                out.println();
                out.println("   (b) one thread per end: A on this thread (CPU 0), B on its own (CPU 1), both"
                    + " busy-polling");
                link.threadPerEnd(true);
                try
                {
                    threadPerEnd = measure(link, new Side("synack xdp per end", "synack-xdp-per-end",
                        link.describe() + "; one pinned busy-polling thread per end (CPUs 0 and 1)", runs, true),
                        "xdp wire, thread per end");
                }
                finally
                {
                    link.threadPerEnd(false);
                }
            }
            else
            {
                measured = measure(link, new Side("synack " + kind, "synack-" + kind, link.describe()
                    + "; both stacks on one thread", runs, true), kind + " wire");
            }
            out.println();
            out.println("== 4. counters at the end");
            out.println("A (198.18.0.1):");
            out.print(link.a().counters().appendNonZero(new StringBuilder()));
            out.println("B (198.18.0.2):");
            out.print(link.b().counters().appendNonZero(new StringBuilder()));
            if (link.nicCounters() != null)
            {
                out.println(link.nicCounters());
            }
            out.println();
            return measured;
        }
        finally
        {
            link.close();
        }
    }

    private void sideBySide(final Side memory, final Side xdp, final Side perEnd, final KernelResults kernel)
    {
        out.println("== side by side, medians of this run");
        out.println("   synack xdp 1 thread: both stacks and both NIC agents on one thread pinned to CPU 0; per end:"
            + " one pinned busy-polling thread per end (CPUs 0 and 1)");
        out.println("   kernel 1 core: client and server on CPU 0, one thread each, blocking; kernel 2 cores: one end"
            + " per CPU, busy-polling; ratios divide by the better kernel figure of the two");
        out.printf("  %-46s %11s %11s %11s %11s %11s %9s %9s%n", "workload", "synack mem", "xdp 1 thr",
            "xdp per end", "kern 1 core", "kern 2 core", "1 thr/k", "end/k");
        for (int i = 0; i < NAMES.length; i++)
        {
            final double best = kernel.best(i);
            out.printf("  %-46s %,11.0f %,11.0f %,11.0f %,11.0f %,11.0f %8.2fx %8.2fx%n", NAMES[i],
                memory.rate(i).median(), xdp.rate(i).median(), perEnd.rate(i).median(),
                kernel.oneCore().rate(i).median(), kernel.twoCores().rate(i).median(),
                xdp.rate(i).median() / best, perEnd.rate(i).median() / best);
        }
        out.println();
        out.println("  against the link itself: raw reflect round trips/s at the same window (no stack, one thread per"
            + " end), same run");
        out.printf("  %-46s %11s %11s %11s %9s %9s%n", "workload", "reflect", "xdp 1 thr", "xdp per end", "1 thr/r",
            "end/r");
        for (int i = 2; i < 4; i++)
        {
            final double reflect = xdp.reflect(i - 2);
            out.printf("  %-46s %,11.0f %,11.0f %,11.0f %8.0f%% %8.0f%%%n", NAMES[i], reflect, xdp.rate(i).median(),
                perEnd.rate(i).median(), 100 * xdp.rate(i).median() / reflect,
                100 * perEnd.rate(i).median() / reflect);
        }
        if (xdp.ceiling() > 0)
        {
            out.printf("  %-46s %,11.0f%n", "deep ceiling, wire frames/s (window 512)", xdp.ceiling());
        }
        out.println();
        out.println("  keep-alive latency, µs: p50 / p99 / p99.9");
        out.printf("  %-12s %22s %22s %22s %22s%n", "in flight", "xdp 1 thread", "xdp per end", "kernel 1 core",
            "kernel 2 cores");
        final String[] labels = {"1", "16"};
        for (int i = 0; i < 2; i++)
        {
            out.printf("  %-12s %22s %22s %22s %22s%n", labels[i], percentiles(xdp.latency(i)),
                percentiles(perEnd.latency(i)), percentiles(kernel.oneCore().latency(i)),
                percentiles(kernel.twoCores().latency(i)));
        }
    }

    private static String percentiles(final Histogram h)
    {
        return String.format("%.1f / %.1f / %.1f", h.getValueAtPercentile(50) / 1e3,
            h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3);
    }

    private void ping(final Link link, final FramePrinter printer)
    {
        out.println("== 1. A resolves B by ARP and pings it");
        final long[] replyAt = new long[3];
        link.a().icmp().listener((source, identifier, sequence, dataLength) ->
        {
            if (identifier == PING_ID && sequence >= 1 && sequence <= 2)
            {
                replyAt[sequence] = clock.nanoTime();
            }
        });
        printer.enabled(true);
        for (int seq = 1; seq <= 2; seq++)
        {
            final long start = clock.nanoTime();
            final boolean sent = link.a().ping(B_IP, PING_ID, seq, 56);
            if (!sent && seq == 1)
            {
                out.println("       (A does not know B's MAC yet: the echo request waits while A asks by ARP)");
            }
            final long limit = start + TimeUnit.SECONDS.toNanos(2);
            while (replyAt[seq] == 0 && clock.nanoTime() - limit < 0)
            {
                link.round();
            }
            for (int i = 0; i < 100; i++)
            {
                link.round();
            }
            if (replyAt[seq] == 0)
            {
                throw new IllegalStateException("no echo reply from 198.18.0.2 in 2 s (seq " + seq + ")");
            }
            out.printf("       ping 198.18.0.2 seq=%d: reply in %.1f µs%s%n", seq, (replyAt[seq] - start) / 1e3,
                seq == 1 ? " (including ARP)" : "");
        }
        printer.enabled(false);
        link.a().icmp().listener(null);
        out.println();
    }

    private void ladder(final Link link, final FramePrinter printer)
    {
        out.println("== 2. one TCP connection: open, 5 bytes each way, close");
        link.b().tcp().listen(KeepAliveRun.PORT, KeepAliveRun.echo());
        final boolean[] done = new boolean[1];
        printer.enabled(true);
        link.a().tcp().connect(B_IP, KeepAliveRun.PORT, new TcpHandler()
        {
            @Override
            public void onOpen(final TcpConnection connection)
            {
                final byte[] hello = "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                connection.send(new org.agrona.concurrent.UnsafeBuffer(hello), 0, hello.length);
            }

            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                connection.close();
            }

            @Override
            public void onClosed(final TcpConnection connection, final CloseReason reason)
            {
                done[0] = true;
                out.println("       A: connection closed (" + reason + "), now in TIME-WAIT for " + 2 * mslMs
                    + " ms");
            }
        });
        final long limit = clock.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!done[0] && clock.nanoTime() - limit < 0)
        {
            link.round();
        }
        final long settle = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
        while (clock.nanoTime() - settle < 0)
        {
            link.round();
        }
        printer.enabled(false);
        if (!done[0])
        {
            throw new IllegalStateException("the demo connection did not complete in 2 s");
        }
        out.println();
    }

    private Side measure(final Link link, final Side side, final String what)
    {
        out.printf("== 3. measurements: %d run(s) of %d s each, medians (rates measured on this thread, real time)%n",
            runs, seconds);
        final long durationNs = TimeUnit.SECONDS.toNanos(seconds);
        final Histogram[] latency = {new Histogram(TimeUnit.SECONDS.toNanos(10), 3),
            new Histogram(TimeUnit.SECONDS.toNanos(10), 3)};
        if (handshakes == null || handshakesLink != link)
        {
            handshakes = new HandshakeRun(link, clock); // makes B listen: once per link
            handshakesLink = link;
        }
        final HandshakeRun handshakes = this.handshakes;
        final KeepAliveRun k1 = new KeepAliveRun(link, clock, 1, latency[0]);
        final KeepAliveRun k16 = new KeepAliveRun(link, clock, 16, latency[1]);
        final String[] names = NAMES;
        for (int r = 0; r < runs; r++)
        {
            final double[] rates = new double[4];
            for (int w = 0; w < 4; w++)
            {
                progress.show(String.format("synack demo: %s, run %d of %d, %s (%d s)", what, r + 1, runs, SHORT[w],
                    seconds));
                final long frames0 = framesOut(link);
                final long t0 = clock.nanoTime();
                rates[w] = w == 0 ? handshakes.measure(durationNs, 1) : w == 1 ? handshakes.measure(durationNs, 16)
                    : w == 2 ? k1.measure(durationNs) : k16.measure(durationNs);
                side.record(w, r, rates[w], (framesOut(link) - frames0) * 1e9 / (clock.nanoTime() - t0));
            }
            progress.clear();
            out.printf("       run %d: %,.0f  %,.0f  %,.0f  %,.0f%n", r + 1, rates[0], rates[1], rates[2], rates[3]);
        }
        out.println();
        final double ceiling = link.ceilingFramesPerSecond();
        side.ceiling(ceiling);
        out.printf("  %-52s %12s %12s %12s %14s%s%n", "workload", "median", "min", "max", "wire frames/s",
            ceiling > 0 ? "  of ceiling" : "");
        for (int i = 0; i < names.length; i++)
        {
            final Spread rate = side.rate(i);
            final double framesMedian = side.frames(i).median();
            out.printf("  %-52s %,12.0f %,12.0f %,12.0f %,14.0f%s%n", names[i], rate.median(), rate.min(), rate.max(),
                framesMedian, ceiling > 0 ? String.format("  %9.1f %%", 100 * framesMedian / ceiling) : "");
        }
        if (ceiling > 0)
        {
            out.printf("  %-52s %12s %12s %12s %,14.0f  %9.1f %%%n", "link ceiling (raw reflect, no stack)", "", "", "",
                ceiling, 100.0);
        }
        out.println();
        out.printf("  keep-alive latency, µs (all runs; send to last reply byte)%n");
        out.printf("  %-22s %10s %10s %10s %10s %12s%n", "in flight", "p50", "p99", "p99.9", "max", "samples");
        final String[] labels = {"1", "16"};
        for (int i = 0; i < 2; i++)
        {
            final Histogram hist = latency[i];
            side.latency(i, hist);
            side.reflect(i, link.reflectRoundTrips(i == 0 ? 1 : 16));
            out.printf("  %-22s %10.1f %10.1f %10.1f %10.1f %,12d%n", labels[i],
                hist.getValueAtPercentile(50) / 1e3, hist.getValueAtPercentile(99) / 1e3,
                hist.getValueAtPercentile(99.9) / 1e3, hist.getMaxValue() / 1e3, hist.getTotalCount());
        }
        final long refused = handshakes.refused();
        final long errors = handshakes.errors() + k1.errors() + k16.errors();
        side.problems(refused, errors);
        out.println();
        out.println("  unexpected callbacks: " + errors + "; connects refused (A's " + DemoStacks.MAX_CONNECTIONS
            + " slots / " + DemoStacks.EPHEMERAL_PORTS + " ephemeral ports full of TIME-WAIT): " + refused
            + (refused > 0 ? " (rate × 2MSL reached the limit: lower --msl-ms)" : ""));
        if (errors != 0)
        {
            throw new IllegalStateException("the workloads saw " + errors + " unexpected callbacks");
        }
        return side;
    }

    /** @return frames both stacks have sent: what crossed the link, in both directions. */
    private static long framesOut(final Link link)
    {
        return link.a().counters().get(StackCounter.FRAMES_OUT) + link.b().counters().get(StackCounter.FRAMES_OUT);
    }

    /** The values of --wire, for shell completion. */
    static final class Wires extends ArrayList<String>
    {
        private static final long serialVersionUID = 1L;

        Wires()
        {
            super(List.of("auto", "memory", "xdp"));
        }
    }
}
