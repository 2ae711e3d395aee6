package dev.synack.interop;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.synack.embed.Synack;
import dev.synack.embed.SynackBuilder;
import dev.synack.embed.SynackStack;
import dev.synack.ip.Ipv4Address;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.tcp.TcpState;
import dev.synack.workload.EchoServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Root only: two synack stacks over AF_XDP on the two ends of one veth ({@code lab-net up --bare}): A =
 * 198.18.0.1 on dev_a, B = 198.18.0.2 on dev_b, B echoing on port 7. Connection cycles (connect, 64 B each
 * way, close) and keep-alive exchanges (64 B request/response on long-lived connections), every byte checked.
 * <p>
 * Counts: {@code -Dsynack.interop.cycles} (default 10,000) and {@code -Dsynack.interop.exchanges} (default
 * 1,000,000, the acceptance figure; about 20 s here). MSL is 100 ms, so A's TIME-WAITs (rate × 2MSL) stay
 * well inside the 8,192-slot table at the ~16k cycles/s a warm stack reaches.
 */
class TwoStacksTest
{
    private static final int CYCLES = Integer.getInteger("synack.interop.cycles", 10_000);
    private static final long EXCHANGES = Long.getLong("synack.interop.exchanges", 1_000_000);
    private static final int KEEP_ALIVE_CONNECTIONS = 8;

    private static Lab lab;
    private static SynackStack a;
    private static SynackStack b;
    private static EchoServer echo;

    @BeforeAll
    static void up()
    {
        Lab.assumePrivileged();
        lab = Lab.up("ts", true);
        echo = new EchoServer();
        b = builder("b", lab.devB(), lab.nsB(), lab.values.get("mac_b"), "198.18.0.2/24").start();
        b.listen(7, echo);
    }

    /** Both ends through the embedding API, as services would build them (issue 10). */
    private static SynackBuilder builder(final String name, final String dev, final String ns, final String mac,
        final String ip)
    {
        return Synack.builder().device(dev).namespace(ns).xdpMode(XdpMode.GENERIC).name(name).mac(mac).address(ip)
            .connections(8192).bufferBytes(4096, 4096)
            .tune(c -> c.msl(100, TimeUnit.MILLISECONDS).neighbourQueue(32));
    }

    @AfterAll
    static void down()
    {
        try
        {
            if (a != null)
            {
                a.close();
            }
        }
        finally
        {
            try
            {
                if (b != null)
                {
                    b.close();
                }
            }
            finally
            {
                if (lab != null)
                {
                    lab.close();
                }
            }
        }
    }

    private static SynackStack startA(final EchoClients[] holder, final int concurrency, final int connections,
        final long exchangesPerConnection)
    {
        final org.agrona.concurrent.Agent lazy = new org.agrona.concurrent.Agent()
        {
            @Override
            public int doWork()
            {
                return holder[0] == null ? 0 : holder[0].doWork();
            }

            @Override
            public String roleName()
            {
                return "workload";
            }
        };
        final SynackStack stack = builder("a", lab.devA(), lab.nsA(), lab.values.get("mac_a"), "198.18.0.1/24")
            .agent(counters -> lazy).start();
        stack.call(s -> holder[0] = new EchoClients(s.tcp(), Ipv4Address.parse("198.18.0.2"), 7,
            concurrency, connections, exchangesPerConnection, 64));
        return stack;
    }

    @Test
    void connectionCyclesAndKeepAliveExchangesBetweenTwoSynackStacks() throws Exception
    {
        // connection cycles: connect, 64 B each way, close (A closes first, so A holds TIME-WAIT)
        final EchoClients[] cycles = new EchoClients[1];
        a = startA(cycles, 32, CYCLES, 1);
        long start = System.nanoTime();
        waitFor(() -> cycles[0] != null && (cycles[0].done() || cycles[0].firstFailure != null), 150);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertNull(cycles[0].firstFailure, () -> "A: " + states(a) + "; B: " + states(b));
        assertEquals(CYCLES, cycles[0].completed);
        System.out.printf("two synack stacks: %,d connection cycles in %.2f s (%,.0f connections/s)%n",
            CYCLES, seconds, CYCLES / seconds);
        System.out.println("A counters after the cycles:\n" + a.counters().appendNonZero(new StringBuilder()));
        waitFor(() -> a.call(s -> s.tcp().connectionsInUse()) == 0, 5);
        assertEquals(0, (int)a.call(s -> s.tcp().connectionsInUse()), "TIME-WAITs expired, table empty");
        a.close();
        a = null;

        // keep-alive exchanges: 64 B request/response on a few long-lived connections
        final EchoClients[] keepAlive = new EchoClients[1];
        final long perConnection = EXCHANGES / KEEP_ALIVE_CONNECTIONS;
        a = startA(keepAlive, KEEP_ALIVE_CONNECTIONS, KEEP_ALIVE_CONNECTIONS, perConnection);
        start = System.nanoTime();
        waitFor(() -> keepAlive[0] != null && (keepAlive[0].done() || keepAlive[0].firstFailure != null), 600);
        seconds = (System.nanoTime() - start) / 1e9;
        assertNull(keepAlive[0].firstFailure);
        assertEquals(KEEP_ALIVE_CONNECTIONS, keepAlive[0].completed);
        assertEquals(perConnection * KEEP_ALIVE_CONNECTIONS, keepAlive[0].exchanges);
        System.out.printf("two synack stacks: %,d keep-alive exchanges of 64 B on %d connections in %.2f s " +
            "(%,.0f exchanges/s)%n", keepAlive[0].exchanges, KEEP_ALIVE_CONNECTIONS, seconds,
            keepAlive[0].exchanges / seconds);
        System.out.println("A counters:\n" + a.counters().appendNonZero(new StringBuilder()));
        System.out.println("B counters:\n" + b.counters().appendNonZero(new StringBuilder()));
        assertEquals(0, (int)b.call(s -> s.tcp().connectionsIn(TcpState.ESTABLISHED)));
    }

    /** @return the stack's connections per state, for failure messages. */
    private static String states(final SynackStack stack)
    {
        return stack.call(s ->
        {
            final StringBuilder out = new StringBuilder();
            for (final TcpState state : TcpState.values())
            {
                final int n = s.tcp().connectionsIn(state);
                if (n > 0)
                {
                    out.append(state).append(' ').append(n).append(' ');
                }
            }
            return out.append("(TIME-WAIT queue ").append(s.tcp().timeWaitQueued()).append(')').toString();
        });
    }

    private static void waitFor(final BooleanSupplier condition, final int seconds) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean() && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), "not done within " + seconds + " s");
    }
}
