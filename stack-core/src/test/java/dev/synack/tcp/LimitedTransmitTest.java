package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.stat.StackCounter;
import dev.synack.test.Flight;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * Limited Transmit (RFC 3042; RFC 5681 §3.2; with SACK, RFC 6675 §5 step (3)): the first two duplicate ACKs each let
 * one new segment leave beyond cwnd, so a small window that loses a segment still draws the three duplicate ACKs
 * fast retransmit needs, instead of waiting for the retransmission timer. The flight is the initial window of ten
 * 1,000-byte segments s0..s9 with more data queued behind it; s0 is lost. The clock never moves: every segment here
 * is sent on an ACK.
 */
class LimitedTransmitTest
{
    private static final int X = 12_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private TcpConnection c;
    private Flight f;

    private void tenSegmentsInFlightAndFiveQueued(final Seg syn)
    {
        peer.handshake(app, syn);
        c = app.last;
        f = Flight.send(peer, c, 10);
        assertEquals(5000, c.send(new UnsafeBuffer(new byte[5000]), 0, 5000));
        peer.expectNothing(); // cwnd is full
    }

    private Seg next(final int i)
    {
        return seg().ack(X + 1).seq(f.s(i)).len(1000);
    }

    private long count(final StackCounter counter)
    {
        return peer.stack.counters.get(counter);
    }

    @Test
    void withoutSackTheFirstTwoDuplicateAcksEachSendOneNewSegmentAndTheThirdRetransmits()
    {
        tenSegmentsInFlightAndFiveQueued(seg().syn().seq(X).mss(1000));
        final long cwnd = c.cwnd();
        // <-- ACK s0 (s1 arrived, s0 did not): duplicate ACK 1 --> s10, beyond cwnd by one segment.
        peer.send(seg().ack(f.s(0)).seq(X + 1));
        peer.expect(next(10));
        peer.expectNothing();
        // <-- ACK s0 (s2): duplicate ACK 2 --> s11, the second and last segment beyond cwnd.
        peer.send(seg().ack(f.s(0)).seq(X + 1));
        peer.expect(next(11));
        peer.expectNothing();
        assertEquals(cwnd, c.cwnd(), "RFC 3042 §2: cwnd does not change");
        // <-- ACK s0 (s3): duplicate ACK 3: fast retransmit --> s0. ssthresh halves the flight without the 2,000
        // bytes Limited Transmit sent (RFC 5681 §3.2 step 2): (12,000 - 2,000) / 2.
        peer.send(seg().ack(f.s(0)).seq(X + 1));
        peer.expect(seg().ack(X + 1).seq(f.s(0)).len(1000));
        assertTrue(c.inRecovery);
        assertEquals(5000, c.ssthresh());
        assertEquals(2, count(StackCounter.TCP_LIMITED_TRANSMITS));
        assertEquals(1, count(StackCounter.TCP_RETRANSMITS));
    }

    @Test
    void withSackEachDuplicateAckThatSacksASegmentLetsOneNewSegmentLeaveWhilePipeAllows()
    {
        tenSegmentsInFlightAndFiveQueued(seg().syn().seq(X).mss(1000).sackOk());
        // <-- ACK s0 SACK s1: pipe 9,000 of cwnd 10,000 --> s10 (RFC 6675 §5 step (3)).
        peer.send(seg().ack(f.s(0)).seq(X + 1).sack(f.s(1), f.s(2)));
        peer.expect(next(10));
        peer.expectNothing();
        assertEquals(10_000, c.pipe());
        // <-- ACK s0 SACK s1..s2 --> s11.
        peer.send(seg().ack(f.s(0)).seq(X + 1).sack(f.s(1), f.s(3)));
        peer.expect(next(11));
        peer.expectNothing();
        // <-- ACK s0 SACK s1..s3: DupThresh: recovery --> s0, and nothing new (pipe > cwnd = ssthresh).
        peer.send(seg().ack(f.s(0)).seq(X + 1).sack(f.s(1), f.s(4)));
        peer.expect(seg().ack(X + 1).seq(f.s(0)).len(1000));
        peer.expectNothing();
        assertTrue(c.inRecovery);
        assertEquals(2, count(StackCounter.TCP_LIMITED_TRANSMITS));
    }

    @Test
    void aDuplicateAckWithNothingQueuedSendsNothing()
    {
        peer.handshake(app, seg().syn().seq(X).mss(1000));
        c = app.last;
        f = Flight.send(peer, c, 10);
        peer.send(seg().ack(f.s(0)).seq(X + 1));
        peer.send(seg().ack(f.s(0)).seq(X + 1));
        peer.expectNothing();
        assertEquals(0, count(StackCounter.TCP_LIMITED_TRANSMITS));
    }

    @Test
    void aNewAckEndsLimitedTransmitTheWindowIsCwndAgain()
    {
        tenSegmentsInFlightAndFiveQueued(seg().syn().seq(X).mss(1000));
        peer.send(seg().ack(f.s(0)).seq(X + 1));
        peer.expect(next(10));
        // <-- ACK s1: new data acknowledged, DupAcks 0; slow start makes cwnd 11,000 against 10,000 outstanding
        // (s1..s10): --> s11 within cwnd, and nothing beyond it.
        peer.send(seg().ack(f.s(1)).seq(X + 1));
        peer.expect(next(11));
        peer.expectNothing();
        assertEquals(1, count(StackCounter.TCP_LIMITED_TRANSMITS));
        assertEquals(0, c.dupAcks);
    }
}
