package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * The retransmission timer's finer rules, segment by segment: Karn's rule in the handshake (RFC 6298 §3), the 3 s
 * RTO after a SYN timed out (RFC 6298 §5.7), and NewReno's {@code recover} after a timeout (RFC 6582 §3.2).
 */
class RetransmissionRulesTest
{
    private static final int X = 11_000;
    private static final long SECOND = 1_000_000_000L;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private final TcpEngine tcp = peer.stack.agent.tcp();

    @Test
    void aSynAckResentForARetransmittedSynGivesNoRttSample()
    {
        tcp.listen(80, app);
        // <-- <SEQ=X><CTL=SYN>   --> <SEQ=Y><ACK=X+1><CTL=SYN,ACK>, lost on the way.   SYN-RECEIVED
        final int y = peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1)).seq;
        peer.advanceMs(500);
        // <-- <SEQ=X><CTL=SYN> retransmitted   --> <SEQ=Y><ACK=X+1><CTL=SYN,ACK> again
        peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1).seq(y));
        peer.advanceMs(2);
        // <-- <SEQ=X+1><ACK=Y+1><CTL=ACK>: it may answer either SYN-ACK (Karn): no sample, RTO stays the initial 1 s
        // (a sample from the second would make it 200 ms, well below the real round trip of up to 502 ms).
        peer.send(seg().ack(y + 1).seq(X + 1)).expectNothing();
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        assertEquals(SECOND, app.last.rtoNs());
    }

    @Test
    void afterTheSynTimedOutDataStartsWithAnRtoOfThreeSeconds()
    {
        final long h = tcp.connect(RawPeer.PEER_IP, 5000, app);
        final Seg syn = peer.expect(seg().syn());
        peer.peerPort = 5000;
        peer.stackPort = syn.srcPort;
        final int y = syn.seq;
        // No answer: at 1 s --> <SEQ=Y><CTL=SYN> again (RTO backs off to 2 s).   SYN-SENT
        peer.advanceMs(1_000);
        peer.expect(seg().syn().seq(y));
        peer.advanceMs(100);
        // <-- <SEQ=X><ACK=Y+1><CTL=SYN,ACK>   --> <SEQ=Y+1><ACK=X+1><CTL=ACK>   ESTABLISHED, no sample (Karn)
        peer.send(seg().syn().ack(y + 1).seq(X).mss(1460)).expect(seg().ack(X + 1).seq(y + 1));
        final TcpConnection c = tcp.connection(h);
        assertEquals(TcpState.ESTABLISHED, c.state());
        // RFC 6298 §5.7: the RTO is re-initialized to 3 s when data transmission begins.
        assertEquals(3 * SECOND, c.rtoNs());
        c.send(new UnsafeBuffer(new byte[100]), 0, 100);
        peer.expect(seg().ack(X + 1).seq(y + 1).len(100));
        peer.advanceMs(2_999);
        peer.expectNothing();
        peer.advanceMs(2);
        peer.expect(seg().ack(X + 1).seq(y + 1).len(100));
    }

    @Test
    void duplicateAcksForDataSentBeforeATimeoutStartNoFastRetransmit()
    {
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1000));
        final TcpConnection c = app.last;
        c.send(new UnsafeBuffer(new byte[8000]), 0, 8000);
        // --> eight segments of 1000 bytes, Y+1 .. Y+8001 (the initial window holds ten).
        assertEquals(8, peer.drain().size());
        // All lost. RTO (200 ms: the handshake took no time): --> <SEQ=Y+1><DATA=1000>; cwnd 1 MSS, and
        // RFC 6582 §3.2 step 4: recover = Y+8001, the highest sequence number sent.
        peer.advanceMs(201);
        peer.expect(seg().ack(X + 1).seq(y + 1).len(1000));
        final long ssthresh = c.ssthresh;
        // <-- <ACK=Y+1001>: slow start, --> <SEQ=Y+1001> and <SEQ=Y+2001> (go-back-N)
        peer.send(seg().ack(y + 1001).seq(X + 1));
        assertEquals(2, peer.drain().size());
        // <-- three duplicate ACKs of Y+1001, from the originals reaching the peer late: they do not cover more than
        // recover, so no fast retransmit and no second halving of ssthresh (RFC 6582 §3.2 step 1).
        for (int i = 0; i < 3; i++)
        {
            peer.send(seg().ack(y + 1001).seq(X + 1));
        }
        peer.expectNothing();
        assertFalse(c.inRecovery);
        assertEquals(ssthresh, c.ssthresh);
    }

    @Test
    void anApplicationSeesCwndSsthreshSrttRtoAndRetransmits()
    {
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1000));
        final TcpConnection c = app.last;
        assertEquals(0, c.retransmits());
        assertEquals(Integer.MAX_VALUE, c.ssthresh(), "no loss yet: slow start without a threshold");
        c.send(new UnsafeBuffer(new byte[4000]), 0, 4000);
        assertEquals(4, peer.drain().size());
        // All lost. RTO (200 ms): --> <SEQ=Y+1><DATA=1000>; ssthresh = FlightSize / 2, cwnd 1 MSS (RFC 5681 §3.1).
        peer.advanceMs(201);
        peer.expect(seg().ack(X + 1).seq(y + 1).len(1000));
        assertEquals(1, c.retransmits());
        assertEquals(2000, c.ssthresh());
        assertEquals(1000, c.cwnd());
        assertEquals(400_000_000L, c.rtoNs(), "backed off (RFC 6298 §5.5)");
        // <-- <ACK=Y+4001> 30 ms later: Karn, no sample; then new data ACKed 30 ms after it left is one.
        peer.advanceMs(30);
        peer.send(seg().ack(y + 4001).seq(X + 1));
        c.send(new UnsafeBuffer(new byte[100]), 0, 100);
        peer.expect(seg().ack(X + 1).seq(y + 4001).len(100));
        peer.advanceMs(30);
        peer.send(seg().ack(y + 4101).seq(X + 1));
        // The handshake's sample, 0 ms on the manual clock, left SRTT at 0: this is the first (RFC 6298 §2.2).
        assertEquals(30_000_000L, c.srttNs());
        assertEquals(1, c.retransmits());
    }
}
