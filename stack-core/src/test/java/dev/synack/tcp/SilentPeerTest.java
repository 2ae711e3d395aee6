package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * A peer that goes silent cannot hold a slot for ever: unanswered zero-window probes give up after dataRetries
 * (Linux: tcp_retries2), FIN-WAIT-2 ends after finWait2Timeout (Linux: tcp_fin_timeout), keep-alive after its probes
 * — each counted under its own reason. A peer that answers keeps its connection, however long its window stays shut.
 */
class SilentPeerTest
{
    private static final int X = 13_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private final TcpEngine tcp = peer.stack.agent.tcp();

    /** ESTABLISHED; the peer's ACK then shuts its window: <SEQ=X+1><ACK=Y+1><WND=0>. Returns Y. */
    private int establishedWithAZeroWindow()
    {
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        peer.send(seg().ack(y + 1).seq(X + 1).win(0)).expectNothing();
        assertEquals(0, app.last.sndWnd());
        assertEquals(100, app.last.send(new UnsafeBuffer(new byte[100]), 0, 100));
        peer.expectNothing(); // nothing fits the window: the persist timer runs
        return y;
    }

    @Test
    void zeroWindowProbesThatGoUnansweredGiveUpAfterTheRetryLimit()
    {
        final int y = establishedWithAZeroWindow();
        final long handle = app.handle;
        // Probes back off up to the 60 s maximum RTO; the peer answers none. After the 15th goes unanswered
        // (tcp_retries2): --> <SEQ=SND.NXT><CTL=RST>, and the application hears TIMEOUT.
        int probes = 0;
        Seg last = null;
        for (int s = 0; s < 20 * 60 && tcp.connection(handle) != null; s++)
        {
            peer.advanceSeconds(1);
            for (final Seg sent : peer.drain())
            {
                last = sent;
                if ((sent.flags & TcpHeader.RST) == 0)
                {
                    probes++;
                }
            }
        }
        assertEquals(15, probes);
        assertTrue(last != null && (last.flags & TcpHeader.RST) != 0, "the last segment is the RST: " + last);
        assertEquals(CloseReason.TIMEOUT, app.closeReason);
        assertEquals(TcpState.CLOSED, tcp.stateOf(handle));
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_ZERO_WINDOW_TIMEOUTS));
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_TIMEOUTS));
        assertEquals(y + 1, (int)last.seq, "RST at SND.NXT: the probe's byte never counted as sent");
    }

    @Test
    void aPeerThatAnswersEveryProbeKeepsItsZeroWindowForAnHour()
    {
        final int y = establishedWithAZeroWindow();
        final long handle = app.handle;
        // An hour of manual-clock time: every probe is answered with <SEQ=X+1><ACK=Y+1><WND=0>.
        int probes = 0;
        for (int s = 0; s < 3600; s++)
        {
            peer.advanceSeconds(1);
            for (final Seg sent : peer.drain())
            {
                assertEquals(0, sent.flags & TcpHeader.RST, "never reset: " + sent);
                probes++;
                peer.send(seg().ack(y + 1).seq(X + 1).win(0));
            }
        }
        assertTrue(probes > 15, "more probes than the limit, all answered: " + probes);
        assertEquals(TcpState.ESTABLISHED, tcp.stateOf(handle));
        // The window opens: the 100 bytes go.
        peer.send(seg().ack(y + 1).seq(X + 1).win(65535));
        final List<Seg> sent = peer.drain();
        assertTrue(sent.stream().anyMatch(s -> s.payloadLength == 100), sent.toString());
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_ZERO_WINDOW_TIMEOUTS));
    }

    @Test
    void finWait2EndsAfterSixtySecondsOfSilence()
    {
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        final TcpConnection c = app.last;
        final long handle = app.handle;
        c.close();
        // --> <SEQ=Y+1><ACK=X+1><CTL=FIN,ACK>  <-- <SEQ=X+1><ACK=Y+2><CTL=ACK>  FIN-WAIT-2; the peer FIN never comes.
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        peer.send(seg().ack(y + 2).seq(X + 1)).expectNothing();
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        // The peer still sends data at 30 s (a half-close is legal): that restarts the wait.
        peer.advanceSeconds(30);
        peer.send(seg().ack(y + 2).seq(X + 1).data("more".getBytes()));
        peer.advanceMs(40);
        peer.expect(seg().ack(X + 5).seq(y + 2));
        peer.advanceSeconds(59);
        peer.advanceMs(900);
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        peer.expectNothing();
        // 60 s of silence: three probes <SEQ=Y+1><ACK=X+5>, one RTO (200 ms) apart, go unanswered; then
        // --> <SEQ=Y+2><CTL=RST>, TIMEOUT, counted (Linux: tcp_fin_timeout).
        peer.advanceMs(200);
        peer.expect(seg().ack(X + 5).seq(y + 1));
        peer.advanceMs(700);
        peer.expect(seg().ack(X + 5).seq(y + 1));
        peer.expect(seg().ack(X + 5).seq(y + 1));
        peer.expect(seg().rst().seq(y + 2));
        assertEquals(List.of("open", "data 4", "closed TIMEOUT"), app.events);
        assertEquals(TcpState.CLOSED, tcp.stateOf(handle));
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_FIN_WAIT_2_TIMEOUTS));
    }

    @Test
    void finWait2TimeoutZeroWaitsForEver()
    {
        final RawPeer patient = new RawPeer(RawPeer.config().finWait2Timeout(0, TimeUnit.SECONDS));
        final RecordingHandler handler = new RecordingHandler();
        final int y = patient.handshake(handler, seg().syn().seq(X).mss(1460));
        handler.last.close();
        patient.expect(seg().fin().ack(X + 1).seq(y + 1));
        patient.send(seg().ack(y + 2).seq(X + 1)).expectNothing();
        patient.advanceSeconds(600);
        patient.expectNothing();
        assertEquals(TcpState.FIN_WAIT_2, handler.last.state());
    }
}
