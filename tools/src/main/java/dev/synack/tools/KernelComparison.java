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

import dev.synack.tools.kernel.KernelTcp;

/**
 * The Linux kernel's TCP on the same kind of link, for the demo's side-by-side table: a fresh veth pair from
 * {@code lab-net up NAME --kernel} (198.18.0.1 and 198.18.0.2 both kernel addresses, same offloads off as for
 * AF_XDP), a {@link KernelTcp} server JVM in the B namespace and a {@link KernelTcp} client JVM in the A
 * namespace doing the same four workloads. Always removes the namespaces and the server, also on failure.
 * <p>
 * Not thread-safe; one comparison at a time.
 */
final class KernelComparison
{
    private final PrintStream out;
    private final int seconds;
    private final int runs;

    KernelComparison(final PrintStream out, final int seconds, final int runs)
    {
        this.out = out;
        this.seconds = seconds;
        this.runs = runs;
    }

    /** @return per workload, the median rate over the runs. */
    double[] measure()
    {
        final Path labNet = LabNet.find();
        final String name = "kern" + ProcessHandle.current().pid() % 100000;
        Process server = null;
        try
        {
            final Map<String, String> lab = LabNet.up(labNet, name, "--kernel");
            out.println("  link:     " + lab.get("dev_a") + " in " + lab.get("ns_a") + " (198.18.0.1, kernel) ↔ "
                + lab.get("dev_b") + " in " + lab.get("ns_b") + " (198.18.0.2, kernel); offloads off as for AF_XDP;"
                + " tcp_tw_reuse=1 and ports 1024-65535 on both");
            out.println("  server:   a Java NIO selector thread echoing on 7 and 80; client: blocking sockets,"
                + " TCP_NODELAY, 16 threads for 16 at a time");
            server = startServer(lab.get("ns_b"), "server");
            final Process client = start(lab.get("ns_a"), "client", "198.18.0.2", Integer.toString(seconds),
                Integer.toString(runs));
            final double[][] rates = new double[4][runs];
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
                    else
                    {
                        other.add(line);
                    }
                }
            }
            if (!client.waitFor(60, TimeUnit.SECONDS) || client.exitValue() != 0)
            {
                throw new IllegalStateException("kernel client failed: " + String.join(" | ", other));
            }
            final double[] medians = new double[4];
            for (int w = 0; w < 4; w++)
            {
                final double[] sorted = rates[w].clone();
                Arrays.sort(sorted);
                medians[w] = DemoCommand.median(sorted);
            }
            return medians;
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
            if (server != null)
            {
                server.destroyForcibly();
            }
            LabNet.down(labNet, name);
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
        final Process server = start(namespace, args);
        final String ready = reader(server).readLine();
        if (ready == null || !ready.startsWith("listening"))
        {
            server.destroyForcibly();
            throw new IOException("kernel " + args[0] + " server did not start: " + ready);
        }
        return server;
    }

    private static Process start(final String namespace, final String... args) throws IOException
    {
        final String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace, java, "-cp",
            System.getProperty("java.class.path"), KernelTcp.class.getName()));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static BufferedReader reader(final Process process)
    {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }
}
