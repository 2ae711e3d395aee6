package dev.synack.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.synack.stat.CountersFile;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;

class MainTest
{
    private final MainCapture cli = new MainCapture();

    @ParameterizedTest
    @ValueSource(strings = {
        "", "bogus", "demo --seconds", "demo --seconds zero", "demo --seconds 0", "demo --runs -1",
        "demo --wire carrier-pigeon", "demo --nope", "demo extra", "demo --xdp=yes", "stat", "stat a b",
        "stat f --interval-ms 1", "pcap", "pcap onlyone", "pcap a b c", "pcap a b --bogus", "ladder",
        "ladder a b", "ladder a --stream 0", "ladder a --stream x", "demo --capture", "demo --capture="})
    void badArgumentsExplainInOneLineAndExitWith2(final String line)
    {
        final String[] args = line.isEmpty() ? new String[0] : line.split(" ");
        assertEquals(2, cli.run(args), cli.err());
        assertTrue(cli.err().startsWith("synack: "), cli.err());
        assertEquals(1, cli.err().lines().count(), "one line: " + cli.err());
        assertTrue(cli.err().strip().endsWith(" --help')"), "says where the help is: " + cli.err());
        assertEquals("", cli.out());
    }

    @Test
    void helpPrintsUsage()
    {
        assertEquals(0, cli.run("--help"));
        assertTrue(cli.out().contains("demo") && cli.out().contains("stat"));
        assertTrue(cli.out().contains("pcap <journal-dir> <out.pcap>")
            && cli.out().contains("ladder <journal-dir>|<file.pcap>")
            && cli.out().contains("--capture DIR"), cli.out());
    }

    @Test
    void statOfAMissingFileIsNotAvailable()
    {
        assertEquals(2, cli.run("stat", "/nonexistent/A.counters"));
        assertTrue(cli.err().contains("not available: no counters file at /nonexistent/A.counters"), cli.err());
    }

    @Test
    void statPrintsEveryCounter(@TempDir final Path dir)
    {
        final Path file = dir.resolve("X.counters");
        try (CountersFile counters = CountersFile.create(file, StackCounters.COUNT))
        {
            final StackCounters stack = new StackCounters(counters.newManager(), "");
            stack.add(StackCounter.TCP_SEGMENTS_IN, 12345);
            assertEquals(0, cli.run("stat", file.toString(), "--watch", "--interval-ms", "10", "--count", "2"),
                cli.err());
        }
        final String text = cli.out();
        for (final StackCounter c : StackCounter.values())
        {
            assertTrue(text.contains(c.label()), c.label());
        }
        assertTrue(text.contains("12,345"), text);
        assertTrue(text.contains("/s"), text);
    }

    @Test
    void statOfARunningStackShowsRatesFromTwoReads(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("R.counters");
        try (CountersFile counters = CountersFile.create(file, StackCounters.COUNT))
        {
            final StackCounters stack = new StackCounters(counters.newManager(), "");
            stack.add(StackCounter.TCP_SEGMENTS_IN, 1000);
            final Thread busy = new Thread(() ->
            {
                final long end = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() - end < 0)
                {
                    stack.add(StackCounter.TCP_SEGMENTS_IN, 1);
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                }
            });
            busy.start();
            assertEquals(0, cli.run("stat", file.toString(), "--interval-ms", "300"), cli.err());
            busy.join();
        }
        final String text = cli.out();
        assertTrue(text.contains(", running)\n  totals, and rates per second over 300 ms\n"), text);
        final java.util.regex.Matcher line = java.util.regex.Pattern.compile(
            java.util.regex.Pattern.quote(StackCounter.TCP_SEGMENTS_IN.label()) + " +([0-9,]+) +([0-9,]+)/s")
            .matcher(text);
        assertTrue(line.find(), text);
        assertTrue(Long.parseLong(line.group(1).replace(",", "")) > 1000, "total: " + line.group(1));
        assertTrue(Long.parseLong(line.group(2).replace(",", "")) > 0, "rate: " + line.group(2));
        assertEquals(1, text.split(java.util.regex.Pattern.quote(StackCounter.TCP_SEGMENTS_IN.label()), -1).length - 1,
            "one snapshot");
    }

    @Test
    void demoCompletesAndPrintsEverySection() throws Exception
    {
        assertEquals(0, cli.run("demo", "--wire", "memory", "--seconds", "1", "--runs", "1"), cli.err());
        final String text = cli.out();
        for (final String expected : new String[] {"== 1. A resolves B by ARP", "ARP who-has 198.18.0.2",
            "ARP reply 198.18.0.2 is-at 02:00:00:00:00:02", "ICMP echo request", "ICMP echo reply",
            "ping 198.18.0.2 seq=2", "== 2. one TCP connection", "[SYN]", "[SYN,ACK]", "FIN",
            "== 3. measurements", "handshakes/s", "keep-alive exchanges/s, 16 in flight", "p99.9",
            "unexpected callbacks: 0;", "== 4. counters", "TCP segments in",
            "MSL 20 ms"})
        {
            assertTrue(text.contains(expected), "missing '" + expected + "' in:\n" + text);
        }
        final String counters = text.substring(text.indexOf("counters: ") + 10, text.indexOf("/{A,B}"));
        assertTrue(!Files.exists(Path.of(counters)), "counters directory removed: " + counters);
    }

    @Test
    void demoCapturesItsNarratedPartsIntoAJournalThatPcapAndLadderRead(@TempDir final Path dir) throws Exception
    {
        final Path journal = dir.resolve("journal");
        assertEquals(0, cli.run("demo", "--wire", "memory", "--seconds", "1", "--runs", "1", "--capture",
            journal.toString()), cli.err());
        final String text = cli.out();
        assertTrue(text.contains("capture:  parts 1 and 2, stack A's frames in and out"), text);
        // ARP request + reply, 2 pings, 7 segments (SYN, SYN-ACK, data, echo, FIN, FIN, ACK: as narrated)
        assertTrue(text.contains("A-memory: 13 frames captured, 0 dropped (capture ring full); 13 written"), text);
        assertEquals("", cli.err());
        cli.resetOut();
        final Path pcap = dir.resolve("demo.pcap");
        assertEquals(0, cli.run("pcap", journal.toString(), pcap.toString()), cli.err());
        assertTrue(cli.out().contains("13 frames"), cli.out());
        // pcap header, 13 record headers, then the frames: 2 ARP, 4 ICMP echo, SYN and SYN-ACK (MSS, window scale,
        // SACK-permitted, timestamps: 24 option bytes), 2 segments of 5 bytes and 3 of none (timestamps: 12).
        assertEquals(24 + 13 * 16 + 2 * 42 + 4 * 98 + 2 * 78 + 2 * 71 + 3 * 66, Files.size(pcap), "pcap size");
        cli.resetOut();
        assertEquals(0, cli.run("ladder", journal.toString()), cli.err());
        final String ladder = cli.out();
        for (final String expected : new String[] {"ARP who-has 198.18.0.2", "ICMP echo reply",
            "TCP connection 1 (stack A-memory): 198.18.0.1:", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED",
            "FIN-WAIT-1", "CLOSE-WAIT", "LAST-ACK", "TIME-WAIT", "CLOSED"})
        {
            assertTrue(ladder.contains(expected), "missing '" + expected + "' in:\n" + ladder);
        }
    }

    @Test
    void asRootTheDefaultDemoRunsBothWiresAndTheKernelMeasuresTheVethCeilingAndTearsTheLabDown() throws Exception
    {
        final boolean root = Main.isRoot();
        if (!root)
        {
            System.out.println("SKIPPED xdp demo: not root (namespaces, veth and AF_XDP need root)");
        }
        assumeTrue(root, "not root");
        assertEquals(0, cli.run("demo", "--seconds", "1", "--runs", "1"), cli.err());
        final String text = cli.out();
        for (final String expected : new String[] {"(1/3: memory wire)", "(2/3: xdp wire)", "AF_XDP on a veth pair",
            "ceiling:", "reflect frames/s:", "ICMP echo reply", "[SYN,ACK]", "keep-alive exchanges/s, 16 in flight",
            "of ceiling", "link ceiling (raw reflect, no stack)", "unexpected callbacks: 0;",
            "(3/3: the Linux kernel's TCP", "       run 1: ", "== side by side", "kernel 1 core", "kernel 2 cores",
            "xdp per end", "1 thr/k", "end/k", "against the link itself: raw reflect round trips/s",
            "keep-alive latency, µs: p50 / p99 / p99.9", "(b) one thread per end"})
        {
            assertTrue(text.contains(expected), "missing '" + expected + "' in:\n" + text);
        }
        final Process netns = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        final String namespaces = new String(netns.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        for (final String prefix : new String[] {"synack-a-demo", "synack-a-kern"})
        {
            final int at = text.indexOf(prefix);
            final String name = text.substring(at, text.indexOf(' ', at));
            assertTrue(!namespaces.contains(name), name + " removed: " + namespaces);
        }
    }
}
