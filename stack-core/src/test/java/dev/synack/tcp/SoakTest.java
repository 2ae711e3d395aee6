package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.synack.memwire.FaultPlan;
import dev.synack.stat.StackCounter;
import dev.synack.test.StackPair;

/**
 * The soak of the TCP engine issue: 10,000 echo connections (1 B – 256 KiB, log-uniform) over a wire with
 * 5% loss, 2% duplication and 2% reordering in both directions. Every byte comes back once and in order,
 * every connection ends CLOSED on both sides after 2MSL, and table, timers and buffers are empty again.
 */
class SoakTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void tenThousandEchoConnectionsUnderLossDuplicationAndReordering()
    {
        soak(0x5EEDL, Integer.getInteger("synack.soak.connections", 10_000));
    }

    @Test
    void aSecondRandomSeed()
    {
        final long seed = System.nanoTime();
        soak(seed, Integer.getInteger("synack.soak.connections", 10_000) / 10);
    }

    private static void soak(final long seed, final int connections)
    {
        final FaultPlan aToB = new FaultPlan(seed).loss(0.05).duplicate(0.02).reorder(0.02);
        final FaultPlan bToA = new FaultPlan(seed * 31 + 7).loss(0.05).duplicate(0.02).reorder(0.02);
        final StackPair pair = StackPair.resolved(
            StackPair.configA().maxConnections(2048).msl(100, TimeUnit.MILLISECONDS),
            StackPair.configB().maxConnections(2048).msl(100, TimeUnit.MILLISECONDS), aToB, bToA);
        final EchoWorkload work = new EchoWorkload(pair, 128, connections, 256 * 1024, seed);
        final String context = "seed " + seed + " (rerun with this seed to reproduce)";
        long steps = 0;
        while (!work.done())
        {
            work.topUp();
            pair.advance(MS, MS);
            if (++steps > 50_000_000L)
            {
                throw new AssertionError("soak did not finish: " + work.completed + " done, " + context);
            }
        }
        assertEquals(0, work.failures, work.firstFailure + "; " + context);
        assertEquals(connections, work.completed, context);
        // 2MSL later both tables, all timers and every buffer slot are empty again — once the last FIN
        // retransmission has met the peer's RST: a LAST-ACK whose ACKs were all lost waits out its backed-off
        // RTO (seen: 8 s on this seed). The clock is manual, so two minutes of it cost nothing.
        pair.advance(TimeUnit.SECONDS.toNanos(3), 10 * MS);
        for (int s = 3; s < 120 && pair.a.agent.tcp().connectionsInUse() + pair.b.agent.tcp().connectionsInUse() > 0;
            s++)
        {
            pair.advance(TimeUnit.SECONDS.toNanos(1), 10 * MS);
        }
        assertEquals(0, pair.a.agent.tcp().connectionsInUse(), context);
        assertEquals(0, pair.b.agent.tcp().connectionsInUse(), context);
        assertEquals(0, pair.a.agent.tcp().timersScheduled(), context);
        assertEquals(0, pair.b.agent.tcp().timersScheduled(), context);
        for (final TcpState s : TcpState.values())
        {
            if (s != TcpState.CLOSED)
            {
                assertEquals(0, pair.a.agent.tcp().connectionsIn(s), s + " " + context);
                assertEquals(0, pair.b.agent.tcp().connectionsIn(s), s + " " + context);
            }
        }
        // Counters balance: every open was closed, nothing is left in TIME-WAIT.
        assertEquals(connections, pair.a.counters.get(StackCounter.TCP_ACTIVE_OPENS), context);
        assertEquals(pair.a.counters.get(StackCounter.TCP_ACTIVE_OPENS), pair.a.counters.get(StackCounter.TCP_CLOSED));
        assertEquals(pair.b.counters.get(StackCounter.TCP_PASSIVE_OPENS), pair.b.counters.get(StackCounter.TCP_CLOSED));
        assertEquals(0, pair.a.counters.get(StackCounter.TCP_CONNECTIONS));
        assertEquals(0, pair.b.counters.get(StackCounter.TCP_TIME_WAIT));
        System.out.printf("soak %s: %d connections, %,d bytes echoed, %,d + %,d retransmits, wire %d/%d frames%n",
            context, connections, work.bytesEchoed, pair.a.counters.get(StackCounter.TCP_RETRANSMITS),
            pair.b.counters.get(StackCounter.TCP_RETRANSMITS), pair.wire.framesAToB(), pair.wire.framesBToA());
    }
}
