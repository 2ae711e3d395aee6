package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.stat.DropReason;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;

/**
 * The states after the peer's FIN (CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT), segment by segment: RFC 9293
 * §3.10.7.4 steps seven and eight ignore further text and FINs there, so RCV.NXT and the place of the peer's FIN
 * never move again and the application never sees a byte past it.
 */
class ClosingStatesTest
{
    private static final int X = 7_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private final TcpEngine tcp = peer.stack.agent.tcp();

    /** ESTABLISHED by a passive open; returns Y, our ISS. */
    private int established()
    {
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        return y;
    }

    /** The peer's FIN at X + 1 takes us to CLOSE-WAIT: RCV.NXT = X + 2, the FIN at X + 1. */
    private int closeWait()
    {
        final int y = established();
        // <-- <SEQ=X+1><ACK=Y+1><CTL=FIN,ACK>   --> <SEQ=Y+1><ACK=X+2><CTL=ACK>   CLOSE-WAIT
        peer.send(seg().fin().ack(y + 1).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 1));
        assertEquals(TcpState.CLOSE_WAIT, app.last.state());
        assertEquals(X + 2, app.last.rcvNxt());
        assertEquals(X + 1, app.last.peerFinSeq);
        return y;
    }

    @Test
    void aSecondBareFinInCloseWaitIsIgnoredAndNeverAcked()
    {
        final int y = closeWait();
        final TcpConnection c = app.last;
        // <-- <SEQ=X+2><ACK=Y+1><CTL=FIN,ACK>: a FIN at RCV.NXT, after the FIN at X+1 — no sequence number to ACK.
        peer.send(seg().fin().ack(y + 1).seq(X + 2)).expectNothing();
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        assertEquals(X + 2, c.rcvNxt(), "RCV.NXT stays one past the first FIN");
        assertEquals(X + 1, c.peerFinSeq);
        assertEquals(1, peer.stack.counters.get(DropReason.TCP_AFTER_FIN));
        // CLOSE: --> <SEQ=Y+1><ACK=X+2><CTL=FIN,ACK> (not X+3, a number the peer never used)   LAST-ACK
        c.close();
        peer.expect(seg().fin().ack(X + 2).seq(y + 1));
        assertEquals(TcpState.LAST_ACK, c.state());
        peer.send(seg().ack(y + 2).seq(X + 2)).expectNothing();
        assertEquals(List.of("open", "peerClosed", "closed NORMAL"), app.events);
        assertEquals(0, tcp.connectionsInUse());
    }

    @Test
    void textAndFinBeyondRcvNxtInCloseWaitNeverReachTheApplication()
    {
        final int y = established();
        final TcpConnection c = app.last;
        // <-- <SEQ=X+1><ACK=Y+1><CTL=ACK><DATA=5>, then <SEQ=X+6><CTL=FIN,ACK>: CLOSE-WAIT, RCV.NXT = X+7.
        peer.send(seg().ack(y + 1).seq(X + 1).data("hello".getBytes()));
        peer.send(seg().fin().ack(y + 1).seq(X + 6)).expect(seg().ack(X + 7).seq(y + 1));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        assertEquals("hello", app.data.toString());
        // <-- <SEQ=X+7><DATA=5>: text at RCV.NXT after the FIN — ignored.
        peer.send(seg().ack(y + 1).seq(X + 7).data("world".getBytes())).expectNothing();
        // <-- <SEQ=X+27><DATA=10><CTL=FIN,ACK>: text and a FIN beyond RCV.NXT (in the window) — ignored too.
        peer.send(seg().fin().ack(y + 1).seq(X + 27).data(new byte[10])).expectNothing();
        assertEquals(X + 7, c.rcvNxt());
        assertEquals(X + 6, c.peerFinSeq, "the FIN's place stays where the first FIN put it");
        assertEquals(2, peer.stack.counters.get(DropReason.TCP_AFTER_FIN));
        // CLOSE, LAST-ACK, the peer ACKs our FIN: the application got exactly "hello", no stale ring bytes.
        c.close();
        peer.expect(seg().fin().ack(X + 7).seq(y + 1));
        peer.send(seg().ack(y + 2).seq(X + 7)).expectNothing();
        assertEquals("hello", app.data.toString());
        assertEquals(List.of("open", "data 5", "peerClosed", "closed NORMAL"), app.events);
    }

    @Test
    void aFinInLastAckIsIgnoredAndTheRetransmittedFinStillAcksTheFirst()
    {
        final int y = closeWait();
        final TcpConnection c = app.last;
        c.close();
        // --> <SEQ=Y+1><ACK=X+2><CTL=FIN,ACK>   LAST-ACK; the ACK of it is lost.
        peer.expect(seg().fin().ack(X + 2).seq(y + 1));
        // <-- <SEQ=X+2><ACK=Y+1><CTL=FIN,ACK>: a second FIN, at RCV.NXT.
        peer.send(seg().fin().ack(y + 1).seq(X + 2)).expectNothing();
        assertEquals(TcpState.LAST_ACK, c.state());
        assertEquals(X + 2, c.rcvNxt());
        // RTO (the 200 ms minimum: the handshake took no time): --> the FIN again, still ACKing the first FIN only.
        peer.advanceMs(201);
        peer.expect(seg().fin().ack(X + 2).seq(y + 1));
        peer.send(seg().ack(y + 2).seq(X + 2)).expectNothing();
        assertEquals(CloseReason.NORMAL, app.closeReason);
        assertEquals(1, peer.stack.counters.get(DropReason.TCP_AFTER_FIN));
    }

    @Test
    void textAndFinInClosingAreIgnored()
    {
        final int y = established();
        final TcpConnection c = app.last;
        c.close();
        // --> <SEQ=Y+1><ACK=X+1><CTL=FIN,ACK>   FIN-WAIT-1
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        // <-- <SEQ=X+1><ACK=Y+1><CTL=FIN,ACK> crosses ours: CLOSING, --> <SEQ=Y+2><ACK=X+2><CTL=ACK>
        peer.send(seg().fin().ack(y + 1).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        assertEquals(TcpState.CLOSING, c.state());
        // <-- <SEQ=X+2><ACK=Y+1><DATA=4><CTL=FIN,ACK>: text and FIN after the FIN, ignored.
        peer.send(seg().fin().ack(y + 1).seq(X + 2).data("late".getBytes())).expectNothing();
        assertEquals(TcpState.CLOSING, c.state());
        assertEquals(X + 2, c.rcvNxt());
        assertEquals(X + 1, c.peerFinSeq);
        // <-- <SEQ=X+2><ACK=Y+2><CTL=ACK>: our FIN acknowledged, TIME-WAIT.
        peer.send(seg().ack(y + 2).seq(X + 2)).expectNothing();
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(app.handle));
        assertEquals("", app.data.toString());
        assertEquals(1, peer.stack.counters.get(DropReason.TCP_AFTER_FIN));
    }

    @Test
    void aNewFinInTimeWaitIsIgnored()
    {
        final int y = established();
        final TcpConnection c = app.last;
        c.close();
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        // <-- <SEQ=X+1><ACK=Y+2><CTL=FIN,ACK>: TIME-WAIT, --> <SEQ=Y+2><ACK=X+2><CTL=ACK>
        peer.send(seg().fin().ack(y + 2).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(app.handle));
        // <-- <SEQ=X+2><ACK=Y+2><CTL=FIN,ACK>: not the FIN retransmitted (that one is X+1), a second one.
        peer.send(seg().fin().ack(y + 2).seq(X + 2)).expectNothing();
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(app.handle));
        final TimeWaitTable records = tcp.timeWaitTable();
        assertEquals(X + 2, records.rcvNxt(records.findHandle(app.handle)));
        assertEquals(1, peer.stack.counters.get(DropReason.TCP_AFTER_FIN));
    }

    @Test
    void rstInLastAckTellsTheApplicationTheConnectionWasReset()
    {
        final int y = closeWait();
        final TcpConnection c = app.last;
        final long handle = app.handle;
        c.close();
        // --> <SEQ=Y+1><ACK=X+2><CTL=FIN,ACK>   LAST-ACK
        peer.expect(seg().fin().ack(X + 2).seq(y + 1));
        assertEquals(TcpState.LAST_ACK, c.state());
        // <-- <SEQ=X+2><CTL=RST>: RFC 9293 §3.10.7.4 second step — CLOSED, delete the TCB, and the user hears of it.
        peer.send(seg().rst().seq(X + 2)).expectNothing();
        assertEquals(List.of("open", "peerClosed", "closed RESET"), app.events);
        assertEquals(TcpState.CLOSED, tcp.stateOf(handle));
        assertEquals(0, tcp.connectionsInUse());
    }

    @Test
    void rstInClosingTellsTheApplicationTheConnectionWasReset()
    {
        final int y = established();
        final TcpConnection c = app.last;
        final long handle = app.handle;
        c.close();
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        // <-- <SEQ=X+1><ACK=Y+1><CTL=FIN,ACK>: CLOSING, --> <SEQ=Y+2><ACK=X+2><CTL=ACK>
        peer.send(seg().fin().ack(y + 1).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        assertEquals(TcpState.CLOSING, c.state());
        // <-- <SEQ=X+2><CTL=RST>: CLOSED; onClosed(RESET), so a channel handle on it is released.
        peer.send(seg().rst().seq(X + 2)).expectNothing();
        assertEquals(List.of("open", "peerClosed", "closed RESET"), app.events);
        assertEquals(TcpState.CLOSED, tcp.stateOf(handle));
        assertEquals(0, tcp.connectionsInUse());
    }
}
