package dev.synack.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.synack.embed.Synack;
import dev.synack.embed.SynackStack;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpState;
import dev.synack.workload.EchoServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Root only, issue 9: SYN-flood survival over AF_XDP. From the kernel's namespace, tools/bin/syn-flood sends
 * {@value #SYNS} spoofed SYNs (random sources in 198.19.0.0/16, inside 198.18.0.0/15, random ports) at synack's
 * echo port over {@value #FLOOD_SECONDS} s; synack's listen backlog is {@value #BACKLOG}, so the flood fills it at
 * once and synack answers with SYN cookies (RFC 4987 §3.6). Its SYN-ACKs go to its gateway, the kernel end, which
 * does not forward and drops them: nothing leaves the two namespaces. Meanwhile a Linux client makes
 * {@value #CLIENTS} genuine connections, one after another, each echoed byte-exact; none may be refused. Afterwards
 * the entries the flood made in SYN-RECEIVED time out (2 SYN-ACK retransmissions, 7 s, for those made while the
 * backlog was more than half full; {@value #SYN_ACK_RETRIES}, {@value #HANDSHAKE_TIMEOUT_SECONDS} s, for the first
 * half) and the table drains within that bound of the flood's last SYN.
 */
class SynFloodInteropTest
{
    private static final String SYNACK_IP = "198.18.0.1";
    private static final int PORT = 7;
    private static final int BACKLOG = 64;
    private static final int SYNS = 100_000;
    private static final int FLOOD_SECONDS = 8;
    private static final int CLIENTS = 200;
    /** SYN-ACK retransmissions before an unanswered SYN-RECEIVED entry times out: 1 + 2 + 4 + 8 = 15 s at most. */
    private static final int SYN_ACK_RETRIES = 3;
    private static final int HANDSHAKE_TIMEOUT_SECONDS = 15;
    private static final int SIZE = 100;
    private static final Pattern CONNECTS = Pattern.compile(
        "OK connects (\\d+) echoed in \\S+ s: connect p50 (\\S+) ms, p99 (\\S+) ms, max \\S+ ms, (\\d+) over");

    private static Lab lab;
    private static SynackStack stack;

    @BeforeAll
    static void up()
    {
        Lab.assumePrivileged();
        Lab.assumeTool("python3");
        lab = Lab.up("fl", false);
        stack = Synack.builder().device(lab.devA()).namespace(lab.nsA()).queue(0).xdpMode(XdpMode.GENERIC)
            .name("syn-flood").mac(lab.values.get("mac_a")).address(SYNACK_IP + "/24")
            .gateway("198.18.0.2").connections(1024).bufferBytes(16 * 1024, 16 * 1024)
            .tune(c -> c.listenBacklog(BACKLOG).synCookies(true).synRetries(SYN_ACK_RETRIES)).start();
        stack.listen(PORT, new EchoServer());
    }

    @AfterAll
    static void down()
    {
        Lab.closeAll(stack, lab);
    }

    @Test
    void genuineLinuxClientsConnectThroughASpoofedSynFlood() throws Exception
    {
        final Matcher quiet = connects("without the flood");
        Process flooder = null;
        final Lab.Result client;
        final String flood;
        final long syns;
        try
        {
            flooder = new ProcessBuilder(lab.inB(Lab.script().resolveSibling("syn-flood").toString(), SYNACK_IP,
                Integer.toString(PORT), Integer.toString(SYNS), Integer.toString(FLOOD_SECONDS)))
                .redirectErrorStream(true).start();
            final BufferedReader out = new BufferedReader(
                new InputStreamReader(flooder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("flooding", out.readLine(), "syn-flood did not start");
            // let the flood fill the backlog before the first genuine SYN
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (stack.total(StackCounter.TCP_SYN_COOKIES_SENT) == 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            client = Lab.exec(lab.inB(Lab.java(KernelPeer.class, "connects", SYNACK_IP, Integer.toString(PORT),
                Integer.toString(CLIENTS), Integer.toString(SIZE)).toArray(String[]::new)), 40);
            final boolean floodOutlastedClients = flooder.isAlive();
            assertTrue(flooder.waitFor(30, TimeUnit.SECONDS), "syn-flood did not finish");
            flood = readAll(out);
            System.out.println("syn-flood: " + flood.trim() + "; still flooding when the clients were done: "
                + floodOutlastedClients);
            assertEquals(0, flooder.exitValue(), flood);
            final Matcher sent = Pattern.compile("OK sent (\\d+) SYNs").matcher(flood);
            assertTrue(sent.find(), flood);
            syns = Long.parseLong(sent.group(1));
            assertTrue(floodOutlastedClients, "the clients' connections were not all made during the flood");
        }
        finally
        {
            if (flooder != null && flooder.isAlive())
            {
                flooder.destroyForcibly();
                flooder.waitFor(5, TimeUnit.SECONDS);
            }
        }
        System.out.println(client.output());
        assertEquals(0, client.exitCode(), "a genuine client failed during the flood:\n" + client.output());
        final Matcher during = CONNECTS.matcher(client.output());
        assertTrue(during.find(), client.output());
        assertEquals(CLIENTS, Integer.parseInt(during.group(1)));

        final long cookiesSent = stack.total(StackCounter.TCP_SYN_COOKIES_SENT);
        final long cookiesAccepted = stack.total(StackCounter.TCP_SYN_COOKIES_ACCEPTED);
        final long cookiesRejected = stack.total(StackCounter.TCP_SYN_COOKIES_REJECTED);
        final long drainStart = System.nanoTime();
        final long drainDeadline = drainStart + TimeUnit.SECONDS.toNanos(HANDSHAKE_TIMEOUT_SECONDS + 3);
        while (System.nanoTime() < drainDeadline && (int)stack.call(s -> s.tcp().connectionsInUse()) > 0)
        {
            Thread.sleep(100);
        }
        final double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
        final int left = stack.call(s -> s.tcp().connectionsInUse());
        System.out.printf("SYN flood over AF_XDP: %,d spoofed SYNs sent; %d genuine connections echoed; connect"
            + " p50/p99 %s/%s ms during the flood, %s/%s ms without; cookies sent %,d, accepted %,d, rejected %,d;"
            + " passive opens %,d; SYN-RECEIVED timeouts %,d; table drained to %d in %.1f s%n", syns, CLIENTS,
            during.group(2), during.group(3), quiet.group(2), quiet.group(3), cookiesSent, cookiesAccepted,
            cookiesRejected, stack.total(StackCounter.TCP_PASSIVE_OPENS), stack.total(StackCounter.TCP_TIMEOUTS),
            left, drainSeconds);
        assertTrue(cookiesSent > 0, "synack sent no SYN cookie");
        assertTrue(cookiesAccepted > 0, "no genuine client came in by a cookie");
        assertEquals(0, stack.total(StackCounter.TCP_RESETS_SENT), "synack refused or reset something");
        assertEquals(0, left, "connections left after the flood's SYN-RECEIVED entries timed out");
        assertEquals(0, (int)stack.call(s -> s.tcp().connectionsIn(TcpState.SYN_RECEIVED)));
    }

    /** Runs {@value #CLIENTS} echoed connections from the kernel client and returns its matched report. */
    private static Matcher connects(final String when)
    {
        final Lab.Result client = Lab.exec(lab.inB(Lab.java(KernelPeer.class, "connects", SYNACK_IP,
            Integer.toString(PORT), Integer.toString(CLIENTS), Integer.toString(SIZE)).toArray(String[]::new)), 40);
        System.out.println(when + ": " + client.output());
        assertEquals(0, client.exitCode(), client.output());
        final Matcher m = CONNECTS.matcher(client.output());
        assertTrue(m.find(), client.output());
        return m;
    }

    private static String readAll(final BufferedReader in) throws IOException
    {
        final StringBuilder text = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine())
        {
            text.append(line).append('\n');
        }
        return text.toString();
    }
}
