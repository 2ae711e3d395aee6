package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.synack.api.CloseReason;
import dev.synack.memwire.FaultPlan;
import dev.synack.stat.StackCounter;
import dev.synack.test.RecordingHandler;
import dev.synack.test.StackPair;

/**
 * Loss of each handshake segment and each close segment between two synack stacks: retransmission
 * recovers, both ends end CLOSED, and a lost final ACK makes the peer retransmit its FIN, which TIME-WAIT
 * answers and which restarts the 2MSL timer.
 * <p>
 * Frames per direction (static neighbours, so no ARP): A→B 1 SYN, 2 ACK, 3 FIN, 4 last ACK;
 * B→A 1 SYN-ACK, 2 ACK of A's FIN, 3 B's FIN.
 */
class LossRecoveryTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long TWO_MSL = TimeUnit.SECONDS.toNanos(60);

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "AtoB, 1, SYN lost",
        "BtoA, 1, SYN-ACK lost",
        "AtoB, 2, third ACK of the handshake lost",
        "AtoB, 3, first FIN lost",
        "BtoA, 2, ACK of the first FIN lost",
        "BtoA, 3, second FIN lost",
        "AtoB, 4, last ACK lost"})
    void retransmissionRecovers(final String direction, final int frame, final String what)
    {
        final FaultPlan aToB = direction.equals("AtoB") ? FaultPlan.none().dropFrame(frame) : FaultPlan.none();
        final FaultPlan bToA = direction.equals("BtoA") ? FaultPlan.none().dropFrame(frame) : FaultPlan.none();
        final StackPair pair = StackPair.resolved(StackPair.configA(), StackPair.configB(), aToB, bToA);
        final List<String> wire = new ArrayList<>();
        pair.wire.tap((fromA, index, fate, buffer, offset, length) ->
            wire.add((fromA ? "A>B " : "B>A ") + index + " " + fate));
        final RecordingHandler server = new RecordingHandler();
        final RecordingHandler client = new RecordingHandler();
        pair.b.agent.tcp().listen(80, server);
        final long h = pair.a.agent.tcp().connect(StackPair.B_IP, 80, client);
        pair.advance(5_000 * MS, MS);
        assertEquals(TcpState.ESTABLISHED, pair.a.agent.tcp().stateOf(h), wire.toString());
        assertEquals(TcpState.ESTABLISHED, server.last.state(), wire.toString());
        // Client closes first; the server closes once it has seen the FIN (four separate segments).
        pair.a.agent.tcp().connection(h).close();
        pair.advance(5_000 * MS, MS);
        assertEquals(TcpState.CLOSE_WAIT, server.last.state(), wire.toString());
        assertEquals(TcpState.FIN_WAIT_2, pair.a.agent.tcp().stateOf(h), wire.toString());
        server.last.close();
        final long closedAt = pair.clock.nanoTime();
        final boolean lastAckLost = what.equals("last ACK lost");
        pair.advance((lastAckLost ? 10 : 5_000) * MS, MS);
        assertEquals(TcpState.TIME_WAIT, pair.a.agent.tcp().stateOf(h), wire.toString());
        if (lastAckLost)
        {
            // B is still in LAST-ACK; its FIN retransmission (after its RTO) is re-ACKed from TIME-WAIT.
            assertEquals(TcpState.LAST_ACK, server.last.state());
            pair.advance(5_000 * MS, MS);
            assertEquals(CloseReason.NORMAL, server.closeReason, wire.toString());
            final TimeWaitTable records = pair.a.agent.tcp().timeWaitTable();
            final long restartedAt = records.deadline(records.findHandle(h)) - TWO_MSL;
            assertTrue(restartedAt > closedAt, "2MSL restarted at the retransmitted FIN");
            // At the original deadline the 4-tuple is still held; 2MSL after the restart it is free.
            pair.advance(closedAt + TWO_MSL + 5 * MS - pair.clock.nanoTime(), 100 * MS);
            assertEquals(TcpState.TIME_WAIT, pair.a.agent.tcp().stateOf(h));
            pair.advance(restartedAt + TWO_MSL + 5 * MS - pair.clock.nanoTime(), 100 * MS);
        }
        else
        {
            pair.advance(TWO_MSL + 5 * MS, 100 * MS);
        }
        assertEquals(List.of("open", "peerClosed", "closed NORMAL"), client.events);
        assertEquals(List.of("open", "peerClosed", "closed NORMAL"), server.events);
        assertEquals(0, pair.a.agent.tcp().connectionsInUse(), "A's slot is free after 2MSL");
        assertEquals(0, pair.b.agent.tcp().connectionsInUse());
        assertEquals(0, pair.a.agent.tcp().timersScheduled());
        assertEquals(0, pair.b.agent.tcp().timersScheduled());
        assertTrue(pair.a.counters.get(StackCounter.TCP_RETRANSMITS)
            + pair.b.counters.get(StackCounter.TCP_RETRANSMITS) >= 1, "recovered by retransmission: " + wire);
    }
}
