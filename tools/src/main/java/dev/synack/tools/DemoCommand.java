package dev.synack.tools;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.ip.Ipv4Address;
import dev.synack.nic.ffi.Affinity;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpConnection;
import dev.synack.time.NanoClock;
import dev.synack.time.SystemNanoClock;
import dev.synack.tools.capture.DemoCapture;

/**
 * {@code synack demo}: two synack stacks on one thread — A resolves B by ARP and pings it, opens and closes one
 * TCP connection (every frame printed), then measures handshakes/s and keep-alive exchanges/s in real time
 * ({@link SystemNanoClock}) over N runs and prints medians, keep-alive latency percentiles and the counters.
 * {@code --wire auto} (the default) does it on the in-memory wire and, when run as root, again over AF_XDP on a
 * veth pair (after measuring that link's raw ceiling), then the same workloads with the Linux kernel's TCP on a
 * veth pair ({@link KernelComparison}), and prints all three side by side. Numbers are only ever what was
 * measured in this run. {@code --capture DIR} records stack A's frames (received and sent: on this two-stack link,
 * every frame on the wire once) during the narrated parts 1 and 2 into a capture journal in DIR (see
 * {@link DemoCapture}); the measurements are not captured.
 * <p>
 * Not thread-safe; runs once on the calling thread.
 */
public final class DemoCommand
{
    static final String USAGE =
        "usage: synack demo [--wire auto|memory|xdp] [--seconds N] [--runs N] [--msl-ms N] [--capture DIR]";
    private static final String[] NAMES = {"handshakes/s, 1 at a time (open+close cycles)",
        "handshakes/s, 16 at a time", "keep-alive exchanges/s, 1 in flight (64 B each way)",
        "keep-alive exchanges/s, 16 in flight"};
    private static final int PING_ID = 0x5A;
    private static final int B_IP = Ipv4Address.parse("198.18.0.2");

    private final PrintStream out;
    private final String wire;
    private final int seconds;
    private final int runs;
    private final int mslMs;
    private final Path capture;
    private final NanoClock clock = SystemNanoClock.INSTANCE;
    /** The medians of the last xdp demo's thread-per-end runs (null until measured). */
    private double[][] threadPerEnd;
    private HandshakeRun handshakes;
    private Link handshakesLink;

    /**
     * @param args arguments after "demo".
     * @param out where the report goes.
     */
    public DemoCommand(final List<String> args, final PrintStream out)
    {
        final Args parsed = new Args("demo", args, Set.of("wire", "seconds", "runs", "msl-ms", "capture"),
            Set.of("xdp"));
        if (!parsed.positional().isEmpty())
        {
            throw new UsageException("demo: unexpected argument '" + parsed.positional().get(0) + "'");
        }
        String w = parsed.value("wire");
        if (parsed.flag("xdp"))
        {
            w = "xdp";
        }
        this.wire = w == null ? "auto" : w;
        if (!wire.equals("auto") && !wire.equals("memory") && !wire.equals("xdp"))
        {
            throw new UsageException("demo: --wire must be auto, memory or xdp, not '" + wire + "'");
        }
        this.seconds = parsed.intValue("seconds", 3, 1, 3600);
        this.runs = parsed.intValue("runs", 3, 1, 1000);
        this.mslMs = parsed.intValue("msl-ms", 20, 1, 120_000);
        final String captureDir = parsed.value("capture");
        if (captureDir != null && captureDir.isEmpty())
        {
            throw new UsageException("demo: --capture needs a directory");
        }
        this.capture = captureDir == null ? null : Path.of(captureDir);
        this.out = out;
    }

    /** @return exit code. */
    public int run()
    {
        final boolean both = wire.equals("auto") && Main.isRoot();
        final double[][] memory = wire.equals("xdp") ? null : demo("memory", both ? "1/3" : null);
        if (wire.equals("auto") && !both)
        {
            out.println("  hint: as root the demo runs the same over AF_XDP on a veth pair too (or: --wire xdp)");
        }
        final double[][] xdp = wire.equals("memory") || (wire.equals("auto") && !both) ? null
            : demo("xdp", both ? "2/3" : null);
        if (memory != null && xdp != null)
        {
            out.println("synack demo (3/3: the Linux kernel's TCP on a veth pair, same workloads)");
            final KernelResults kernel = new KernelComparison(out, seconds, runs).measure();
            out.println();
            sideBySide(memory, xdp, threadPerEnd, kernel);
        }
        return 0;
    }

    /**
     * One complete demo on one wire; returns the medians: workloads × {rate, wire frames/s, ceiling, p50, p99,
     * p99.9 (ns), reflect round trips/s at the same window (keep-alive rows only)}. Over AF_XDP the returned
     * figures are those of both ends on one thread; the thread-per-end figures are kept in {@link #threadPerEnd}.
     */
    private double[][] demo(final String kind, final String part)
    {
        final FramePrinter printer = new FramePrinter(out);
        final DemoStacks stacks = new DemoStacks(mslMs, clock);
        final Link link = kind.equals("xdp") ? XdpLink.open(stacks, printer) : new MemoryLink(stacks, clock, printer);
        try
        {
            out.println("synack demo" + (part == null ? "" : " (" + part + ": " + kind + " wire)"));
            out.println("  wire:     " + link.describe());
            out.println("  clock:    SystemNanoClock (real time); MSL " + mslMs + " ms, so TIME-WAIT lasts "
                + 2 * mslMs + " ms");
            out.println("  stacks:   A 198.18.0.1 " + DemoStacks.A_MAC + ", B 198.18.0.2 " + DemoStacks.B_MAC
                + ", " + DemoStacks.MAX_CONNECTIONS + " connections, 4 KiB buffers each way");
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
            final double[][] medians;
            if (link.supportsThreadPerEnd())
            {
                // The same single core the kernel's one-core baseline gets; then one pinned thread per end.
                Affinity.pinCurrentThread(0);
                try
                {
                    out.println("   (a) both ends on this one thread, pinned to CPU 0");
                    medians = measure(link);
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
                    threadPerEnd = measure(link);
                }
                finally
                {
                    link.threadPerEnd(false);
                }
            }
            else
            {
                medians = measure(link);
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
            return medians;
        }
        finally
        {
            link.close();
        }
    }

    private void sideBySide(final double[][] memory, final double[][] xdp, final double[][] perEnd,
        final KernelResults kernel)
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
            out.printf("  %-46s %,11.0f %,11.0f %,11.0f %,11.0f %,11.0f %8.2fx %8.2fx%n", NAMES[i], memory[i][0],
                xdp[i][0], perEnd[i][0], kernel.oneCore().median()[i], kernel.twoCores().median()[i],
                xdp[i][0] / best, perEnd[i][0] / best);
        }
        out.println();
        out.println("  against the link itself: raw reflect round trips/s at the same window (no stack, one thread per"
            + " end), same run");
        out.printf("  %-46s %11s %11s %11s %9s %9s%n", "workload", "reflect", "xdp 1 thr", "xdp per end", "1 thr/r",
            "end/r");
        for (int i = 2; i < 4; i++)
        {
            final double reflect = xdp[i][6];
            out.printf("  %-46s %,11.0f %,11.0f %,11.0f %8.0f%% %8.0f%%%n", NAMES[i], reflect, xdp[i][0],
                perEnd[i][0], 100 * xdp[i][0] / reflect, 100 * perEnd[i][0] / reflect);
        }
        if (xdp[0][2] > 0)
        {
            out.printf("  %-46s %,11.0f%n", "deep ceiling, wire frames/s (window 512)", xdp[0][2]);
        }
        out.println();
        out.println("  keep-alive latency, µs: p50 / p99 / p99.9");
        out.printf("  %-12s %22s %22s %22s %22s%n", "in flight", "xdp 1 thread", "xdp per end", "kernel 1 core",
            "kernel 2 cores");
        final String[] labels = {"1", "16"};
        for (int i = 0; i < 2; i++)
        {
            final double[] one = kernel.oneCore().latencyUs()[i];
            final double[] two = kernel.twoCores().latencyUs()[i];
            out.printf("  %-12s %22s %22s %22s %22s%n", labels[i], percentiles(xdp[2 + i]), percentiles(perEnd[2 + i]),
                String.format("%.1f / %.1f / %.1f", one[0], one[1], one[2]),
                String.format("%.1f / %.1f / %.1f", two[0], two[1], two[2]));
        }
    }

    private static String percentiles(final double[] row)
    {
        return String.format("%.1f / %.1f / %.1f", row[3] / 1e3, row[4] / 1e3, row[5] / 1e3);
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

    private double[][] measure(final Link link)
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
        final double[][] medians = new double[names.length][7];
        final double[][] rates = new double[4][runs];
        final double[][] frameRates = new double[4][runs];
        for (int r = 0; r < runs; r++)
        {
            for (int w = 0; w < 4; w++)
            {
                final long frames0 = framesOut(link);
                final long t0 = clock.nanoTime();
                rates[w][r] = w == 0 ? handshakes.measure(durationNs, 1) : w == 1 ? handshakes.measure(durationNs, 16)
                    : w == 2 ? k1.measure(durationNs) : k16.measure(durationNs);
                frameRates[w][r] = (framesOut(link) - frames0) * 1e9 / (clock.nanoTime() - t0);
            }
            out.printf("       run %d: %,.0f  %,.0f  %,.0f  %,.0f%n", r + 1, rates[0][r], rates[1][r], rates[2][r],
                rates[3][r]);
        }
        out.println();
        final double ceiling = link.ceilingFramesPerSecond();
        out.printf("  %-52s %12s %12s %12s %14s%s%n", "workload", "median", "min", "max", "wire frames/s",
            ceiling > 0 ? "  of ceiling" : "");
        for (int i = 0; i < names.length; i++)
        {
            final double[] sorted = rates[i].clone();
            Arrays.sort(sorted);
            final double[] frames = frameRates[i].clone();
            Arrays.sort(frames);
            final double framesMedian = median(frames);
            medians[i][0] = median(sorted);
            medians[i][1] = framesMedian;
            medians[i][2] = ceiling;
            out.printf("  %-52s %,12.0f %,12.0f %,12.0f %,14.0f%s%n", names[i], median(sorted), sorted[0],
                sorted[sorted.length - 1], framesMedian,
                ceiling > 0 ? String.format("  %9.1f %%", 100 * framesMedian / ceiling) : "");
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
            medians[2 + i][6] = link.reflectRoundTrips(i == 0 ? 1 : 16);
            medians[2 + i][3] = hist.getValueAtPercentile(50);
            medians[2 + i][4] = hist.getValueAtPercentile(99);
            medians[2 + i][5] = hist.getValueAtPercentile(99.9);
            out.printf("  %-22s %10.1f %10.1f %10.1f %10.1f %,12d%n", labels[i],
                hist.getValueAtPercentile(50) / 1e3, hist.getValueAtPercentile(99) / 1e3,
                hist.getValueAtPercentile(99.9) / 1e3, hist.getMaxValue() / 1e3, hist.getTotalCount());
        }
        final long refused = handshakes.refused();
        final long errors = handshakes.errors() + k1.errors() + k16.errors();
        out.println();
        out.println("  unexpected callbacks: " + errors + "; connects refused (A's " + DemoStacks.MAX_CONNECTIONS
            + " slots / 16384 ephemeral ports full of TIME-WAIT): " + refused
            + (refused > 0 ? " (rate × 2MSL reached the limit: lower --msl-ms)" : ""));
        if (errors != 0)
        {
            throw new IllegalStateException("the workloads saw " + errors + " unexpected callbacks");
        }
        return medians;
    }

    /** @return frames both stacks have sent: what crossed the link, in both directions. */
    private static long framesOut(final Link link)
    {
        return link.a().counters().get(StackCounter.FRAMES_OUT) + link.b().counters().get(StackCounter.FRAMES_OUT);
    }

    /** @return the median of values sorted ascending. */
    static double median(final double[] sorted)
    {
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
