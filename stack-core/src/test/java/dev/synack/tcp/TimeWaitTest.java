package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * TIME-WAIT (RFC 9293 §3.6.1) under what a peer can send into it: retransmitted FINs restart the 2MSL of the one
 * record a connection has, so a FIN storm from one peer cannot crowd the others out of TIME-WAIT. A connection in
 * TIME-WAIT has left its slot for a {@link TimeWaitTable} record; its handle still names it through
 * {@link TcpEngine#stateOf}.
 */
class TimeWaitTest
{
    private static final int X = 9_000;

    private final RawPeer peer = new RawPeer(RawPeer.config().maxConnections(4)); // a TIME-WAIT queue of 8 entries
    private final TcpEngine tcp = peer.stack.agent.tcp();

    /** Our ISS in the last {@link #cycleIntoTimeWait}. */
    private int lastIss;
    /** Our port in the last {@link #cycleIntoTimeWait}. */
    private int lastPort;

    /** Connects from our side to {@code port}, closes first and ends in TIME-WAIT; returns the connection's handle. */
    private long cycleIntoTimeWait(final int port)
    {
        final long handle = tcp.connect(RawPeer.PEER_IP, port, new RecordingHandler());
        assertTrue(handle >= 0, "connect refused");
        peer.peerPort = port;
        final Seg syn = peer.expect(seg().syn());
        peer.stackPort = syn.srcPort;
        final int y = syn.seq;
        // --> SYN  <-- <SEQ=X><ACK=Y+1><CTL=SYN,ACK>  --> <SEQ=Y+1><ACK=X+1><CTL=ACK>   ESTABLISHED
        peer.send(seg().syn().ack(y + 1).seq(X).mss(1460)).expect(seg().ack(X + 1).seq(y + 1));
        final TcpConnection c = tcp.connection(handle);
        c.close();
        // --> <SEQ=Y+1><ACK=X+1><CTL=FIN,ACK>   FIN-WAIT-1
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        // <-- <SEQ=X+1><ACK=Y+2><CTL=FIN,ACK>  --> <SEQ=Y+2><ACK=X+2><CTL=ACK>   TIME-WAIT
        peer.send(seg().fin().ack(y + 2).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(handle));
        assertEquals(TcpState.CLOSED, c.state(), "the slot is free: TIME-WAIT is a record of its own");
        lastIss = y;
        lastPort = peer.stackPort;
        return handle;
    }

    @Test
    void aFinStormIntoTimeWaitKeepsOneQueueEntryAndOthersStillGetTheirTimeWait()
    {
        final long firstHandle = cycleIntoTimeWait(5000);
        final int y = lastIss;
        assertEquals(1, tcp.timeWaitQueued());
        // The peer retransmits its FIN 100 times, 10 ms apart: each is ACKed again and restarts 2MSL (§3.6.1), and
        // each restart moves the connection's one entry instead of appending another.
        for (int i = 0; i < 100; i++)
        {
            peer.advanceMs(10);
            peer.send(seg().fin().ack(y + 2).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
            assertEquals(1, tcp.timeWaitQueued(), "after FIN " + (i + 1));
        }
        // Another connection closes into TIME-WAIT now: it gets its 2MSL, the queue is not full.
        final long secondHandle = cycleIntoTimeWait(5001);
        assertEquals(2, tcp.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(2, tcp.timeWaitQueued());
        // 2MSL (60 s) after the last FIN: both held up to it; the first's original deadline no longer applies.
        peer.advanceSeconds(59);
        peer.advanceMs(990);
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(firstHandle));
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(secondHandle));
        peer.advanceMs(20);
        assertEquals(TcpState.CLOSED, tcp.stateOf(firstHandle), "2MSL after the last retransmitted FIN");
        assertEquals(TcpState.CLOSED, tcp.stateOf(secondHandle));
        assertEquals(0, tcp.connectionsInUse());
        assertEquals(0, tcp.timeWaitQueued());
        assertEquals(0, tcp.timersScheduled());
    }

    @Test
    void aConnectionInTimeWaitLeavesItsSlotToTheNextConnection()
    {
        // The point of TIME-WAIT records: the slot (and its cache lines) is reused at once, while the 4-tuple is
        // still held for 2MSL.
        final long first = cycleIntoTimeWait(5000);
        final long next = tcp.connect(RawPeer.PEER_IP, 5001, new RecordingHandler());
        assertEquals((int)first, (int)next, "the same slot, a new generation");
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(first));
        assertEquals(TcpState.SYN_SENT, tcp.stateOf(next));
        assertEquals(2, tcp.connectionsInUse());
        assertEquals(1, tcp.connectionsIn(TcpState.TIME_WAIT));
        assertTrue(tcp.inTimeWait(RawPeer.PEER_IP, 5000, lastPort));
    }

    /** A passive open from the peer's port {@code port} that we close first, into TIME-WAIT; returns Y, our ISS. */
    private static int passiveIntoTimeWait(final RawPeer server, final RecordingHandler app, final int port,
        final boolean timestamps)
    {
        server.peerPort = port;
        final Seg syn = seg().syn().seq(X).mss(1460);
        final int y;
        if (timestamps)
        {
            server.stack.agent.tcp().listen(server.stackPort, app);
            final Seg synAck = server.send(syn.ts(100, 0)).expect(seg().syn().ack(X + 1));
            y = synAck.seq;
            server.send(seg().ack(y + 1).seq(X + 1).ts(101, synAck.tsVal)).expectNothing();
        }
        else
        {
            y = server.handshake(app, syn);
        }
        final TcpConnection c = app.last;
        c.close();
        // --> <SEQ=Y+1><ACK=X+1><CTL=FIN,ACK>  <-- <SEQ=X+1><ACK=Y+2><CTL=FIN,ACK>  --> <SEQ=Y+2><ACK=X+2><CTL=ACK>
        server.expect(seg().fin().ack(X + 1).seq(y + 1));
        final Seg fin = seg().fin().ack(y + 2).seq(X + 1);
        server.send(timestamps ? fin.ts(200, 0) : fin).expect(seg().ack(X + 2).seq(y + 2));
        final TcpEngine tcp = server.stack.agent.tcp();
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(app.handle));
        assertEquals(TcpState.CLOSED, c.state(), "the slot is free: TIME-WAIT is a record of its own");
        assertEquals(y + 2, tcp.timeWaitTable().sndNxt(tcp.timeWaitTable().findHandle(app.handle)));
        return y;
    }

    @Test
    void aSynAboveRcvNxtReopensTimeWaitWithIssAboveTheOldSndNxt()
    {
        final RawPeer server = new RawPeer(RawPeer.config());
        final RecordingHandler app = new RecordingHandler();
        final TcpEngine engine = server.stack.agent.tcp();
        final int y = passiveIntoTimeWait(server, app, 40000, false);
        // <-- <SEQ=X+100><CTL=SYN> from the same port: above RCV.NXT (X+2), so it reopens the 4-tuple (§3.6.1).
        // --> <SEQ=Y+2+65537><ACK=X+101><CTL=SYN,ACK>: the new ISS lies above the old SND.NXT, as Linux picks it.
        server.send(seg().syn().seq(X + 100).mss(1460)).expect(seg().syn().ack(X + 101).seq(y + 2 + 65537));
        assertEquals(0, engine.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(1, engine.connectionsIn(TcpState.SYN_RECEIVED));
        server.send(seg().ack(y + 2 + 65537 + 1).seq(X + 101)).expectNothing();
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        assertEquals(y + 2 + 65537, app.last.iss());
    }

    @Test
    void withTimestampsASynWithANewerTsValReopensTimeWaitWhateverItsSeq()
    {
        final RawPeer server = new RawPeer(RawPeer.config());
        final RecordingHandler app = new RecordingHandler();
        final TcpEngine engine = server.stack.agent.tcp();
        final int y = passiveIntoTimeWait(server, app, 40000, true);
        assertEquals(200, engine.timeWaitTable().tsRecent(engine.timeWaitTable().findHandle(app.handle)));
        // RFC 6191 §2: <SEQ=X-5000><CTL=SYN><TS=300,0> — below the old RCV.NXT, but TSval 300 > TS.Recent 200.
        server.send(seg().syn().seq(X - 5000).mss(1460).ts(300, 0))
            .expect(seg().syn().ack(X - 4999).seq(y + 2 + 65537));
        assertEquals(0, engine.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(1, engine.connectionsIn(TcpState.SYN_RECEIVED));
    }

    @Test
    void withTimestampsASynWithAnOlderTsValDoesNotReopenTimeWait()
    {
        final RawPeer server = new RawPeer(RawPeer.config());
        final RecordingHandler app = new RecordingHandler();
        final TcpEngine engine = server.stack.agent.tcp();
        passiveIntoTimeWait(server, app, 40000, true);
        // <SEQ=X+100><CTL=SYN><TS=150,0>: above RCV.NXT, but TSval 150 < TS.Recent 200 — an old duplicate (RFC 6191).
        server.send(seg().syn().seq(X + 100).mss(1460).ts(150, 0));
        assertEquals(1, engine.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(0, engine.connectionsIn(TcpState.SYN_RECEIVED));
    }

    @Test
    void withTimestampsASynWithTheSameTsValAboveRcvNxtReopensTimeWait()
    {
        final RawPeer server = new RawPeer(RawPeer.config());
        final RecordingHandler app = new RecordingHandler();
        final TcpEngine engine = server.stack.agent.tcp();
        final int y = passiveIntoTimeWait(server, app, 40000, true);
        // A Linux client reconnecting within the millisecond of its last segment: <SEQ=X+100><CTL=SYN><TS=200,0>.
        // TSval 200 = TS.Recent passes PAWS (RFC 7323 §5.3), so the SEQ above RCV.NXT decides (RFC 6191 §2, as
        // Linux's tcp_timewait_state_process): reopened, no challenge ACK, no RST and SYN retry from the client.
        server.send(seg().syn().seq(X + 100).mss(1460).ts(200, 0))
            .expect(seg().syn().ack(X + 101).seq(y + 2 + 65537));
        assertEquals(0, engine.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(1, engine.connectionsIn(TcpState.SYN_RECEIVED));
    }

    @Test
    void withTimestampsASynWithTheSameTsValAtOrBelowRcvNxtDoesNotReopenTimeWait()
    {
        final RawPeer server = new RawPeer(RawPeer.config());
        final RecordingHandler app = new RecordingHandler();
        final TcpEngine engine = server.stack.agent.tcp();
        passiveIntoTimeWait(server, app, 40000, true);
        // <SEQ=X+2><CTL=SYN><TS=200,0>: neither a newer TSval nor a SEQ above RCV.NXT (X+2): may be an old duplicate.
        server.send(seg().syn().seq(X + 2).mss(1460).ts(200, 0));
        assertEquals(1, engine.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(0, engine.connectionsIn(TcpState.SYN_RECEIVED));
    }

    @Test
    void recordsEndedEarlyLeaveTheRingToTheNextTimeWait()
    {
        // Eight TIME-WAITs ended early by the peer's RST leave their eight entries in the ring of 8 until 2MSL.
        for (int i = 0; i < 8; i++)
        {
            cycleIntoTimeWait(5000 + i);
            peer.send(seg().rst().seq(X + 2)).expectNothing();
            assertEquals(0, tcp.connectionsIn(TcpState.TIME_WAIT));
            assertEquals(0, peer.stack.counters.get(StackCounter.TCP_TIME_WAIT));
        }
        assertEquals(8, tcp.timeWaitQueued());
        // The ninth close finds the ring full of ended entries: the oldest goes, and the ninth gets its 2MSL.
        final long handle = cycleIntoTimeWait(5008);
        assertEquals(8, tcp.timeWaitQueued());
        assertEquals(1, tcp.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_TIME_WAIT), "the TIME-WAIT gauge");
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_TIME_WAIT_EVICTED));
        peer.advanceSeconds(59);
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(handle));
        peer.advanceSeconds(1);
        peer.advanceMs(5);
        assertEquals(TcpState.CLOSED, tcp.stateOf(handle));
        assertEquals(0, tcp.timeWaitQueued());
    }

    @Test
    void timeWaitIsKeptWhenTheListenerCannotTakeTheNewSyn()
    {
        final RawPeer server = new RawPeer(RawPeer.config().listenBacklog(1));
        final RecordingHandler app = new RecordingHandler();
        final TcpEngine engine = server.stack.agent.tcp();
        passiveIntoTimeWait(server, app, 40000, false);
        // Another client's SYN fills the backlog of one: SYN-RECEIVED.
        server.peerPort = 40001;
        server.send(seg().syn().seq(100).mss(1460)).expect(seg().syn().ack(101));
        // <-- the TIME-WAIT's peer reopens: the listener cannot take it, so the TIME-WAIT stays and nothing is sent.
        server.peerPort = 40000;
        server.send(seg().syn().seq(X + 100).mss(1460)).expectNothing();
        assertEquals(1, engine.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(1, engine.connectionsIn(TcpState.SYN_RECEIVED));
        assertEquals(1, server.stack.counters.get(StackCounter.TCP_TABLE_FULL));
    }

    @Test
    void ourTsValClockIsTheSameForEveryConnectionToOneHost()
    {
        // RFC 7323 §5.4 / RFC 6191: one offset per host pair, so a new incarnation never goes back in TSval.
        final long first = tcp.connect(RawPeer.PEER_IP, 6000, new RecordingHandler());
        final Seg syn1 = peer.expect(seg().syn());
        final long second = tcp.connect(RawPeer.PEER_IP, 6001, new RecordingHandler());
        final Seg syn2 = peer.expect(seg().syn());
        assertTrue(first >= 0 && second >= 0);
        assertEquals(syn1.tsVal, syn2.tsVal, "two SYNs to one host in the same millisecond carry one TSval");
        peer.advanceMs(5);
        final long third = tcp.connect(RawPeer.PEER_IP, 6002, new RecordingHandler());
        final Seg syn3 = peer.expect(seg().syn());
        assertTrue(third >= 0);
        assertTrue(syn3.tsVal - syn1.tsVal > 0, "and the clock only moves on: " + syn1 + " then " + syn3);
    }
}
