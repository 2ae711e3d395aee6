package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * Old duplicates, resets, challenge ACKs, simultaneous open and close, half-close, zero windows and the
 * retry limit: RFC 9293 §3.5, §3.6, §3.8.6, §3.10.7 and RFC 5961 §3-4, segment by segment.
 */
class ConnectionEdgeCasesTest
{
    private static final int X = 5_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private final TcpEngine tcp = peer.stack.agent.tcp();

    private int establishedPassive()
    {
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        return y;
    }

    @Test
    void oldDuplicateSynIsResetByThePeerAndTheListenerGoesOn()
    {
        tcp.listen(80, app);
        // §3.5 figure 9: an old duplicate SYN (seq 90) arrives first; we answer it.
        peer.send(seg().syn().seq(90).mss(1460)).expect(seg().syn().ack(91));
        assertEquals(1, tcp.connectionsIn(TcpState.SYN_RECEIVED));
        // The peer's new incarnation sees an ACK of nothing it sent: <SEQ=91><CTL=RST>. Back to LISTEN.
        peer.send(seg().rst().seq(91)).expectNothing();
        assertEquals(0, tcp.connectionsInUse());
        assertEquals(List.of(), app.events, "the application never saw the old duplicate");
        // The real SYN (seq 100) now opens the connection.
        final int y2 = peer.send(seg().syn().seq(100).mss(1460)).expect(seg().syn().ack(101)).seq;
        peer.send(seg().ack(y2 + 1).seq(101)).expectNothing();
        assertEquals(TcpState.ESTABLISHED, app.last.state());
    }

    @Test
    void synSentAnswersAStaleSynAckWithRstAndKeepsWaiting()
    {
        final long h = tcp.connect(RawPeer.PEER_IP, 5000, app);
        final Seg syn = peer.expect(seg().syn());
        peer.peerPort = 5000;
        peer.stackPort = syn.srcPort;
        // An old SYN-ACK acknowledging some other ISS: <SEQ=SEG.ACK><CTL=RST>, stay in SYN-SENT.
        peer.send(seg().syn().ack(syn.seq + 1000).seq(7)).expect(seg().rst().seq(syn.seq + 1000));
        assertEquals(TcpState.SYN_SENT, tcp.stateOf(h));
        peer.send(seg().syn().ack(syn.seq + 1).seq(X)).expect(seg().ack(X + 1).seq(syn.seq + 1));
        assertEquals(TcpState.ESTABLISHED, tcp.stateOf(h));
    }

    @Test
    void synOnEstablishedConnectionGetsChallengeAck()
    {
        final int y = establishedPassive();
        // RFC 5961 §4.2: whatever its sequence number, answer <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
        peer.send(seg().syn().seq(X + 10)).expect(seg().ack(X + 1).seq(y + 1));
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_CHALLENGE_ACKS));
    }

    @Test
    void rstExactlyAtRcvNxtResets()
    {
        establishedPassive();
        peer.send(seg().rst().seq(X + 1)).expectNothing();
        assertEquals(CloseReason.RESET, app.closeReason);
        assertEquals(0, tcp.connectionsInUse());
    }

    @Test
    void rstInWindowButNotExactGetsChallengeAck()
    {
        final int y = establishedPassive();
        peer.send(seg().rst().seq(X + 100)).expect(seg().ack(X + 1).seq(y + 1));
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        assertNull(app.closeReason);
    }

    @Test
    void rstOutOfWindowIsIgnored()
    {
        establishedPassive();
        peer.send(seg().rst().seq(X + 1 + 200_000)).expectNothing();
        assertEquals(TcpState.ESTABLISHED, app.last.state());
    }

    @Test
    void segmentToClosedPortIsAnsweredWithRst()
    {
        // §3.10.7.1: no ACK → <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; with ACK → <SEQ=SEG.ACK><CTL=RST>.
        peer.send(seg().syn().seq(X)).expect(seg().rst().ack(X + 1).seq(0));
        peer.send(seg().ack(777).seq(X)).expect(seg().rst().seq(777));
        peer.send(seg().rst().seq(X)).expectNothing();
    }

    @Test
    void simultaneousOpen()
    {
        final long h = tcp.connect(RawPeer.PEER_IP, 5000, app);
        final Seg syn = peer.expect(seg().syn());
        final int y = syn.seq;
        peer.peerPort = 5000;
        peer.stackPort = syn.srcPort;
        // §3.5 figure 8: the peer's SYN crosses ours. SYN-RECEIVED; <SEQ=Y><ACK=X+1><CTL=SYN,ACK>.
        peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1).seq(y));
        assertEquals(TcpState.SYN_RECEIVED, tcp.stateOf(h));
        // The peer's SYN-ACK: ESTABLISHED on both ends.
        peer.send(seg().syn().ack(y + 1).seq(X).mss(1460));
        assertEquals(TcpState.ESTABLISHED, tcp.stateOf(h));
        assertEquals(List.of("open"), app.events);
    }

    @Test
    void simultaneousCloseGoesThroughClosing()
    {
        final int y = establishedPassive();
        final TcpConnection c = app.last;
        c.close();
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        // §3.6 figure 13: the peer's FIN crosses ours: CLOSING, and we ACK its FIN.
        peer.send(seg().fin().ack(y + 1).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        assertEquals(TcpState.CLOSING, c.state());
        // The ACK of our FIN: TIME-WAIT.
        peer.send(seg().ack(y + 2).seq(X + 2)).expectNothing();
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(app.handle));
        peer.advanceSeconds(61);
        assertEquals(0, tcp.connectionsInUse());
    }

    @Test
    void halfCloseLetsDataFlowTowardsFinWait2()
    {
        final int y = establishedPassive();
        final TcpConnection c = app.last;
        c.shutdownOutput();
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        peer.send(seg().ack(y + 2).seq(X + 1));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        assertEquals(-1, c.send(new UnsafeBuffer(new byte[1]), 0, 1), "no sending after our FIN");
        // The peer keeps sending; we keep receiving and acknowledging.
        peer.send(seg().ack(y + 2).seq(X + 1).data(new byte[1000]));
        peer.send(seg().ack(y + 2).seq(X + 1001).data(new byte[1000])).expect(seg().ack(X + 2001).seq(y + 2));
        assertEquals(2000, app.data.size());
        peer.send(seg().fin().ack(y + 2).seq(X + 2001)).expect(seg().ack(X + 2002).seq(y + 2));
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(app.handle));
    }

    @Test
    void zeroWindowStopsTheSenderWhichProbesAndResumes()
    {
        final int y = establishedPassive();
        final TcpConnection c = app.last;
        // The peer closes its window.
        peer.send(seg().ack(y + 1).seq(X + 1).win(0)).expectNothing();
        assertEquals(3000, c.send(new UnsafeBuffer(new byte[3000]), 0, 3000));
        peer.expectNothing();
        // §3.8.6.1: after the RTO a one-byte probe. The handshake measured an RTT of 0 on the manual
        // clock, so the RTO is the 200 ms floor (RFC 6298 §2.4 allows a lower bound; Linux uses 200 ms).
        peer.advanceMs(199);
        peer.expectNothing();
        peer.advanceMs(1);
        peer.expect(seg().ack(X + 1).seq(y + 1).len(1));
        peer.send(seg().ack(y + 1).seq(X + 1).win(0)).expectNothing();
        // The probe backs off: the next comes 400 ms later, not before.
        peer.advanceMs(399);
        peer.expectNothing();
        peer.advanceMs(1);
        peer.expect(seg().ack(X + 1).seq(y + 1).len(1));
        // The window opens: data flows again.
        peer.send(seg().ack(y + 1).seq(X + 1).win(65535));
        final List<Seg> sent = peer.drain();
        // The probe's byte was dropped by the zero window and never counted as sent: all 3000 go at once from Y+1.
        assertEquals(3000, sent.stream().mapToInt(s -> s.payloadLength).sum(), "everything goes out at once: " + sent);
        assertEquals(y + 1, (int)sent.get(0).seq, sent.toString());
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void zeroReceiveWindowWhileTheApplicationIsNotReading()
    {
        final int y = establishedPassive();
        final TcpConnection c = app.last;
        c.receiveBufferLimit(2000);
        c.pauseReading();
        peer.send(seg().ack(y + 1).seq(X + 1).data(new byte[1000]));
        peer.send(seg().ack(y + 1).seq(X + 1001).data(new byte[1000])).expect(seg().ack(X + 2001).win(0));
        assertEquals(0, app.data.size());
        // More data is outside the zero window: not accepted, answered with an ACK.
        peer.send(seg().ack(y + 1).seq(X + 2001).data(new byte[100])).expect(seg().ack(X + 2001).win(0));
        // The application reads: the bytes arrive and a window update goes out at once.
        c.resumeReading();
        assertEquals(2000, app.data.size());
        peer.expect(seg().ack(X + 2001).win(2000));
    }

    @Test
    void retryLimitOnAnUnreachablePeerAbortsAndFreesTheSlot()
    {
        final long h = tcp.connect(RawPeer.PEER_IP, 5000, app);
        peer.expect(seg().syn());
        // RFC 6298 §5.5: 1 s, then doubling: retransmissions at 1, 3, 7, 15, 31, 63 s; abort at 127 s.
        final long[] at = {1, 3, 7, 15, 31, 63};
        long now = 0;
        for (final long t : at)
        {
            peer.advanceSeconds(t - now - 1);
            peer.advanceMs(999);
            peer.expectNothing();
            peer.advanceMs(1);
            peer.expect(seg().syn());
            now = t;
        }
        peer.advanceSeconds(127 - now);
        assertEquals(CloseReason.TIMEOUT, app.closeReason);
        assertEquals(TcpState.CLOSED, tcp.stateOf(h));
        assertEquals(0, tcp.connectionsInUse());
        assertEquals(0, tcp.timersScheduled());
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_TIMEOUTS));
    }

    @Test
    void dataRetryLimitAbortsWithRstAndTellsTheApplication()
    {
        establishedPassive();
        final TcpConnection c = app.last;
        c.send(new UnsafeBuffer(new byte[100]), 0, 100);
        peer.expect(seg().ack().len(100));
        // The peer vanished: 15 retransmissions with backoff (capped at 60 s), then RST and TIMEOUT.
        for (int i = 0; i < 40 && app.closeReason == null; i++)
        {
            peer.advanceSeconds(60);
        }
        assertEquals(CloseReason.TIMEOUT, app.closeReason);
        final List<Seg> sent = peer.drain();
        assertEquals(16, sent.size(), "15 retransmissions and one RST: " + sent);
        assertTrue((sent.get(15).flags & TcpHeader.RST) != 0);
        assertEquals(0, tcp.connectionsInUse());
    }

    @Test
    void abortAndReconnectFromInsideOnDataLeavesTheNewConnectionAlone()
    {
        // The free list is LIFO: a connect right after an abort takes the aborted slot. The segment being
        // processed must not touch the new connection (no RCV.NXT or READ.SEQ of the old one, no FIN, no ACK).
        final long[] second = {-1};
        final int[] rcvNxtAtConnect = new int[1];
        final RecordingHandler other = new RecordingHandler();
        final RecordingHandler proxy = new RecordingHandler()
        {
            @Override
            public void onData(final TcpConnection connection, final org.agrona.DirectBuffer buffer,
                final int offset, final int length)
            {
                super.onData(connection, buffer, offset, length);
                connection.abort();
                second[0] = tcp.connect(RawPeer.PEER_IP, 6000, other);
                rcvNxtAtConnect[0] = tcp.connection(second[0]).rcvNxt();
            }
        };
        tcp.listen(80, proxy);
        final int y = peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1)).seq;
        peer.send(seg().ack(y + 1).seq(X + 1)).expectNothing();
        final int slot = (int)proxy.last.handle();
        // Data and FIN in one segment: onData aborts and reconnects before the FIN is looked at.
        peer.send(seg().fin().ack(y + 1).seq(X + 1).data(new byte[10]));
        final java.util.List<Seg> sent = peer.drain();
        assertEquals(TcpHeader.RST, sent.get(0).flags, "the abort's RST first: " + sent);
        assertEquals(TcpHeader.SYN, sent.get(1).flags & (TcpHeader.SYN | TcpHeader.ACK), "then the new SYN: " + sent);
        assertEquals(2, sent.size(), "nothing for the old connection after its RST: " + sent);
        final TcpConnection fresh = tcp.connection(second[0]);
        assertEquals(slot, (int)second[0], "the new connection took the aborted slot");
        assertEquals(TcpState.SYN_SENT, fresh.state());
        assertEquals(rcvNxtAtConnect[0], fresh.rcvNxt(), "the old segment's FIN left the new TCB alone");
    }

    @Test
    void challengeAcksAreRateLimitedPerConnection()
    {
        // RFC 5961 §7: a blind attacker's flood of in-window RSTs gets at most challengeAckLimit answers a second.
        final RawPeer limited = new RawPeer(RawPeer.config().challengeAckLimit(5));
        final RecordingHandler handler = new RecordingHandler();
        limited.stack.agent.tcp().listen(80, handler);
        final int y = limited.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1)).seq;
        limited.send(seg().ack(y + 1).seq(X + 1)).expectNothing();
        for (int i = 0; i < 8; i++)
        {
            limited.send(seg().rst().seq(X + 100 + i));
        }
        assertEquals(5, limited.drain().size(), "five challenge ACKs, then silence");
        assertEquals(5, limited.stack.counters.get(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(3, limited.stack.counters.get(StackCounter.TCP_CHALLENGE_ACKS_SUPPRESSED));
        assertEquals(TcpState.ESTABLISHED, handler.last.state(), "none of them reset the connection");
        // A second later the allowance is back.
        limited.advanceSeconds(1);
        limited.send(seg().rst().seq(X + 200)).expect(seg().ack(X + 1).seq(y + 1));
    }

    @Test
    void oneConnectionsChallengeAckFloodLeavesAnotherConnectionsAllowanceAlone()
    {
        // CVE-2016-5696: with one stack-wide allowance an off-path attacker spends it with spoofed RSTs on a victim's
        // connection and counts the challenge ACKs left on its own, learning whether its guess hit. Per connection
        // the two allowances are independent.
        final RawPeer limited = new RawPeer(RawPeer.config().challengeAckLimit(5));
        final RecordingHandler handler = new RecordingHandler();
        limited.stack.agent.tcp().listen(80, handler);
        limited.peerPort = 40000;
        final int victim = limited.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1)).seq;
        limited.send(seg().ack(victim + 1).seq(X + 1)).expectNothing();
        limited.peerPort = 40001;
        final int own = limited.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1)).seq;
        limited.send(seg().ack(own + 1).seq(X + 1)).expectNothing();
        // Spoofed in-window RSTs on the victim (port 40000): five challenge ACKs, then silence.
        limited.peerPort = 40000;
        for (int i = 0; i < 8; i++)
        {
            limited.send(seg().rst().seq(X + 100 + i));
        }
        assertEquals(5, limited.drain().size());
        // In the same second, the attacker's own connection (port 40001) still gets all five of its answers.
        limited.peerPort = 40001;
        for (int i = 0; i < 5; i++)
        {
            limited.send(seg().rst().seq(X + 100 + i)).expect(seg().ack(X + 1).seq(own + 1));
        }
        assertEquals(10, limited.stack.counters.get(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(3, limited.stack.counters.get(StackCounter.TCP_CHALLENGE_ACKS_SUPPRESSED));
        assertEquals(2, limited.stack.agent.tcp().connectionsIn(TcpState.ESTABLISHED));
    }

    @Test
    void aSynBelowRcvNxtReachingIntoTheWindowIsChallengedNotTrimmed()
    {
        final int y = establishedPassive();
        // <-- <SEQ=X><CTL=SYN><DATA=10>: from IRS, below RCV.NXT (X+1), its text reaching into the window.
        // RFC 5961 §4: challenge ACK <SEQ=Y+1><ACK=X+1><CTL=ACK>; the SYN is not trimmed off and the text not taken.
        peer.send(seg().syn().seq(X).data(new byte[10])).expect(seg().ack(X + 1).seq(y + 1));
        peer.advanceMs(100);
        peer.expectNothing();
        assertEquals(0, app.data.size());
        assertEquals(X + 1, app.last.rcvNxt());
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_CHALLENGE_ACKS));
    }

    @Test
    void outOfWindowAcksAreAnsweredAtMostOncePerInvalidAckInterval()
    {
        final int y = establishedPassive();
        // Five pure ACKs far beyond the window (<SEQ=X+200001>): the first is answered with
        // <SEQ=Y+1><ACK=X+1><CTL=ACK>, the next four within 500 ms are counted and not (Linux's tcp_invalid_ratelimit).
        for (int i = 0; i < 5; i++)
        {
            peer.send(seg().ack(y + 1).seq(X + 200_001 + i));
        }
        assertEquals(1, peer.drain().size());
        // An ACK of data never sent (SEG.ACK > SND.NXT) falls under the same limit.
        peer.send(seg().ack(y + 1000).seq(X + 1)).expectNothing();
        assertEquals(5, peer.stack.counters.get(StackCounter.TCP_INVALID_ACKS_SUPPRESSED));
        // Old data (a retransmission whose ACK was lost) is always answered: its sender needs that ACK.
        peer.send(seg().ack(y + 1).seq(X - 9).data(new byte[10])).expect(seg().ack(X + 1).seq(y + 1));
        peer.send(seg().ack(y + 1).seq(X - 9).data(new byte[10])).expect(seg().ack(X + 1).seq(y + 1));
        // 500 ms on, the next out-of-window ACK is answered again.
        peer.advanceMs(500);
        peer.send(seg().ack(y + 1).seq(X + 200_001)).expect(seg().ack(X + 1).seq(y + 1));
        assertEquals(TcpState.ESTABLISHED, app.last.state());
    }
}
