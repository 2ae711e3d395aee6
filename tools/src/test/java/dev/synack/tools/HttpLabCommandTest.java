package dev.synack.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** wrk's report parsed to the figures, and (as root, with wrk) the whole lab run end to end. */
class HttpLabCommandTest
{
    private static final String WRK = String.join("\n",
        "Running 2s test @ http://198.18.0.1/",
        "  1 threads and 16 connections",
        "  Thread Stats   Avg      Stdev     Max   +/- Stdev",
        "    Latency   147.52us  298.10us   8.93ms   98.72%",
        "    Req/Sec    31.43k     1.15k   33.37k    75.00%",
        "  Latency Distribution",
        "     50%  149.00us",
        "     75%  170.00us",
        "     90%  196.00us",
        "     99%    1.58ms",
        "  65681 requests in 2.10s, 9.52MB read",
        "  Socket errors: connect 0, read 3, write 0, timeout 0",
        "  Non-2xx or 3xx responses: 2",
        "Requests/sec:  31274.12",
        "Transfer/sec:      4.53MB");

    @Test
    void wrkReportGivesRateLatencyCountAndErrors()
    {
        final HttpLabCommand.Result r = HttpLabCommand.parse(WRK);
        assertEquals(31_274.12, r.requestsPerSecond(), 1e-6);
        assertEquals(149.0, r.p50Us(), 1e-9);
        assertEquals(1_580.0, r.p99Us(), 1e-9);
        assertEquals(65_681, r.requests());
        assertEquals("socket errors: connect 0, read 3, write 0, timeout 0; non-2xx responses: 2", r.errors());
    }

    @Test
    void wrkLatencyBucketsBecomeAHistogram()
    {
        final String text = WRK + "\nsynack-latency-us begin\nsynack-latency-us 120 3\nsynack-latency-us 149 10\n"
            + "synack-latency-us 1580 2\nsynack-latency-us end\n";
        final HttpLabCommand.Result r = HttpLabCommand.parse(text);
        assertEquals(31_274.12, r.requestsPerSecond(), 1e-6, "the buckets do not disturb the report");
        assertEquals(15, r.latency().getTotalCount());
        assertEquals(149_000, r.latency().getValueAtPercentile(50), 149_000 * 0.001);
        assertEquals(1_580_000, r.latency().getMaxValue(), 1_580_000 * 0.001);
        assertEquals(null, HttpLabCommand.parse(WRK).latency(), "no buckets, no histogram");
        assertEquals(1_580.0, Double.parseDouble(HttpLabCommand.p999(r)), 1_580 * 0.001,
            "p99.9 from the buckets: the 1,580 µs ones");
        assertEquals("-", HttpLabCommand.p999(HttpLabCommand.parse(WRK)), "no buckets, no p99.9");
        assertTrue(HttpLabCommand.LATENCY_SCRIPT.startsWith("done = function(summary, latency, requests)"));
    }

    @Test
    void aReportWithoutARateIsAnErrorNotAZero()
    {
        assertThrows(IllegalStateException.class, () -> HttpLabCommand.parse("unable to connect to 198.18.0.1:80"));
    }

    @Test
    void badArgumentsAreUsageErrors()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThrows(UsageException.class, () -> new HttpLabCommand(List.of("--seconds", "0"),
            new PrintStream(out, true, StandardCharsets.UTF_8)));
        assertThrows(UsageException.class, () -> new HttpLabCommand(List.of("extra"),
            new PrintStream(out, true, StandardCharsets.UTF_8)));
        // --pin gives one server thread a CPU of its own: not with synack's two threads
        assertThrows(UsageException.class, () -> new HttpLabCommand(List.of("--pin", "--two-threads"),
            new PrintStream(out, true, StandardCharsets.UTF_8)));
        assertThrows(UsageException.class, () -> new HttpLabCommand(List.of("--mode", "zc"),
            new PrintStream(out, true, StandardCharsets.UTF_8)));
    }

    @Test
    void asRootWrkMeasuresSynackAndTheKernelAndTheLabIsRemoved() throws Exception
    {
        final boolean root = Main.isRoot();
        final boolean wrk = Files.isExecutable(Path.of("/usr/bin/wrk"));
        if (!root || !wrk)
        {
            System.out.println("SKIPPED http-lab: " + (!root ? "not root" : "wrk missing (apt-get install wrk)"));
        }
        assumeTrue(root && wrk, "needs root and wrk");
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int rc = Main.run(new String[] {"http-lab", "--seconds", "1", "--connections", "8"},
            new PrintStream(bytes, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        final String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8) + text);
        for (final String expected : new String[] {"== synack: HttpResponder", "== kernel: a Java NIO HTTP server",
            "== side by side", "p99.9 µs", "keep-alive (one connection each)", "Connection: close (new each time)",
            "TCP retransmits 0"})
        {
            assertTrue(text.contains(expected), "missing '" + expected + "' in:\n" + text);
        }
        assertTrue(!text.contains("errors, "), "wrk saw errors:\n" + text);
        final Process netns = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        final String namespaces = new String(netns.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        for (final String prefix : new String[] {"synack-a-hs", "synack-a-hk"})
        {
            final int at = text.indexOf(prefix);
            final String name = text.substring(at, text.indexOf(';', at));
            assertTrue(!namespaces.contains(name), name + " removed: " + namespaces);
        }
    }
}
