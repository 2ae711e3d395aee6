package dev.synack.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.synack.embed.Synack;
import dev.synack.embed.SynackStack;
import dev.synack.ip.Ipv4Address;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.tcp.TcpState;
import dev.synack.tools.http.HttpResponder;
import dev.synack.workload.EchoServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Root only: synack (198.18.0.1 on dev_a over AF_XDP) against the Linux kernel (198.18.0.2 in ns_b) over a
 * real veth — ARP and ping, kernel clients (curl, a Java Socket in a child JVM) against synack's echo and HTTP
 * servers, synack's client against a kernel echo server, and a tshark capture of all of it on the peer's veth
 * checked last for bad checksums, malformed frames, retransmissions and incomplete streams.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelInteropTest
{
    private static final String SYNACK_IP = "198.18.0.1";
    private static final String KERNEL_IP = "198.18.0.2";
    private static final int MIB = 1 << 20;

    private static Lab lab;
    private static SynackStack stack;
    private static Process tshark;
    private static Path capture;
    private static HttpResponder http;
    private static EchoServer echo;
    private static String analysisAnomalies;

    @BeforeAll
    static void up() throws Exception
    {
        Lab.assumePrivileged();
        lab = Lab.up("ki", false);
        if (Lab.onPath("tshark"))
        {
            capture = Path.of("/tmp", "synack-interop-" + ProcessHandle.current().pid() + ".pcapng");
            Files.deleteIfExists(capture);
            tshark = new ProcessBuilder(lab.inB("tshark", "-n", "-i", lab.devB(), "-w", capture.toString()))
                .redirectErrorStream(true).start();
            waitForLine(tshark, "Capturing on", 20);
        }
        http = new HttpResponder();
        echo = new EchoServer();
        // the embedding API, as a service would use it (issue 10: no tools-only path to the NIC)
        stack = Synack.builder().device(lab.devA()).namespace(lab.nsA()).queue(0).xdpMode(XdpMode.GENERIC)
            .name("interop").mac(lab.values.get("mac_a")).address(SYNACK_IP + "/24")
            .connections(1024).bufferBytes(64 * 1024, 64 * 1024)
            .tune(c -> c.msl(1, TimeUnit.SECONDS).minRto(200, TimeUnit.MILLISECONDS)).start();
        stack.listen(7, echo).listen(80, http);
        System.out.println("synack on " + lab.devA() + " in " + lab.nsA() + ": " + stack.wire());
    }

    @AfterAll
    static void down()
    {
        try
        {
            if (tshark != null)
            {
                tshark.destroyForcibly();
            }
        }
        finally
        {
            Lab.closeAll(stack, lab);
        }
    }

    @Test
    @Order(1)
    void kernelPingsSynackAfterResolvingItsMacByArp()
    {
        final Lab.Result ping = Lab.exec(lab.inB("ping", "-c", "20", "-i", "0.05", "-W", "2", SYNACK_IP), 30);
        System.out.println(ping.output());
        assertEquals(0, ping.exitCode(), ping.output());
        assertTrue(ping.output().contains("20 packets transmitted, 20 received"), ping.output());
        final String neigh = Lab.run(lab.inB("ip", "neigh", "show", SYNACK_IP));
        assertTrue(neigh.contains(lab.values.get("mac_a")), "kernel learned synack's MAC by ARP: " + neigh);
    }

    @Test
    @Order(2)
    void curlKeepAliveReusesOneConnectionForSeveralUrls()
    {
        final Lab.Result curl = Lab.exec(lab.inB("curl", "-sv", "--max-time", "10",
            "http://" + SYNACK_IP + "/a", "http://" + SYNACK_IP + "/b", "http://" + SYNACK_IP + "/c?x=1"), 30);
        System.out.println(curl.output());
        assertEquals(0, curl.exitCode(), curl.output());
        assertEquals(3, count(curl.output(), "hello from synack"), curl.output());
        assertEquals(3, count(curl.output(), "< HTTP/1.1 200 OK"), curl.output());
        assertTrue(curl.output().contains("Re-using existing"), "one connection for three URLs: " + curl.output());
        assertFalse(curl.output().contains("Connection: close"), curl.output());
    }

    @Test
    @Order(3)
    void curlHttp10GetsANewConnectionPerRequest()
    {
        final Lab.Result curl = Lab.exec(lab.inB("curl", "-sv", "--http1.0", "--max-time", "10",
            "http://" + SYNACK_IP + "/a", "http://" + SYNACK_IP + "/b", "http://" + SYNACK_IP + "/c"), 30);
        System.out.println(curl.output());
        assertEquals(0, curl.exitCode(), curl.output());
        assertEquals(3, count(curl.output(), "hello from synack"), curl.output());
        assertEquals(3, count(curl.output(), "< Connection: close"), curl.output());
        assertFalse(curl.output().contains("Re-using existing"), curl.output());
    }

    @Test
    @Order(4)
    void javaSocketEchoesOneMebibyteByteExact()
    {
        final Lab.Result client = Lab.exec(lab.inB(Lab.java(KernelPeer.class, "bulk", SYNACK_IP, "7",
            Integer.toString(MIB)).toArray(String[]::new)), 120);
        System.out.println(client.output());
        assertEquals(0, client.exitCode(), client.output());
        assertTrue(client.output().contains("OK bulk " + MIB), client.output());
    }

    @Test
    @Order(5)
    void thousandSequentialShortConnectionsAllSucceed()
    {
        final Lab.Result client = Lab.exec(lab.inB(Lab.java(KernelPeer.class, "loop", SYNACK_IP, "7", "1000", "100")
            .toArray(String[]::new)), 170);
        System.out.println(client.output());
        assertEquals(0, client.exitCode(), client.output());
        assertTrue(client.output().contains("OK loop 1000 connections"), client.output());
    }

    @Test
    @Order(6)
    void synackClientTransfersOneMebibyteEachWayToAKernelServerAndHoldsTimeWaitFor2Msl() throws Exception
    {
        // The HTTP/1.0 connections synack closed first hold TIME-WAIT for 2 s: let them end, so the counts
        // below are this connection's alone.
        final long quiet = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while ((int)stack.call(s -> s.tcp().connectionsIn(TcpState.TIME_WAIT)) > 0 && System.nanoTime() - quiet < 0)
        {
            Thread.sleep(20);
        }
        assertEquals(0, (int)stack.call(s -> s.tcp().connectionsIn(TcpState.TIME_WAIT)), "earlier TIME-WAITs ended");
        final Process server = new ProcessBuilder(lab.inB(Lab.java(KernelPeer.class, "server", "9000")
            .toArray(String[]::new))).redirectErrorStream(true).start();
        try
        {
            waitForLine(server, "listening", 20);
            final BulkClient client = new BulkClient(MIB);
            final long start = System.nanoTime();
            final long handle = stack.call(s -> s.tcp().connect(Ipv4Address.parse(KERNEL_IP), 9000, client));
            assertTrue(handle >= 0, "connect refused");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (stateOf(handle) != TcpState.TIME_WAIT && client.failure == null && client.closed == null &&
                System.nanoTime() - deadline < 0)
            {
                Thread.sleep(5);
            }
            final long timeWaitAt = System.nanoTime();
            assertNull(client.failure);
            assertEquals(MIB, client.sent);
            assertEquals(MIB, client.received);
            assertTrue(client.peerClosed, "kernel's FIN seen");
            assertEquals(TcpState.TIME_WAIT, stateOf(handle), "we closed first: TIME-WAIT holds the 4-tuple");
            System.out.printf("synack client: 1 MiB each way in %.3f s%n", (client.doneNs - start) / 1e9);

            final String ss = Lab.run(lab.inB("ss", "-tan"));
            System.out.println(ss);
            for (final String line : ss.split("\n"))
            {
                assertFalse(line.contains(":9000 ") && line.startsWith("ESTAB"), "kernel still ESTAB: " + line);
            }
            Thread.sleep(1500);
            assertEquals(TcpState.TIME_WAIT, stateOf(handle), "still in TIME-WAIT before 2 MSL (2 s)");
            assertEquals(1, (int)stack.call(s -> s.tcp().connectionsIn(TcpState.TIME_WAIT)));
            while (stateOf(handle) != TcpState.CLOSED && System.nanoTime() - timeWaitAt < TimeUnit.SECONDS.toNanos(4))
            {
                Thread.sleep(10);
            }
            final double held = (System.nanoTime() - timeWaitAt) / 1e9;
            assertEquals(TcpState.CLOSED, stateOf(handle), "TIME-WAIT freed after 2 MSL");
            System.out.printf("TIME-WAIT freed after ~%.2f s (2 MSL = 2 s)%n", held);
            assertEquals(0, (int)stack.call(s -> s.tcp().connectionsIn(TcpState.TIME_WAIT)));
        }
        finally
        {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(7)
    void captureOnThePeerHasNoBadChecksumsNoAnomaliesAndCompleteStreams() throws Exception
    {
        Lab.assumeTool("tshark");
        Thread.sleep(300);
        final String counters = "synack counters:\n" + stack.counters().appendNonZero(new StringBuilder()) +
            "xdp: " + stack.wire() + "; nic rx " +
            stack.nic().rxFrames() + ", tx " + stack.nic().txFrames() + ", rx ring full " +
            stack.nic().rxDropRingFull() + ", fill starved " + stack.nic().fillStarved() + ", tx no frame " +
            stack.nic().txDropNoFrame();
        System.out.println(counters);
        tshark.destroy(); // SIGTERM: tshark finishes the file
        assertTrue(tshark.waitFor(20, TimeUnit.SECONDS), "tshark did not stop");
        tshark = null;
        final String bad = shell("tshark -n -r " + capture + " -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE " +
            "-Y 'tcp.checksum.status==2 || ip.checksum.status==2 || _ws.malformed'");
        assertEquals("", bad.trim(), "bad checksums or malformed frames in the capture:\n" + firstLines(bad, 30));
        // tcp.analysis.flags covers every TCP expert note. The flow-control notes are not anomalies and are
        // filtered out: window_full (a sender filled exactly the window offered), window_update (a receiver
        // re-opened it), and the zero-window family (a receiver whose application reads slower than the echo
        // arrives, and the sender's persist probes). Retransmissions (every kind), lost or out-of-order segments,
        // ACKs of unseen data and data past the window stay: on a clean veth there must be none (acceptance 4) —
        // with one exception, proven from the capture and not assumed: a retransmission whose every byte the
        // receiver then reports as a duplicate (RFC 2883 D-SACK) was not a loss. It is what a sender's tail-loss
        // probe (10 ms in Linux) or RTO does when the receiving thread is held up (a GC safepoint of the test JVM,
        // a busy CI host): the original arrived and was ACKed late. Those are counted and printed, at most a few.
        final String flowControl = "tcp.analysis.window_full || tcp.analysis.window_update || " +
            "tcp.analysis.zero_window || tcp.analysis.zero_window_probe || tcp.analysis.zero_window_probe_ack";
        final String anomalies = shell("tshark -n -r " + capture + " -Y '(tcp.analysis.retransmission || " +
            "tcp.analysis.flags) && !(" + flowControl + " || tcp.analysis.duplicate_ack)'" +
            " -T fields -e frame.number -e _ws.col.Info");
        final DsackedRetransmissions late = DsackedRetransmissions.read(capture);
        final StringBuilder unexplained = new StringBuilder();
        for (final String line : anomalies.trim().split("\n"))
        {
            if (!line.isBlank() && !late.excused(Integer.parseInt(line.trim().split("\t")[0])))
            {
                unexplained.append(line.trim()).append('\n');
            }
        }
        analysisAnomalies = unexplained.toString().trim();
        System.out.println("retransmissions the receiver D-SACKed (late ACK, no loss): " + late.count() +
            (late.count() == 0 ? "" : "\n" + late.describe()));
        assertTrue(late.count() <= 5, "too many late ACKs for a clean link: " + late.count() + "\n" + late.describe());
        // Duplicate ACKs are counted apart: none is expected beyond the D-SACKs above, and at most two (fewer than
        // fast retransmit needs) are tolerated, printed.
        final String dupAcks = shell("tshark -n -r " + capture + " -Y 'tcp.analysis.duplicate_ack && " +
            "!tcp.options.sack.dsack && !(" + flowControl + ")'").trim();
        final int dupAckCount = dupAcks.isEmpty() ? 0 : dupAcks.split("\n").length;
        System.out.println("duplicate ACKs in the capture: " + dupAckCount + (dupAckCount == 0 ? "" : "\n" + dupAcks));
        assertTrue(dupAckCount <= 2, "duplicate ACKs on a clean link: " + dupAckCount + "\n" + firstLines(dupAcks, 30));
        // RFC 7323: Linux offers timestamps in every SYN and synack accepts, so synack's segments carry them.
        final String stamped = shell("tshark -n -r " + capture + " -Y 'ip.src==" + SYNACK_IP
            + " && tcp.options.timestamp.tsval' -T fields -e frame.number 2>/dev/null | wc -l");
        assertTrue(Integer.parseInt(stamped.trim()) > 1000, "synack's segments carry timestamps: " + stamped.trim());
        final String fields = shell("tshark -n -r " + capture +
            " -Y tcp -T fields -e tcp.stream -e ip.src -e tcp.flags");
        final Map<String, int[]> streams = new HashMap<>();
        for (final String line : fields.split("\n"))
        {
            final String[] f = line.trim().split("\t");
            if (f.length < 3)
            {
                continue;
            }
            final int flags = Integer.decode(f[2]);
            final int[] seen = streams.computeIfAbsent(f[0], k -> new int[4]);
            if ((flags & 0x12) == 0x02)
            {
                seen[0]++;
            }
            if ((flags & 0x12) == 0x12)
            {
                seen[1]++;
            }
            if ((flags & 0x01) != 0)
            {
                seen[f[1].equals(SYNACK_IP) ? 2 : 3]++;
            }
        }
        int complete = 0;
        for (final Map.Entry<String, int[]> e : streams.entrySet())
        {
            final int[] s = e.getValue();
            assertTrue(s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1,
                "stream " + e.getKey() + ": SYN " + s[0] + ", SYN-ACK " + s[1] + ", FIN from synack " + s[2] +
                ", FIN from kernel " + s[3]);
            complete++;
        }
        System.out.println("capture " + capture + ": " + complete + " TCP streams, each with SYN, SYN-ACK and both" +
            " FINs; no bad checksum or malformed frame");
        // curl keep-alive 1, curl HTTP/1.0 3, Java bulk 1, short connections 1000, synack client 1
        assertTrue(complete >= 1 + 3 + 1 + 1000 + 1, "streams: " + complete);
        // The counters go in the message: a CI log keeps the failure, and they tell a drop in synack from a late ACK.
        assertEquals("", analysisAnomalies, "TCP analysis anomalies (retransmissions, lost segments) on a clean link:\n"
            + firstLines(analysisAnomalies, 30) + "\n" + counters);
        if (dupAckCount == 0 && late.count() == 0)
        {
            Files.deleteIfExists(capture); // kept otherwise, for a look at what the duplicate ACK answered
        }
    }

    private static TcpState stateOf(final long handle)
    {
        return stack.call(s -> s.tcp().stateOf(handle));
    }

    private static String shell(final String command)
    {
        final Lab.Result r = Lab.exec(List.of("sh", "-c", command + " 2>/dev/null"), 120);
        assertEquals(0, r.exitCode(), command + ": " + r.output());
        return r.output();
    }

    private static String firstLines(final String text, final int n)
    {
        final String[] lines = text.split("\n");
        return String.join("\n", java.util.Arrays.copyOf(lines, Math.min(n, lines.length))) +
            (lines.length > n ? "\n... " + (lines.length - n) + " more" : "");
    }

    private static int count(final String text, final String what)
    {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1))
        {
            n++;
        }
        return n;
    }

    /** Reads a child's output until a line contains {@code marker}; keeps draining it afterwards. */
    private static void waitForLine(final Process process, final String marker, final int seconds) throws Exception
    {
        final BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8));
        final StringBuilder seen = new StringBuilder();
        final Thread reader = new Thread(() ->
        {
            try
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    synchronized (seen)
                    {
                        seen.append(line).append('\n');
                    }
                }
            }
            catch (final IOException ignored)
            {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() - deadline < 0)
        {
            synchronized (seen)
            {
                if (seen.indexOf(marker) >= 0)
                {
                    return;
                }
            }
            if (!process.isAlive())
            {
                break;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no '" + marker + "' from " + process.info().commandLine().orElse("?") +
            ": " + seen);
    }
}
