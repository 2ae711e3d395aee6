package dev.synack.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code synack serve}: wrong command lines (anywhere), a missing interface (anywhere), and as root the whole
 * server on a lab veth pair — curl with keep-alive, wrk, a socat echo, {@code synack stat} on its live counters, a
 * second serve refused on the occupied queue, the stop after {@code --seconds} and after SIGTERM, and no XDP
 * program left behind.
 */
class ServeCommandTest
{
    private static final String SERVER = "198.18.0.1";
    private static final Pattern COUNTERS = Pattern.compile("counters (/\\S+)");
    /** How long the first root test serves: everything it checks must fit, also on a loaded 2-core machine. */
    private static final int SERVE_SECONDS = 8;

    private final MainCapture cli = new MainCapture();

    @ParameterizedTest
    @ValueSource(strings = {
        "serve", "serve --ip 198.18.0.1/24", "serve --dev sa0", "serve --dev sa0 --ip 198.18.0.1",
        "serve --dev sa0 --ip 198.18.0.300/24", "serve --dev sa0 --ip 198.18.0.1/33",
        "serve --dev sa0 --ip 0.0.0.0/24", "serve --dev sa0 --ip 198.18.0.1/24 --mac 02:00:00:00:00",
        "serve --dev sa0 --ip 198.18.0.1/24 --mac ff:ff:ff:ff:ff:ff",
        "serve --dev sa0 --ip 198.18.0.1/24 --gateway 198.19.0.1",
        "serve --dev sa0 --ip 198.18.0.1/24 --gateway 198.18.0.1",
        "serve --dev sa0 --ip 198.18.0.1/24 --queue -1", "serve --dev sa0 --ip 198.18.0.1/24 --queue 256",
        "serve --dev sa0 --ip 198.18.0.1/24 --mode native", "serve --dev sa0 --ip 198.18.0.1/24 --http 65536",
        "serve --dev sa0 --ip 198.18.0.1/24 --http 0 --echo 0", "serve --dev sa0 --ip 198.18.0.1/24 --http 7",
        "serve --dev sa0 --ip 198.18.0.1/24 --seconds -1", "serve --dev sa0 --ip 198.18.0.1/24 --seconds x",
        "serve --dev sa0 --ip 198.18.0.1/24 --max-connections 0", "serve --dev sa0 --ip 198.18.0.1/24 --cpu -2",
        "serve --dev sa0 --ip 198.18.0.1/24 --zero-copy=yes", "serve --dev sa0 --ip 198.18.0.1/24 --bogus",
        "serve --dev sa0 --ip 198.18.0.1/24 extra", "serve --dev waytoolonginterfacename --ip 198.18.0.1/24",
        "serve --dev sa0 --ip 198.18.0.1/24 --counters /nonexistent-dir/x.counters",
        "serve --dev sa0 --ip 198.18.0.1/24 --buffer-kib 0", "serve --dev sa0 --ip 198.18.0.1/24 --buffer-kib 48",
        "serve --dev sa0 --ip 198.18.0.1/24 --buffer-kib 1048576", "serve --dev sa0 --ip 198.18.0.1/24 --cc bbr"})
    void badArgumentsAreOneLineUsageErrorsWithExit2(final String line)
    {
        assertEquals(2, cli.run(line.split(" ")), cli.err());
        final String first = cli.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("synack: serve: "), cli.err());
        assertEquals(1, cli.err().lines().count(), "one line: " + cli.err());
        assertTrue(first.endsWith(" (see 'synack serve --help')"), cli.err());
        assertFalse(cli.err().contains("\tat "), cli.err());
        assertEquals("", cli.out());
    }

    @Test
    void usageListsServeWithEveryOption()
    {
        assertEquals(0, cli.run("--help"));
        for (final String option : new String[] {"serve --dev IFACE", "--ns NETNS", "--ip A.B.C.D/LEN", "--mac MAC",
            "--gateway IP", "--queue N", "--mode skb|drv", "--zero-copy", "--http PORT", "--echo PORT", "--seconds N",
            "--counters FILE", "--busy-spin", "--max-connections N", "--buffer-kib N", "--cc reno|cubic"})
        {
            assertTrue(cli.out().contains(option), option + " missing in:\n" + cli.out());
        }
    }

    @Test
    void aMissingInterfaceIsNotAvailableInOneLineWithoutAStackTrace()
    {
        // without --mac synack reads the interface's MAC; with it, opening the socket finds the interface missing
        // (as root) or the privilege missing (otherwise): both are the binding's one-line messages
        for (final String[] args : new String[][] {
            {"serve", "--dev", "nosuch0", "--ip", "198.18.0.1/24"},
            {"serve", "--dev", "nosuch0", "--mac", "02:00:00:00:00:09", "--ip", "198.18.0.1/24"}})
        {
            cli.resetOut();
            cli.resetErr();
            assertEquals(2, cli.run(args), cli.err());
            assertTrue(cli.err().startsWith("synack: not available: "), cli.err());
            assertTrue(cli.err().contains("no such interface nosuch0") || cli.err().contains("run as root"), cli.err());
            assertEquals(1, cli.err().lines().count(), cli.err());
            assertEquals("", cli.out());
        }
    }

    @Test
    void asRootItServesHttpAndEchoToTheKernelPeerAndLeavesNoXdpProgram() throws Exception
    {
        assumeLab("curl", "wrk", "socat");
        final Path labNet = LabNet.find();
        final String name = "st" + ProcessHandle.current().pid() % 100000;
        LabNet.run(List.of(labNet.toString(), "down", name));
        try
        {
            final Map<String, String> lab = LabNet.parse(LabNet.run(List.of(labNet.toString(), "up", name)));
            final String nsA = lab.get("ns_a");
            final String nsB = lab.get("ns_b");
            final String devA = lab.get("dev_a");
            final AtomicInteger exit = new AtomicInteger(-1);
            final Thread server = new Thread(() -> exit.set(cli.run("serve", "--ns", nsA, "--dev", devA, "--ip",
                SERVER + "/24", "--seconds", Integer.toString(SERVE_SECONDS))), "serve-under-test");
            server.start();
            awaitOutput("running for " + SERVE_SECONDS + " s", server);
            final Matcher countersMatch = COUNTERS.matcher(cli.out());
            assertTrue(countersMatch.find(), cli.out());
            final Path counters = Path.of(countersMatch.group(1));
            assertTrue(cli.out().contains("MAC     02:00:00:00:00:01 (the interface's own, from ip -n " + nsA),
                cli.out());
            assertTrue(cli.out().contains("XDP     generic (skb), copy"), cli.out());
            assertTrue(NetInterface.hasXdp(NetInterface.link(devA, nsA)), "the program is attached while serving");

            // a second server on the same queue is refused with the binding's words; the first keeps serving
            final ByteArrayOutputStream secondErr = new ByteArrayOutputStream();
            assertEquals(2, Main.run(new String[] {"serve", "--ns", nsA, "--dev", devA, "--ip", SERVER + "/24",
                "--seconds", "1"}, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(secondErr, true, StandardCharsets.UTF_8)));
            assertTrue(secondErr.toString(StandardCharsets.UTF_8).contains("queue 0 of " + devA
                + " already has an AF_XDP socket"), secondErr.toString(StandardCharsets.UTF_8));

            final String curl = exec(List.of("ip", "netns", "exec", nsB, "curl", "-sS", "-m", "3", "-w",
                "connects=%{num_connects}\\n", "http://" + SERVER + "/1", "http://" + SERVER + "/2",
                "http://" + SERVER + "/3"));
            assertEquals("hello from synack\nconnects=1\nhello from synack\nconnects=0\nhello from synack\n"
                + "connects=0\n", curl, "three responses on one kept-alive connection");

            final HttpLabCommand.Result wrk = HttpLabCommand.parse(exec(List.of("ip", "netns", "exec", nsB, "wrk",
                "-t1", "-c8", "-d1s", "http://" + SERVER + "/")));
            assertEquals("", wrk.errors());
            assertTrue(wrk.requestsPerSecond() > 0 && wrk.requests() > 0, wrk.toString());

            final byte[] sent = new byte[64 * 1024];
            new Random(7).nextBytes(sent);
            assertArrayEquals(sent, socat(nsB, sent), "echo on port 7 byte-exact");

            final ByteArrayOutputStream stat = new ByteArrayOutputStream();
            assertEquals(0, Main.run(new String[] {"stat", counters.toString()},
                new PrintStream(stat, true, StandardCharsets.UTF_8), System.err));
            final String statText = stat.toString(StandardCharsets.UTF_8);
            assertTrue(statText.contains("(stack pid " + ProcessHandle.current().pid() + ", running)"), statText);
            assertTrue(counter(statText, "TCP segments in") > 0, statText);
            assertTrue(counter(statText, "HTTP responses sent") >= 3, statText);

            server.join(TimeUnit.SECONDS.toMillis(15));
            assertFalse(server.isAlive(), "serve did not stop after --seconds " + SERVE_SECONDS + ":\n" + cli.out());
            System.out.println("serve, wrk -t1 -c8 -d1s from the kernel peer: " + String.format("%,.0f", wrk
                .requestsPerSecond()) + " req/s\n" + cli.out());
            assertEquals(0, exit.get(), cli.err() + cli.out());
            final String text = cli.out();
            assertTrue(text.contains("stopping: --seconds " + SERVE_SECONDS + " elapsed"), text);
            assertTrue(text.matches("(?s).*\n +[1-4] s  connections .*"), "status lines:\n" + text);
            assertTrue(text.contains("no XDP program left on " + devA), text);
            assertTrue(counter(text, "HTTP responses sent") >= 3 + wrk.requests(), text);
            assertEquals(sent.length, counter(text, "echo bytes sent back"), text);
            assertFalse(NetInterface.hasXdp(LabNet.run(List.of("ip", "-n", nsA, "link", "show", devA))),
                "XDP program left on " + devA);
            assertFalse(Files.exists(counters), "temporary counters file removed: " + counters);
        }
        finally
        {
            LabNet.run(List.of(labNet.toString(), "down", name));
        }
    }

    @Test
    void asRootSigtermStopsItPrintsTheCountersAndDetachesTheProgram() throws Exception
    {
        assumeLab("curl");
        final Path labNet = LabNet.find();
        final String name = "sg" + ProcessHandle.current().pid() % 100000;
        LabNet.run(List.of(labNet.toString(), "down", name));
        Served serve = null;
        try
        {
            final Map<String, String> lab = LabNet.parse(LabNet.run(List.of(labNet.toString(), "up", name)));
            final String nsA = lab.get("ns_a");
            final String devA = lab.get("dev_a");
            final Served served = startServe(List.of("--ns", nsA, "--dev", devA, "--ip", SERVER + "/24",
                "--http", "8080", "--echo", "0"));
            serve = served;
            assertEquals("hello from synack\n", exec(List.of("ip", "netns", "exec", lab.get("ns_b"), "curl", "-sS",
                "-m", "3", "http://" + SERVER + ":8080/")));
            final String text = served.terminate();
            assertEquals(143, served.process().exitValue(), text);
            assertTrue(text.contains("stopping: signal (SIGINT/SIGTERM)"), text);
            assertTrue(text.contains("no XDP program left on " + devA), text);
            assertTrue(text.contains("== final counters"), text);
            assertEquals(1, counter(text, "HTTP responses sent"), text);
            assertFalse(NetInterface.hasXdp(LabNet.run(List.of("ip", "-n", nsA, "link", "show", devA))),
                "XDP program left on " + devA);
        }
        finally
        {
            if (serve != null)
            {
                serve.kill();
            }
            LabNet.run(List.of(labNet.toString(), "down", name));
        }
    }

    @Test
    void asRootTwoQueuesInDrvModeServeFlowsOnBothQueues() throws Exception
    {
        assumeLab("curl");
        final Path labNet = LabNet.find();
        final String name = "sq" + ProcessHandle.current().pid() % 100000;
        LabNet.run(List.of(labNet.toString(), "down", name));
        Served serve = null;
        try
        {
            final Map<String, String> lab = LabNet.parse(LabNet.run(
                List.of(labNet.toString(), "up", name, "--queues", "2")));
            final String nsA = lab.get("ns_a");
            final String devA = lab.get("dev_a");
            // drv mode: in skb mode veth puts every frame on queue 0 (issue 10's measurement)
            final Served served = startServe(List.of("--ns", nsA, "--dev", devA, "--ip", SERVER + "/24",
                "--http", "8080", "--echo", "0", "--mode", "drv", "--queues", "2", "--max-connections", "1024"));
            serve = served;
            assertTrue(served.text().contains("queues 0..1 (one stack each)"), served.text());
            // 40 connections, each from a new source port: the veth's queue choice spreads them
            final List<String> curl = new ArrayList<>(List.of("ip", "netns", "exec", lab.get("ns_b"), "curl", "-sS",
                "-m", "5", "-H", "Connection: close"));
            for (int i = 0; i < 40; i++)
            {
                curl.add("http://" + SERVER + ":8080/");
            }
            assertEquals("hello from synack\n".repeat(40), exec(curl));
            final String text = served.terminate();
            final Matcher opens = Pattern.compile("q([01]): TCP passive opens +([0-9,]+)").matcher(text);
            final long[] perQueue = new long[2];
            while (opens.find())
            {
                perQueue[Integer.parseInt(opens.group(1))] += Long.parseLong(opens.group(2).replace(",", ""));
            }
            assertEquals(40, perQueue[0] + perQueue[1], text);
            assertTrue(perQueue[0] > 0 && perQueue[1] > 0, "both queues served: " + perQueue[0] + " / "
                + perQueue[1] + "\n" + text);
            assertFalse(NetInterface.hasXdp(LabNet.run(List.of("ip", "-n", nsA, "link", "show", devA))),
                "XDP program left on " + devA);
        }
        finally
        {
            if (serve != null)
            {
                serve.kill();
            }
            LabNet.run(List.of(labNet.toString(), "down", name));
        }
    }

    /** A {@code synack serve} child JVM, its output so far, and the thread copying it. */
    private record Served(Process process, ByteArrayOutputStream output, Thread reader)
    {
        String text()
        {
            return output.toString(StandardCharsets.UTF_8);
        }

        /** Stops it with SIGTERM, as an operator would, and returns all it printed. */
        String terminate() throws InterruptedException
        {
            // SIGTERM through the handle: Process.destroy() would also close our end of its output pipe
            assertTrue(process.toHandle().destroy(), "SIGTERM not sent");
            assertTrue(process.waitFor(15, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
            reader.join(5000);
            return text();
        }

        /** Clean-up after a failure: whatever still runs is killed. */
        void kill() throws InterruptedException
        {
            if (process.isAlive())
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts {@code synack serve ARGS} in a child JVM (so SIGTERM can be tested) and waits until it runs. */
    private static Served startServe(final List<String> args) throws IOException, InterruptedException
    {
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve"));
        command.addAll(args);
        final Process serve = new ProcessBuilder(command).redirectErrorStream(true).start();
        final InputStream stdout = serve.getInputStream();
        final Thread reader = new Thread(() -> copy(stdout, output), "serve-output");
        reader.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!output.toString(StandardCharsets.UTF_8).contains("running until SIGINT/SIGTERM"))
        {
            if (!serve.isAlive() || System.nanoTime() - deadline > 0)
            {
                fail("serve did not start:\n" + output.toString(StandardCharsets.UTF_8));
            }
            Thread.sleep(20);
        }
        return new Served(serve, output, reader);
    }

    private static void assumeLab(final String... tools)
    {
        String reason = Main.isRoot() ? null : "not root: serve needs root for namespaces and AF_XDP";
        for (final String tool : List.of("ip", "ethtool"))
        {
            if (reason == null && !onPath(tool))
            {
                reason = tool + " missing";
            }
        }
        for (final String tool : tools)
        {
            if (reason == null && !onPath(tool))
            {
                reason = tool + " missing (apt-get install " + tool + ")";
            }
        }
        if (reason != null)
        {
            System.out.println("SKIPPED serve on a lab veth: " + reason);
        }
        assumeTrue(reason == null, reason);
    }

    private static boolean onPath(final String tool)
    {
        for (final String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin")
            .split(":"))
        {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)))
            {
                return true;
            }
        }
        return false;
    }

    private void awaitOutput(final String text, final Thread server) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!cli.out().contains(text))
        {
            if (!server.isAlive() || System.nanoTime() - deadline > 0)
            {
                fail("serve did not start: " + cli.err() + cli.out());
            }
            Thread.sleep(10);
        }
    }

    /** @return the value of a counter line ("  label   1,234") in a counters listing. */
    private static long counter(final String text, final String label)
    {
        final Matcher m = Pattern.compile("\n  " + Pattern.quote(label) + " +([0-9,]+)").matcher(text);
        assertTrue(m.find(), "no '" + label + "' in:\n" + text);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    /** Runs a command (10 s at most) and returns its standard output; fails with its output when it fails. */
    private static String exec(final List<String> command) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final Thread reader = new Thread(() -> copy(p.getInputStream(), output));
        reader.start();
        if (!p.waitFor(10, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            p.waitFor();
        }
        reader.join(5000);
        final String text = output.toString(StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + text);
        return text;
    }

    /** Sends {@code data} through socat in ns_b to the echo port, half-closes, and returns what came back. */
    private static byte[] socat(final String namespace, final byte[] data) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder("ip", "netns", "exec", namespace, "socat", "-t", "3", "-",
            "TCP:" + SERVER + ":7").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final ByteArrayOutputStream back = new ByteArrayOutputStream();
        final Thread reader = new Thread(() -> copy(p.getInputStream(), back));
        reader.start();
        try (OutputStream in = p.getOutputStream())
        {
            in.write(data);
        }
        if (!p.waitFor(10, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            p.waitFor();
        }
        reader.join(5000);
        assertEquals(0, p.exitValue(), "socat");
        return back.toByteArray();
    }

    private static void copy(final InputStream in, final ByteArrayOutputStream to)
    {
        try
        {
            in.transferTo(to);
        }
        catch (final IOException ignored)
        {
            // the process ended
        }
    }
}
