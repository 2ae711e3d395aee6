package dev.synack.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.synack.tools.report.HistogramText;
import dev.synack.tools.kernel.KernelTcp;
import dev.synack.tools.report.Side;

/**
 * The Linux kernel's TCP on the same kind of link, for the demo's side-by-side table, at its best with the CPU
 * synack gets: a fresh veth pair from {@code lab-net up NAME --kernel} (198.18.0.1 and 198.18.0.2 both kernel
 * addresses, same offloads off as for AF_XDP, tcp_tw_reuse=1 and ports 1024-65535), a {@link KernelTcp} server JVM
 * in the B namespace and a {@link KernelTcp} client JVM in the A namespace doing synack's four workloads, each
 * JVM with ONE working thread and pinned with {@code taskset} (its JIT and GC threads too), in two shapes:
 * <ul>
 *   <li><b>1 core</b>: both JVMs on core 0 (the core synack's single demo thread gets), blocking sockets: the
 *   waiting end sleeps in {@code read} so the other runs at once (measured faster on one shared core than a
 *   Selector); the client keeps 16 cycles in progress with non-blocking sockets on one Selector.</li>
 *   <li><b>2 cores</b>: client on core 0, server on core 1, non-blocking sockets busy-polled ({@code read} or
 *   {@code selectNow} in a loop): the kernel's counterpart of synack's thread per end.</li>
 * </ul>
 * Always removes the namespaces and the servers, also on failure.
 * <p>
 * Not thread-safe; one comparison at a time.
 */
final class KernelComparison
{
    private static final String[] JVM_OPTIONS = {"-XX:+UseSerialGC", "-Xms64m", "-Xmx256m"};

    private final PrintStream out;
    private final int seconds;
    private final int runs;

    KernelComparison(final PrintStream out, final int seconds, final int runs)
    {
        this.out = out;
        this.seconds = seconds;
        this.runs = runs;
    }

    /** @return per shape, per workload the median, min and max rate over the runs, and keep-alive latencies. */
    KernelResults measure()
    {
        final Path labNet = LabNet.find();
        final String name = "kern" + ProcessHandle.current().pid() % 100000;
        try
        {
            final Map<String, String> lab = LabNet.up(labNet, name, "--kernel");
            out.println("  link:     " + lab.get("dev_a") + " in " + lab.get("ns_a") + " (198.18.0.1, kernel) ↔ "
                + lab.get("dev_b") + " in " + lab.get("ns_b") + " (198.18.0.2, kernel); offloads off as for AF_XDP;"
                + " tcp_tw_reuse=1 and ports 1024-65535 on both");
            out.println("  each end: one JVM with one working thread (" + String.join(" ", JVM_OPTIONS)
                + "), pinned with taskset, JIT and GC threads included; TCP_NODELAY; each request its own write");
            out.println("  1 core:   client and server both on core 0; blocking sockets (the waiting end sleeps in"
                + " read(), measured faster on one core than a Selector); 16 cycles in progress: one Selector");
            final Side one = shape(lab, "kernel 1 core", "0", "0", "block");
            out.println("  2 cores:  client on core 0, server on core 1; non-blocking sockets busy-polled (read /"
                + " selectNow in a loop, never sleeping)");
            final Side two = shape(lab, "kernel 2 cores", "0", "1", "spin");
            return new KernelResults(one, two);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("kernel comparison: " + ex.getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the kernel comparison", ex);
        }
        finally
        {
            LabNet.down(labNet, name);
        }
    }

    /** One shape: a server and a client, each pinned; the runs' rates and the keep-alive latencies. */
    private Side shape(final Map<String, String> lab, final String name, final String clientCore,
        final String serverCore, final String wait) throws IOException, InterruptedException
    {
        Process server = null;
        try
        {
            server = startPinnedServer(lab.get("ns_b"), serverCore, "server", wait);
            final Process client = start(lab.get("ns_a"), clientCore, "client", "198.18.0.2",
                Integer.toString(seconds), Integer.toString(runs), wait);
            final double[][] rates = new double[4][runs];
            final double[][] latencyUs = new double[2][4];
            final Side side = new Side(name, name.replace(' ', '-'), "client core " + clientCore + ", server core "
                + serverCore + ", " + (wait.equals("block") ? "blocking sockets" : "non-blocking sockets busy-polled"),
                runs, false);
            final List<String> other = new ArrayList<>();
            try (BufferedReader in = reader(client))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    final String[] f = line.trim().split(" ");
                    if (f.length == 4 && f[0].equals("result"))
                    {
                        final int workload = Integer.parseInt(f[1]);
                        final int run = Integer.parseInt(f[2]);
                        rates[workload][run - 1] = Double.parseDouble(f[3]);
                        if (workload == 3)
                        {
                            out.printf("       run %d: %,.0f  %,.0f  %,.0f  %,.0f%n", run, rates[0][run - 1],
                                rates[1][run - 1], rates[2][run - 1], rates[3][run - 1]);
                        }
                    }
                    else if (f.length == 3 && f[0].equals("histogram"))
                    {
                        side.latency(Integer.parseInt(f[1]) - 2, HistogramText.decode(f[2]));
                    }
                    else if (f.length == 7 && f[0].equals("latency"))
                    {
                        final int row = Integer.parseInt(f[1]) - 2;
                        for (int p = 0; p < 4; p++)
                        {
                            latencyUs[row][p] = Long.parseLong(f[2 + p]) / 1e3;
                        }
                    }
                    else
                    {
                        other.add(line);
                    }
                }
            }
            if (!client.waitFor(60, TimeUnit.SECONDS) || client.exitValue() != 0)
            {
                client.destroyForcibly();
                throw new IllegalStateException("kernel client (" + name + ") failed: " + String.join(" | ", other));
            }
            for (int w = 0; w < 4; w++)
            {
                for (int r = 0; r < runs; r++)
                {
                    side.record(w, r, rates[w][r], 0);
                }
            }
            if (side.latency(0) == null || side.latency(1) == null)
            {
                throw new IllegalStateException("kernel client (" + name + ") sent no latency histograms");
            }
            out.printf("       keep-alive latency µs p50/p99/p99.9: 1 in flight %.1f / %.1f / %.1f,"
                + " 16 in flight %.1f / %.1f / %.1f%n", latencyUs[0][0], latencyUs[0][1], latencyUs[0][2],
                latencyUs[1][0], latencyUs[1][1], latencyUs[1][2]);
            return side;
        }
        finally
        {
            if (server != null)
            {
                server.destroyForcibly();
                server.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Starts a {@link KernelTcp} server in a namespace and waits for its "listening" line.
     *
     * @param namespace where it runs.
     * @param args its mode and arguments.
     * @return the running server (the caller ends it).
     * @throws IOException when it cannot be started or reports something else first.
     */
    static Process startServer(final String namespace, final String... args) throws IOException
    {
        return startPinnedServer(namespace, null, args);
    }

    /**
     * Starts a {@link KernelTcp} server in a namespace, pinned to {@code core} when not null, and waits for its
     * "listening" line.
     */
    static Process startPinnedServer(final String namespace, final String core, final String... args)
        throws IOException
    {
        final Process server = start(namespace, core, args);
        final String ready = reader(server).readLine();
        if (ready == null || !ready.startsWith("listening"))
        {
            server.destroyForcibly();
            throw new IOException("kernel " + args[0] + " server did not start: " + ready);
        }
        return server;
    }

    /** {@code ip netns exec NS [taskset -c CORE] java [JVM_OPTIONS] ... KernelTcp ARGS}: exec all the way down. */
    private static Process start(final String namespace, final String core, final String... args) throws IOException
    {
        final String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        if (core != null)
        {
            command.addAll(List.of("taskset", "-c", core));
        }
        command.add(java);
        if (core != null)
        {
            command.addAll(Arrays.asList(JVM_OPTIONS));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelTcp.class.getName()));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static BufferedReader reader(final Process process)
    {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }
}
