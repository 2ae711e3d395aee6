package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;

/**
 * RFC 9293 §3.8.4 and RFC 1122 §4.2.3.6 keep-alives, segment by segment on the manual clock: off by default;
 * when on, a probe {@code <SEQ=SND.UNA-1><ACK=RCV.NXT><CTL=ACK>} after the idle time, answered probes and any
 * traffic restart the idle time, unanswered probes end the connection with a RST and TIMEOUT.
 */
class KeepAliveTest
{
    private static final int X = 9_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private final TcpEngine tcp = peer.stack.agent.tcp();

    private int established()
    {
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        return y;
    }

    @Test
    void offByDefaultAnIdleConnectionSendsNothingForAnHour()
    {
        established();
        peer.advanceSeconds(3600);
        peer.expectNothing();
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        assertEquals(0, tcp.timersScheduled(), "no timer at all for an idle connection without keep-alive");
    }

    @Test
    void anAnsweredProbeKeepsTheConnectionAndTheIdleTimeStartsAgain()
    {
        final int y = established();
        app.last.keepAlive(10, 1, 3, TimeUnit.SECONDS);
        peer.advanceMs(9_999);
        peer.expectNothing();
        peer.advanceMs(1);
        // The probe: one below SND.UNA, no data — outside the peer's window, so it must answer.
        peer.expect(seg().ack(X + 1).seq(y));
        peer.send(seg().ack(y + 1).seq(X + 1)).expectNothing();
        // Answered: the next probe only after another 10 s of silence.
        peer.advanceMs(9_999);
        peer.expectNothing();
        peer.advanceMs(1);
        peer.expect(seg().ack(X + 1).seq(y));
        assertEquals(2, peer.stack.counters.get(StackCounter.TCP_KEEPALIVE_PROBES));
        assertEquals(TcpState.ESTABLISHED, app.last.state());
    }

    @Test
    void trafficPostponesTheProbe()
    {
        final int y = established();
        app.last.keepAlive(10, 1, 3, TimeUnit.SECONDS);
        peer.advanceSeconds(6);
        peer.send(seg().ack(y + 1).seq(X + 1).data(new byte[10]));
        peer.advanceMs(40); // the delayed ACK of those 10 bytes
        peer.expect(seg().ack(X + 11).seq(y + 1));
        // 10 s after the data, not 10 s after the connection opened.
        peer.advanceMs(9_959);
        peer.expectNothing();
        peer.advanceMs(1);
        peer.expect(seg().ack(X + 11).seq(y));
    }

    @Test
    void threeUnansweredProbesResetTheConnectionAndTellTheApplication()
    {
        final int y = established();
        final long handle = app.last.handle();
        app.last.keepAlive(10, 1, 3, TimeUnit.SECONDS);
        peer.advanceSeconds(10);
        peer.expect(seg().ack(X + 1).seq(y));
        peer.advanceSeconds(1);
        peer.expect(seg().ack(X + 1).seq(y));
        peer.advanceSeconds(1);
        peer.expect(seg().ack(X + 1).seq(y));
        peer.expectNothing();
        // One interval after the third probe: <SEQ=SND.NXT><CTL=RST>, and the application hears TIMEOUT.
        peer.advanceSeconds(1);
        peer.expect(seg().rst().seq(y + 1));
        assertEquals(CloseReason.TIMEOUT, app.closeReason);
        assertEquals(TcpState.CLOSED, tcp.stateOf(handle));
        // Counted under its own reason, not as a retransmission timeout.
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_KEEPALIVE_TIMEOUTS));
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_TIMEOUTS));
        assertEquals(0, tcp.connectionsInUse());
    }

    @Test
    void aProbeFromThePeerIsAnsweredWithAnAck()
    {
        final int y = established();
        // The peer's probe: SEQ = RCV.NXT - 1, no data.
        peer.send(seg().ack(y + 1).seq(X)).expect(seg().ack(X + 1).seq(y + 1));
        assertEquals(TcpState.ESTABLISHED, app.last.state());
    }

    @Test
    void stackWideDefaultAppliesToEveryNewConnection()
    {
        final RawPeer withDefault = new RawPeer(RawPeer.config().keepAlive(30, 5, 2, TimeUnit.SECONDS));
        final RecordingHandler handler = new RecordingHandler();
        withDefault.stack.agent.tcp().listen(80, handler);
        final int y = withDefault.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1)).seq;
        withDefault.send(seg().ack(y + 1).seq(X + 1)).expectNothing();
        withDefault.advanceSeconds(30);
        withDefault.expect(seg().ack(X + 1).seq(y));
    }

    @Test
    void badArgumentsAreRefused()
    {
        established();
        assertThrows(IllegalArgumentException.class, () -> app.last.keepAlive(10, 0, 3, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> app.last.keepAlive(10, 1, 0, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> app.last.keepAlive(-1, 1, 1, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class,
            () -> RawPeer.config().keepAlive(10, 0, 3, TimeUnit.SECONDS).validate());
    }
}
