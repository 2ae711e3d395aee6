package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.memwire.FaultPlan;
import dev.synack.stack.StackConfig;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.test.SpoofedSyns;
import dev.synack.test.StackPair;
import dev.synack.wire.MacAddress;

/**
 * Issue 9, finding 2: a spoofed SYN flood of 100,000 SYNs (1,000 a second for 100 s of manual-clock time, from random
 * addresses and ports, never answered) keeps server A's 128-entry backlog full, and 1,000 genuine clients on stack B
 * connect through it, one every 100 ms, each exchanging a few bytes. A answers the flood through its gateway, B,
 * which drops the SYN-ACKs as not its own.
 */
class SynFloodTest
{
    private static final int PORT = 80;
    private static final int CLIENTS = 1_000;
    private static final int SYNS_PER_CLIENT = 100;
    private static final long ROUND_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long STEP_NS = TimeUnit.MILLISECONDS.toNanos(10);

    @Test
    void aThousandClientsConnectThroughAHundredThousandSpoofedSyns()
    {
        final StackConfig server = StackPair.configA().gateway("198.18.0.2").maxConnections(2048)
            .sendBufferSize(4096).receiveBufferSize(4096).isnSecret(9);
        final StackConfig clients = StackPair.configB().maxConnections(2048).sendBufferSize(4096)
            .receiveBufferSize(4096).isnSecret(10);
        final StackPair pair = StackPair.resolved(server, clients, FaultPlan.none(), FaultPlan.none());
        pair.a.agent.tcp().listen(PORT, new dev.synack.workload.EchoServer());
        final SpoofedSyns flood = new SpoofedSyns(2, MacAddress.parse(StackPair.A_MAC),
            MacAddress.parse(StackPair.B_MAC), StackPair.A_IP, PORT);
        final Client[] genuine = new Client[CLIENTS];
        final long start = System.nanoTime();
        for (int i = 0; i < CLIENTS; i++)
        {
            flood.queue(pair.a.rx, SYNS_PER_CLIENT);
            genuine[i] = new Client(i);
            pair.b.agent.tcp().connect(StackPair.A_IP, PORT, genuine[i]);
            pair.advance(ROUND_NS, STEP_NS);
        }
        pair.advance(TimeUnit.SECONDS.toNanos(5), STEP_NS);
        final long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        int echoed = 0;
        int closed = 0;
        for (final Client c : genuine)
        {
            echoed += c.echoed ? 1 : 0;
            closed += c.closed != null ? 1 : 0;
        }
        final long sent = pair.a.counters.get(StackCounter.TCP_SYN_COOKIES_SENT);
        final long accepted = pair.a.counters.get(StackCounter.TCP_SYN_COOKIES_ACCEPTED);
        final long embryos = pair.a.counters.get(StackCounter.TCP_PASSIVE_OPENS) - accepted;
        System.out.printf("SYN flood: %,d spoofed SYNs, %,d clients echoed, %,d closed, in %,d ms; cookies sent %,d,"
            + " accepted %,d, rejected %,d; SYN-RECEIVED entries %,d (%,d timed out); SYN-ACKs dropped by B %,d%n",
            flood.sent, echoed, closed, elapsedMs, sent, accepted,
            pair.a.counters.get(StackCounter.TCP_SYN_COOKIES_REJECTED), embryos,
            pair.a.counters.get(StackCounter.TCP_TIMEOUTS), pair.b.counters.get(DropReason.IP_NOT_FOR_US));
        assertEquals(100_000, flood.sent);
        assertEquals(0, closed, "clients closed (refused, reset or timed out)");
        assertEquals(CLIENTS, echoed, "clients that connected and had their bytes echoed");
        assertEquals(CLIENTS, pair.a.counters.get(StackCounter.TCP_ESTABLISHED));
        // Every SYN was answered once, from an entry or with a cookie; none refused, none reset.
        assertEquals(flood.sent + CLIENTS, sent + embryos);
        assertTrue(sent > 90_000, "cookies sent: " + sent);
        assertTrue(accepted > CLIENTS / 2, "clients that came in by a cookie: " + accepted);
        assertEquals(0, pair.a.counters.get(StackCounter.TCP_SYN_COOKIES_REJECTED));
        assertEquals(0, pair.a.counters.get(StackCounter.TCP_TABLE_FULL));
        assertEquals(0, pair.a.counters.get(StackCounter.TCP_RESETS_SENT));
        assertEquals(0, pair.b.counters.get(StackCounter.TCP_RESETS_RECEIVED));
    }

    /** Sends its number once connected, and checks it comes back. */
    private static final class Client implements TcpHandler
    {
        final int id;
        final UnsafeBuffer request = new UnsafeBuffer(new byte[8]);
        int received;
        boolean echoed;
        CloseReason closed;

        Client(final int id)
        {
            this.id = id;
            request.putLong(0, 0x5EED_0000_0000L + id);
        }

        @Override
        public void onOpen(final TcpConnection c)
        {
            assertEquals(8, c.send(request, 0, 8));
        }

        @Override
        public void onData(final TcpConnection c, final DirectBuffer buffer, final int offset, final int length)
        {
            for (int i = 0; i < length; i++)
            {
                assertEquals(request.getByte(received + i), buffer.getByte(offset + i), "client " + id);
            }
            received += length;
            echoed = received == 8;
        }

        @Override
        public void onClosed(final TcpConnection c, final CloseReason reason)
        {
            closed = reason;
        }
    }
}
