package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.synack.memwire.FaultPlan;
import dev.synack.stack.StackConfig;
import dev.synack.test.StackPair;
import dev.synack.workload.CycleWorkload;

/**
 * Connections closed in one burst leave TIME-WAIT together 2MSL later (RFC 9293 §3.10.8). Ending them is bounded per
 * duty cycle, so a million closed at once cannot hold the stack thread away from its rx ring for the whole of it.
 */
class TimeWaitBurstTest
{
    private static final int CONNECTIONS = 3_000;

    @Test
    void aBurstOfTimeWaitsEndsOverSeveralDutyCyclesAtMostABatchEach()
    {
        final StackConfig a = StackPair.configA().maxConnections(4096).sendBufferSize(1024).receiveBufferSize(1024);
        final StackConfig b = StackPair.configB().maxConnections(4096).sendBufferSize(1024).receiveBufferSize(1024)
            .listenBacklog(4096);
        final StackPair pair = StackPair.resolved(a, b, FaultPlan.none(), FaultPlan.none());
        final CycleWorkload cycles = new CycleWorkload(pair.a.agent.tcp(), pair.b.agent.tcp(), StackPair.B_IP, 80);
        assertEquals(CONNECTIONS, cycles.topUp(CONNECTIONS));
        pair.settle();
        final TcpEngine client = pair.a.agent.tcp();
        assertEquals(CONNECTIONS, cycles.cycles(), "every server end closed");
        assertEquals(CONNECTIONS, client.connectionsIn(TcpState.TIME_WAIT));

        pair.clock.advanceNs(2 * a.mslNs());
        final long now = pair.clock.nanoTime();
        assertEquals(TcpTimers.TIME_WAIT_EXPIRIES_PER_POLL, client.poll(now));
        assertEquals(CONNECTIONS - TcpTimers.TIME_WAIT_EXPIRIES_PER_POLL, client.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(TcpTimers.TIME_WAIT_EXPIRIES_PER_POLL, client.poll(now));
        assertEquals(CONNECTIONS - 2 * TcpTimers.TIME_WAIT_EXPIRIES_PER_POLL,
            client.connectionsIn(TcpState.TIME_WAIT));
        pair.settle();
        assertEquals(0, client.connectionsInUse(), "the rest end on the next duty cycles");
        assertEquals(0, client.timeWaitQueued());
    }
}
