package dev.synack.tcp.hostile;

import static dev.synack.tcp.hostile.HostileLink.X;
import static dev.synack.tcp.hostile.HostileLink.ascii;
import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpHeader;
import dev.synack.tcp.TcpState;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * A peer that stops answering, in every state where synack waits for it. Each state ends by its own timer (the
 * handshake retries, the retransmission limit, the FIN-WAIT-2 timeout, keep-alive) and is counted under its own
 * counter; CLOSE-WAIT waits for the application, as RFC 9293 says, unless keep-alive is on.
 */
class SilentPeerStatesTest
{
    /** Runs the clock a second at a time until the connection is gone (at most {@code limitSeconds}); all it sent. */
    private static List<Seg> silentUntilGone(final HostileLink link, final long handle, final int limitSeconds)
    {
        final List<Seg> sent = new ArrayList<>();
        for (int s = 0; s < limitSeconds && link.tcp.connection(handle) != null; s++)
        {
            link.peer.advanceSeconds(1);
            sent.addAll(link.peer.drain());
        }
        assertEquals(TcpState.CLOSED, link.tcp.stateOf(handle), "still alive after " + limitSeconds + " s: " + sent);
        return sent;
    }

    private static long count(final List<Seg> segments, final Seg spec)
    {
        return segments.stream().filter(spec::matches).count();
    }

    @Test
    void silentInSynSentTheSynIsRetriedSixTimesThenTheOpenTimesOut()
    {
        // --> <SEQ=ISS><CTL=SYN> at 0 s, then again at 1, 3, 7, 15, 31, 63 s (RFC 6298 §5.5 backoff from 1 s,
        // synRetries 6); the last RTO is capped at maxRto (60 s, RFC 6298 §2.5), so at 123 s the open fails:
        // TIMEOUT, no RST (nothing is synchronized), counted.
        final HostileLink link = new HostileLink(HostileLink.config());
        final RecordingHandler app = link.app;
        final long start = link.peer.clock.nanoTime();
        final long handle = link.tcp.connect(RawPeer.PEER_IP, 5000, app);
        final Seg syn = link.peer.expect(seg().syn());
        final List<Seg> sent = silentUntilGone(link, handle, 300);
        assertEquals(6, sent.size(), sent.toString());
        assertEquals(6, count(sent, seg().syn().seq(syn.seq)));
        assertEquals(CloseReason.TIMEOUT, app.closeReason);
        assertEquals(1, link.count(StackCounter.TCP_TIMEOUTS));
        assertEquals(6, link.count(StackCounter.TCP_RETRANSMITS));
        assertEquals(0, link.count(StackCounter.TCP_RESETS_SENT));
        final long elapsed = link.peer.clock.nanoTime() - start;
        assertTrue(elapsed >= TimeUnit.SECONDS.toNanos(123) && elapsed <= TimeUnit.SECONDS.toNanos(124),
            "1+2+4+8+16+32+60 s: " + elapsed);
    }

    @Test
    void silentInSynReceivedTheSynAckIsRetriedThenTheEmbryoIsFreedQuietly()
    {
        // --> <SEQ=X><CTL=SYN>  <-- <SEQ=Y><ACK=X+1><CTL=SYN,ACK>, then six retries; the peer never ACKs.
        // RFC 9293 §3.10.7.4 (a passive open returns to LISTEN): the embryo is freed, no RST, the application never
        // hears of it, counted as a timeout; the listener still takes the next SYN.
        final HostileLink link = new HostileLink(HostileLink.config());
        link.tcp.listen(link.peer.stackPort, link.app);
        final int y = link.peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1)).seq;
        final List<Seg> sent = new ArrayList<>();
        for (int s = 0; s < 300 && link.tcp.connectionsInUse() > 0; s++)
        {
            link.peer.advanceSeconds(1);
            sent.addAll(link.peer.drain());
        }
        assertEquals(6, count(sent, seg().syn().ack(X + 1).seq(y)), sent.toString());
        assertEquals(6, sent.size());
        assertEquals(0, link.tcp.connectionsInUse());
        assertEquals(List.of(), link.app.events);
        assertEquals(1, link.count(StackCounter.TCP_TIMEOUTS));
        assertEquals(0, link.count(StackCounter.TCP_RESETS_SENT));
        link.peer.peerPort++;
        link.peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1));
    }

    @Test
    void silentInEstablishedWithDataInFlightTheRetransmissionLimitResets()
    {
        // <-- <SEQ=Y+1><DATA=100>, never acknowledged: 15 retransmissions (dataRetries, Linux's tcp_retries2) with
        // RTO backoff to 60 s, then <-- <SEQ=Y+101><CTL=RST> (RFC 9293 §3.8.3: the user is told, the connection
        // aborted), TIMEOUT, counted.
        final HostileLink link = HostileLink.established();
        final long handle = link.app.handle;
        assertEquals(100, link.c.send(new UnsafeBuffer(new byte[100]), 0, 100));
        link.peer.expect(seg().ack(link.peerNxt).seq(link.stackNxt).len(100));
        final List<Seg> sent = silentUntilGone(link, handle, 30 * 60);
        assertEquals(15, count(sent, seg().ack(link.peerNxt).seq(link.stackNxt).len(100)), sent.toString());
        assertTrue(seg().rst().seq(link.stackNxt + 100).matches(sent.get(sent.size() - 1)), sent.toString());
        assertEquals(CloseReason.TIMEOUT, link.app.closeReason);
        assertEquals(1, link.count(StackCounter.TCP_TIMEOUTS));
        assertEquals(15, link.count(StackCounter.TCP_RETRANSMITS));
    }

    @Test
    void silentInFinWait1TheFinIsRetriedToTheLimitThenReset()
    {
        // Our CLOSE: <-- <SEQ=Y+1><ACK=X+1><CTL=FIN,ACK>, FIN-WAIT-1; never acknowledged. 15 retransmissions, then
        // <-- <SEQ=Y+2><CTL=RST>, TIMEOUT, counted under TCP_TIMEOUTS.
        final HostileLink link = HostileLink.established();
        final long handle = link.app.handle;
        link.c.close();
        link.peer.expect(seg().fin().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(TcpState.FIN_WAIT_1, link.c.state());
        final List<Seg> sent = silentUntilGone(link, handle, 30 * 60);
        assertEquals(15, count(sent, seg().fin().ack(link.peerNxt).seq(link.stackNxt)), sent.toString());
        assertTrue(seg().rst().seq(link.stackNxt + 1).matches(sent.get(sent.size() - 1)), sent.toString());
        assertEquals(CloseReason.TIMEOUT, link.app.closeReason);
        assertEquals(1, link.count(StackCounter.TCP_TIMEOUTS));
        assertEquals(0, link.count(StackCounter.TCP_FIN_WAIT_2_TIMEOUTS));
    }

    @Test
    void silentInFinWait2TheFinTimeoutProbesThenResets()
    {
        // <-- FIN  --> <ACK=Y+2>: FIN-WAIT-2, the peer's FIN never comes and it sends nothing. After finWait2Timeout
        // (60 s, Linux's tcp_fin_timeout) three probes <SEQ=Y+1><ACK=X+1> an RTO apart, then <SEQ=Y+2><CTL=RST>:
        // TIMEOUT, counted under TCP_FIN_WAIT_2_TIMEOUTS, not TCP_TIMEOUTS.
        final HostileLink link = HostileLink.established();
        final long handle = link.app.handle;
        link.c.close();
        link.peer.expect(seg().fin().ack(link.peerNxt).seq(link.stackNxt));
        link.stackNxt++;
        link.peer.send(link.next()).expectNothing();
        assertEquals(TcpState.FIN_WAIT_2, link.c.state());
        link.peer.advanceSeconds(59);
        link.peer.expectNothing();
        final List<Seg> sent = silentUntilGone(link, handle, 10);
        assertEquals(3, count(sent, seg().ack(link.peerNxt).seq(link.stackNxt - 1)), sent.toString());
        assertTrue(seg().rst().seq(link.stackNxt).matches(sent.get(sent.size() - 1)), sent.toString());
        assertEquals(CloseReason.TIMEOUT, link.app.closeReason);
        assertEquals(1, link.count(StackCounter.TCP_FIN_WAIT_2_TIMEOUTS));
        assertEquals(0, link.count(StackCounter.TCP_TIMEOUTS));
    }

    @Test
    void silentInClosingOurFinIsRetriedToTheLimitThenReset()
    {
        // Simultaneous close (RFC 9293 §3.6 figure 13): <-- <SEQ=Y+1><CTL=FIN,ACK>; --> <SEQ=X+1><ACK=Y+1><CTL=FIN,ACK>
        // (our FIN not acknowledged): CLOSING, <-- <ACK=X+2>. The peer then goes silent: our FIN is retried to the
        // limit, then <SEQ=Y+2><CTL=RST>, TIMEOUT, counted.
        final HostileLink link = HostileLink.established();
        final long handle = link.app.handle;
        link.c.close();
        link.peer.expect(seg().fin().ack(link.peerNxt).seq(link.stackNxt));
        link.peer.send(link.next().fin()).expect(seg().ack(link.peerNxt + 1).seq(link.stackNxt + 1));
        assertEquals(TcpState.CLOSING, link.c.state());
        final List<Seg> sent = silentUntilGone(link, handle, 30 * 60);
        assertEquals(15, count(sent, seg().fin().ack(link.peerNxt + 1).seq(link.stackNxt)), sent.toString());
        assertTrue(seg().rst().seq(link.stackNxt + 1).matches(sent.get(sent.size() - 1)), sent.toString());
        assertEquals(List.of("open", "peerClosed", "closed TIMEOUT"), link.app.events);
        assertEquals(1, link.count(StackCounter.TCP_TIMEOUTS));
    }

    @Test
    void silentInLastAckOurFinIsRetriedToTheLimitThenReset()
    {
        // --> <SEQ=X+1><CTL=FIN,ACK>  <-- <ACK=X+2>: CLOSE-WAIT; our CLOSE: <-- <SEQ=Y+1><CTL=FIN,ACK>, LAST-ACK.
        // The last ACK never comes: the FIN is retried to the limit, then <SEQ=Y+2><CTL=RST>, TIMEOUT, counted.
        final HostileLink link = HostileLink.established();
        final long handle = link.app.handle;
        link.peer.send(link.next().fin()).expect(seg().ack(link.peerNxt + 1).seq(link.stackNxt));
        link.peerNxt++;
        link.c.close();
        link.peer.expect(seg().fin().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(TcpState.LAST_ACK, link.c.state());
        final List<Seg> sent = silentUntilGone(link, handle, 30 * 60);
        assertEquals(15, count(sent, seg().fin().ack(link.peerNxt).seq(link.stackNxt)), sent.toString());
        assertTrue(seg().rst().seq(link.stackNxt + 1).matches(sent.get(sent.size() - 1)), sent.toString());
        assertEquals(CloseReason.TIMEOUT, link.app.closeReason);
        assertEquals(1, link.count(StackCounter.TCP_TIMEOUTS));
    }

    @Test
    void closeWaitWithUnreadDataWaitsForTheApplicationForAnHourAndLosesNoByte()
    {
        // The application stops reading; --> <SEQ=X+1><DATA="unread"> --> <SEQ=X+7><CTL=FIN,ACK>: CLOSE-WAIT with
        // six bytes unread. RFC 9293 §3.10.4: CLOSE-WAIT lasts until the user's CLOSE; no timer ends it (keep-alive
        // is off by default). An hour of silence: nothing sent, nothing dropped. The application then reads the
        // bytes and the end of stream, and closes: <-- FIN, --> ACK: CLOSED, NORMAL.
        final HostileLink link = HostileLink.established();
        link.c.pauseReading();
        link.peer.send(link.next().data(ascii("unread")));
        link.peerNxt += 6;
        link.peer.send(link.next().fin()).expect(seg().ack(link.peerNxt + 1).seq(link.stackNxt));
        link.peerNxt++;
        assertEquals(TcpState.CLOSE_WAIT, link.c.state());
        link.peer.advanceSeconds(3600);
        link.peer.expectNothing();
        assertEquals(TcpState.CLOSE_WAIT, link.c.state());
        assertEquals(List.of("open"), link.app.events);
        link.c.resumeReading();
        assertEquals("unread", link.app.data.toString());
        assertEquals(List.of("open", "data 6", "peerClosed"), link.app.events);
        link.peer.drain(); // the window update
        link.c.close();
        link.peer.expect(seg().fin().ack(link.peerNxt).seq(link.stackNxt));
        link.peer.send(seg().ack(link.stackNxt + 1).seq(link.peerNxt)).expectNothing();
        assertEquals(CloseReason.NORMAL, link.app.closeReason);
        assertEquals(0, link.count(StackCounter.TCP_TIMEOUTS) + link.count(StackCounter.TCP_KEEPALIVE_TIMEOUTS));
    }

    @Test
    void closeWaitWithUnreadDataAndKeepAliveEndsByTheKeepAliveProbes()
    {
        // keep-alive 10 s idle, 1 s interval, 3 probes. CLOSE-WAIT with unread text, then silence. RFC 9293 §3.8.4
        // (RFC 1122 §4.2.3.6): probes <SEQ=SND.UNA-1><ACK=RCV.NXT><CTL=ACK> at 10, 11, 12 s; none answered: at 13 s
        // <SEQ=SND.NXT><CTL=RST>, TIMEOUT, counted under TCP_KEEPALIVE_TIMEOUTS.
        final HostileLink link = new HostileLink(HostileLink.config().keepAlive(10, 1, 3, TimeUnit.SECONDS))
            .open(seg().syn().seq(X).mss(1460));
        final long handle = link.app.handle;
        link.c.pauseReading();
        link.peer.send(link.next().data(ascii("unread")));
        link.peerNxt += 6;
        link.peer.send(link.next().fin()).expect(seg().ack(link.peerNxt + 1).seq(link.stackNxt));
        link.peerNxt++;
        final List<Seg> sent = silentUntilGone(link, handle, 60);
        assertEquals(3, count(sent, seg().ack(link.peerNxt).seq(link.stackNxt - 1)), sent.toString());
        assertEquals(4, sent.size(), sent.toString());
        assertEquals(TcpHeader.RST, sent.get(3).flags);
        assertEquals(link.stackNxt, (int)sent.get(3).seq);
        assertEquals(CloseReason.TIMEOUT, link.app.closeReason);
        assertEquals(3, link.count(StackCounter.TCP_KEEPALIVE_PROBES));
        assertEquals(1, link.count(StackCounter.TCP_KEEPALIVE_TIMEOUTS));
        assertEquals(0, link.count(StackCounter.TCP_TIMEOUTS));
    }
}
