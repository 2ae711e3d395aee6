package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.synack.memwire.FaultPlan;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.test.StackPair;
import dev.synack.workload.EchoServer;

/**
 * Connections opened together fall idle together, and their keep-alive timers (RFC 9293 §3.8.4) come due together.
 * Running connection timers is bounded per duty cycle, as TIME-WAIT's end is: the burst is spread over polls, none
 * lost and none run twice.
 */
class TimerBurstTest
{
    private static final int CONNECTIONS = 3_000;
    private static final int PER_POLL = TcpTimers.CONNECTION_EXPIRIES_PER_POLL;

    @Test
    void aBurstOfKeepAliveTimersRunsOverSeveralDutyCyclesAtMostABatchEach()
    {
        final StackConfig a = StackPair.configA().maxConnections(4096).sendBufferSize(1024).receiveBufferSize(1024)
            .keepAlive(60, 10, 3, TimeUnit.SECONDS);
        final StackConfig b = StackPair.configB().maxConnections(4096).sendBufferSize(1024).receiveBufferSize(1024)
            .listenBacklog(4096);
        final StackPair pair = StackPair.resolved(a, b, FaultPlan.none(), FaultPlan.none());
        pair.b.agent.tcp().listen(80, new EchoServer());
        final TcpEngine client = pair.a.agent.tcp();
        for (int i = 0; i < CONNECTIONS; i++)
        {
            client.connect(StackPair.B_IP, 80, new EchoServer());
        }
        pair.settle();
        assertEquals(CONNECTIONS, client.connectionsIn(TcpState.ESTABLISHED));

        // Idle for 60 s: every connection's keep-alive is due at once.
        pair.clock.advanceNs(TimeUnit.SECONDS.toNanos(60));
        final long now = pair.clock.nanoTime();
        assertEquals(PER_POLL, client.poll(now));
        assertEquals(PER_POLL, probes(pair));
        assertEquals(PER_POLL, client.poll(now));
        assertEquals(2 * PER_POLL, probes(pair));
        pair.settle();
        assertEquals(CONNECTIONS, probes(pair), "the rest on the next duty cycles, each connection probed once");
        assertEquals(CONNECTIONS, client.connectionsIn(TcpState.ESTABLISHED), "every probe answered");
        assertEquals(0, client.poll(now), "nothing left due");
    }

    private static long probes(final StackPair pair)
    {
        return pair.a.counters.get(StackCounter.TCP_KEEPALIVE_PROBES);
    }
}
