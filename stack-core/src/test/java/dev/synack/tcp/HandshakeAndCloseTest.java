package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * RFC 9293 §3.5 figure 7 (the three-way handshake) and §3.6 figure 12 (the normal close), from each side,
 * with the peer played segment by segment and both ends' states asserted at every step.
 */
class HandshakeAndCloseTest
{
    private static final int X = 1_000;
    private static final long TWO_MSL_MS = 60_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private final TcpEngine tcp = peer.stack.agent.tcp();

    /** Passive open; returns Y, the stack's ISS. */
    private int passiveOpen()
    {
        tcp.listen(80, app);
        // TCP A (peer) SYN-SENT --> <SEQ=100><CTL=SYN> --> SYN-RECEIVED
        final Seg synAck = peer.send(seg().syn().seq(X).win(65535).mss(1460))
            .expect(seg().syn().ack(X + 1).mss(1460).win(65535));
        assertEquals(1, tcp.connectionsIn(TcpState.SYN_RECEIVED));
        final int y = synAck.seq;
        // ESTABLISHED --> <SEQ=101><ACK=301><CTL=ACK> --> ESTABLISHED
        peer.send(seg().ack(y + 1).seq(X + 1).win(65535)).expectNothing();
        assertEquals(List.of("open"), app.events);
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        assertEquals(X + 1, app.last.rcvNxt());
        assertEquals(y + 1, app.last.sndUna());
        assertEquals(y + 1, app.last.sndNxt());
        return y;
    }

    @Test
    void passiveOpenThenPeerClosesFirst()
    {
        final int y = passiveOpen();
        final TcpConnection c = app.last;
        // Peer's FIN: we ACK it and enter CLOSE-WAIT; the application hears onPeerClosed.
        peer.send(seg().fin().ack(y + 1).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 1));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        assertEquals("peerClosed", app.events.get(app.events.size() - 1));
        // CLOSE in CLOSE-WAIT: <SEQ=Y+1><ACK=X+2><CTL=FIN,ACK>, LAST-ACK.
        c.close();
        peer.expect(seg().fin().ack(X + 2).seq(y + 1));
        assertEquals(TcpState.LAST_ACK, c.state());
        // The ACK of our FIN ends it: CLOSED, no TIME-WAIT on the passive closer.
        peer.send(seg().ack(y + 2).seq(X + 2)).expectNothing();
        assertEquals(CloseReason.NORMAL, app.closeReason);
        assertEquals(0, tcp.connectionsInUse());
        assertEquals(TcpState.CLOSED, tcp.stateOf(app.handle));
    }

    @Test
    void passiveOpenThenWeCloseFirstAndHoldTimeWaitFor2Msl()
    {
        final int y = passiveOpen();
        final TcpConnection c = app.last;
        c.close();
        // FIN-WAIT-1 --> <SEQ=Y+1><ACK=X+1><CTL=FIN,ACK>
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        assertEquals(TcpState.FIN_WAIT_1, c.state());
        // <-- <SEQ=X+1><ACK=Y+2><CTL=ACK> : FIN-WAIT-2
        peer.send(seg().ack(y + 2).seq(X + 1)).expectNothing();
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        // <-- <SEQ=X+1><ACK=Y+2><CTL=FIN,ACK> : TIME-WAIT, --> <SEQ=Y+2><ACK=X+2><CTL=ACK>
        peer.send(seg().fin().ack(y + 2).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(app.handle));
        assertEquals(TcpState.CLOSED, c.state(), "the slot is free: TIME-WAIT is a record of its own");
        assertEquals(List.of("open", "peerClosed", "closed NORMAL"), app.events);
        assertEquals(1, tcp.connectionsIn(TcpState.TIME_WAIT));
        // 2MSL holds the 4-tuple; a tick before it expires the slot is still taken.
        peer.advanceSeconds(59);
        peer.advanceMs(999);
        assertEquals(1, tcp.connectionsIn(TcpState.TIME_WAIT));
        peer.advanceMs(1);
        assertEquals(0, tcp.connectionsInUse());
        peer.expectNothing();
    }

    @Test
    void retransmittedFinInTimeWaitIsAckedAndRestarts2Msl()
    {
        final int y = passiveOpen();
        app.last.close();
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        peer.send(seg().fin().ack(y + 2).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        assertEquals(1, tcp.connectionsIn(TcpState.TIME_WAIT)); // simultaneous-looking: FIN+ACK of our FIN
        peer.advanceSeconds(30);
        // RFC 9293 §3.6.1: the peer lost our ACK and retransmits its FIN: ACK again, restart 2MSL.
        peer.send(seg().fin().ack(y + 2).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        peer.advanceSeconds(30);
        peer.advanceMs(10);
        assertEquals(1, tcp.connectionsIn(TcpState.TIME_WAIT), "the original deadline no longer applies");
        peer.advanceSeconds(29);
        peer.advanceMs(980);
        assertEquals(1, tcp.connectionsIn(TcpState.TIME_WAIT));
        peer.advanceMs(20);
        assertEquals(0, tcp.connectionsInUse(), "2MSL after the retransmitted FIN the slot is free");
    }

    @Test
    void activeOpenAndActiveClose()
    {
        final long handle = tcp.connect(RawPeer.PEER_IP, 5000, app);
        final TcpConnection c = tcp.connection(handle);
        assertEquals(TcpState.SYN_SENT, c.state());
        // --> <SEQ=Y><CTL=SYN> with our MSS and window scale
        final Seg syn = peer.expect(seg().syn().mss(1460));
        assertEquals(1, syn.windowScale);
        final int y = syn.seq;
        peer.peerPort = 5000;
        peer.stackPort = syn.srcPort;
        // <-- <SEQ=X><ACK=Y+1><CTL=SYN,ACK>; --> <SEQ=Y+1><ACK=X+1><CTL=ACK>
        peer.send(seg().syn().ack(y + 1).seq(X).mss(1460)).expect(seg().ack(X + 1).seq(y + 1));
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(List.of("open"), app.events);
        c.close();
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        peer.send(seg().ack(y + 2).seq(X + 1));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        peer.send(seg().fin().ack(y + 2).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(handle));
        peer.advanceSeconds(61);
        assertEquals(TcpState.CLOSED, tcp.stateOf(handle));
    }

    @Test
    void dataBothWaysWithWindowsOnTheWire()
    {
        final int y = passiveOpen();
        final TcpConnection c = app.last;
        peer.send(seg().ack(y + 1).seq(X + 1).psh().data("hello".getBytes()));
        assertEquals("hello", app.data.toString());
        // One small segment: the ACK is delayed (at most 40 ms here), then sent with the window.
        peer.expectNothing();
        peer.advanceMs(41);
        peer.expect(seg().ack(X + 6).seq(y + 1).win(65535));
        final byte[] reply = "world!".getBytes();
        assertEquals(6, c.send(new org.agrona.concurrent.UnsafeBuffer(reply), 0, 6));
        final Seg data = peer.expect(seg().ack(X + 6).seq(y + 1).len(6));
        assertEquals("world!", new String(data.payload));
        peer.send(seg().ack(y + 7).seq(X + 6));
        assertEquals(y + 7, c.sndUna());
    }
}
