package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.stat.StackCounter;
import dev.synack.test.Flight;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * RFC 6675 SACK-based loss recovery on the sending side, segment by segment, and what the peer's D-SACKs tell it
 * (RFC 2883, RFC 3708). The peer plays the receiver of a flight of ten 1,000-byte segments s0..s9 (the initial
 * window) and states in its ACKs which it holds; the stack answers from its scoreboard: IsLost, pipe and NextSeg.
 * The clock never moves unless a test says so: every retransmission here is by ACKs, none by the timer.
 */
class Rfc6675Test
{
    private static final int X = 12_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private TcpConnection c;
    private Flight f;

    /** s1 is lost: <-- ACK s1, then three duplicates SACKing s2..s4 --> s1 (RFC 6675 §5 entry at DupThresh). */
    private void s1LostThreeDuplicateAcksResendIt()
    {
        ack(f.s(1));
        ack(f.s(1), f.s(2), f.s(3));
        ack(f.s(1), f.s(2), f.s(4));
        ack(f.s(1), f.s(2), f.s(5));
        peer.expect(resent(1));
    }

    /** Handshake with SACK-permitted and MSS 1000, then the flight s0..s9 leaves. */
    private void tenSegmentsInFlight()
    {
        peer.handshake(app, seg().syn().seq(X).mss(1000).sackOk());
        c = app.last;
        f = Flight.send(peer, c, 10);
    }

    /** The peer's ACK: {@code <SEQ=X+1><ACK=ack><SACK=blocks>}. */
    private void ack(final int ack, final int... blocks)
    {
        peer.send(seg().ack(ack).seq(X + 1).sack(blocks));
    }

    private Seg resent(final int i)
    {
        return seg().ack(X + 1).seq(f.s(i)).len(1000);
    }

    private long count(final StackCounter counter)
    {
        return peer.stack.counters.get(counter);
    }

    @Test
    void threeHolesInOneWindowAreEachResentOnceInOneRecoveryWhilePipeAllows()
    {
        tenSegmentsInFlight();
        // s1, s3 and s5 are lost. <-- ACK s1 (s0 arrived): slow start, cwnd 11,000; pipe is all that is outstanding.
        ack(f.s(1));
        peer.expectNothing();
        assertEquals(9000, c.pipe());
        // <-- s2 arrived: DupAcks 1. Nothing SACKed above s1 makes it lost, so s1 counts in pipe.
        ack(f.s(1), f.s(2), f.s(3));
        peer.expectNothing();
        assertEquals(8000, c.pipe());
        // <-- s4 arrived: DupAcks 2; 2 blocks and 2,000 bytes above s1: still possibly reordering.
        ack(f.s(1), f.s(4), f.s(5), f.s(2), f.s(3));
        peer.expectNothing();
        assertEquals(7000, c.pipe());
        // <-- s6 arrived: DupAcks 3 (and 3 blocks above s1): recovery, RecoveryPoint = s10; ssthresh = cwnd =
        // FlightSize / 2 = 4,500, no inflation (§5 (4.2)); --> s1. pipe: s1 lost but resent (1,000), s3 s5 not yet
        // lost (2,000), s7..s9 (3,000).
        ack(f.s(1), f.s(6), f.s(7), f.s(2), f.s(3), f.s(4), f.s(5));
        peer.expect(resent(1));
        peer.expectNothing();
        assertTrue(c.inRecovery);
        assertEquals(4500, c.cwnd());
        assertEquals(4500, c.ssthresh());
        assertEquals(6000, c.pipe());
        // <-- s7 arrived: s3 is lost now (3,000 bytes SACKed above it), but cwnd - pipe = 500: no room.
        ack(f.s(1), f.s(6), f.s(8), f.s(2), f.s(3), f.s(4), f.s(5));
        peer.expectNothing();
        assertEquals(4000, c.pipe());
        // <-- s8 arrived: s5 is lost too; pipe 2,000, so two segments go: --> s3, --> s5 (NextSeg rule (1) each).
        ack(f.s(1), f.s(6), f.s(9), f.s(2), f.s(3), f.s(4), f.s(5));
        peer.expect(resent(3));
        peer.expect(resent(5));
        peer.expectNothing();
        assertEquals(4000, c.pipe());
        // <-- s9 arrived: every hole is resent, nothing is new: nothing more (the rescue waits past RescueRxt).
        ack(f.s(1), f.s(6), f.s(10), f.s(2), f.s(3), f.s(4), f.s(5));
        peer.expectNothing();
        assertEquals(3000, c.pipe());
        // <-- the resent s1, s3, s5 arrive: two partial ACKs, then the ACK of RecoveryPoint ends the recovery.
        ack(f.s(3), f.s(4), f.s(5), f.s(6), f.s(10));
        peer.expectNothing();
        assertEquals(2000, c.pipe());
        ack(f.s(5), f.s(6), f.s(10));
        peer.expectNothing();
        assertEquals(1000, c.pipe());
        ack(f.s(10));
        peer.expectNothing();
        assertFalse(c.inRecovery);
        assertEquals(4500, c.cwnd(), "RFC 6675's cwnd was never inflated: nothing to deflate");
        assertEquals(0, c.pipe());
        assertEquals(3, c.retransmits(), "one retransmission per lost segment");
        assertEquals(3, count(StackCounter.TCP_RETRANSMITS));
    }

    @Test
    void sackedDataAboveSndUnaStartsRecoveryBeforeThreeDuplicateAcks()
    {
        tenSegmentsInFlight();
        // s0 is lost; the peer ACKs every other segment. <-- s1, s2 arrived: 2,000 bytes above s0, DupAcks 1.
        ack(f.s(0), f.s(1), f.s(3));
        peer.expectNothing();
        // <-- s3, s4 arrived: DupAcks 2 only, but 4,000 bytes above s0 > (DupThresh - 1) × SMSS: IsLost(SND.UNA)
        // (§5 step (2)) --> s0. RFC 5681's count would wait for a third duplicate ACK that may never come.
        ack(f.s(0), f.s(1), f.s(5));
        peer.expect(resent(0));
        peer.expectNothing();
        assertTrue(c.inRecovery);
        assertEquals(2, c.dupAcks);
        assertEquals(5000, c.cwnd(), "FlightSize 10,000 / 2");
        // pipe: s0 lost, resent (1,000); s5..s9 (5,000).
        assertEquals(6000, c.pipe());
    }

    @Test
    void newDataKeepsTheAckClockGoingDuringRecovery()
    {
        tenSegmentsInFlight();
        // 10,000 more bytes queued: the window is full, they wait.
        assertEquals(10_000, c.send(new UnsafeBuffer(new byte[10_000]), 0, 10_000));
        peer.expectNothing();
        // s0 is lost. <-- two duplicate ACKs: Limited Transmit (§5 step (3)) --> s10, --> s11.
        ack(f.s(0), f.s(1), f.s(2));
        peer.expect(seg().ack(X + 1).seq(f.s(10)).len(1000));
        ack(f.s(0), f.s(1), f.s(3));
        peer.expect(seg().ack(X + 1).seq(f.s(11)).len(1000));
        // <-- the third --> s0; cwnd = ssthresh = (12,000 - the 2,000 Limited Transmit sent) / 2; pipe: s0 resent
        // and s4..s11.
        ack(f.s(0), f.s(1), f.s(4));
        peer.expect(resent(0));
        peer.expectNothing();
        assertEquals(5000, c.cwnd());
        assertEquals(9000, c.pipe());
        for (int i = 5; i <= 8; i++)
        {
            ack(f.s(0), f.s(1), f.s(i));
        }
        peer.expectNothing();
        assertEquals(5000, c.pipe());
        // <-- s8 arrived: pipe 4,000, room for one segment and no hole to fill: NextSeg rule (2), new data --> s12.
        ack(f.s(0), f.s(1), f.s(9));
        peer.expect(seg().ack(X + 1).seq(f.s(12)).len(1000));
        peer.expectNothing();
        assertEquals(5000, c.pipe());
        // <-- s9 arrived: --> s13.
        ack(f.s(0), f.s(1), f.s(10));
        peer.expect(seg().ack(X + 1).seq(f.s(13)).len(1000));
        peer.expectNothing();
        assertEquals(5000, c.pipe());
        assertTrue(c.inRecovery);
        assertEquals(1, c.retransmits());
    }

    @Test
    void aHoleNotYetLostIsResentByRule3WhenNothingElseMayBeSent()
    {
        tenSegmentsInFlight();
        // s1 and s8 are lost. <-- ACK s1, three duplicates --> s1; cwnd 4,500.
        s1LostThreeDuplicateAcksResendIt();
        ack(f.s(1), f.s(2), f.s(6));
        ack(f.s(1), f.s(2), f.s(7));
        ack(f.s(1), f.s(2), f.s(8));
        peer.expectNothing();
        // <-- s9 arrived: only 1,000 bytes above s8, not lost by IsLost. pipe 2,000 leaves room, no new data: rule
        // (3) resends s8 now rather than leave the room unused (NewReno would wait for the partial ACK).
        ack(f.s(1), f.s(9), f.s(10), f.s(2), f.s(8));
        peer.expect(resent(8));
        peer.expectNothing();
        assertEquals(3000, c.pipe());
        // <-- the partial ACK of s8: s8 is in flight again already; nothing goes (no rescue of it either).
        ack(f.s(8), f.s(9), f.s(10));
        peer.expectNothing();
        ack(f.s(10));
        assertFalse(c.inRecovery);
        assertEquals(2, c.retransmits());
    }

    @Test
    void theLostTailIsResentByTheRescueRetransmission()
    {
        tenSegmentsInFlight();
        // s1 and the tail s9 are lost: nothing is sent after s9, so nothing SACKed above it will ever make it lost.
        s1LostThreeDuplicateAcksResendIt();
        for (int i = 6; i <= 9; i++)
        {
            ack(f.s(1), f.s(2), f.s(i));
        }
        // pipe 2,000 leaves room, but no hole lies below the highest SACK and RescueRxt (s2) is not passed yet.
        peer.expectNothing();
        assertEquals(2000, c.pipe());
        // <-- the partial ACK of s9: NextSeg rule (4), once per recovery: --> the segment ending with the highest
        // unSACKed byte, s9. HighRxt stays, so pipe does not count it twice; RescueRxt = RecoveryPoint: no second.
        ack(f.s(9));
        peer.expect(resent(9));
        peer.expectNothing();
        assertEquals(1000, c.pipe());
        ack(f.s(9));
        peer.expectNothing();
        ack(f.s(10));
        assertFalse(c.inRecovery);
        assertEquals(2, c.retransmits(), "the tail recovered without the retransmission timer");
    }

    @Test
    void aDsackIsCountedAndIsNeitherSackedDataNorADuplicateAck()
    {
        tenSegmentsInFlight();
        ack(f.s(1));
        ack(f.s(1), f.s(2), f.s(3));
        ack(f.s(1), f.s(2), f.s(4));
        assertEquals(2, c.dupAcks);
        assertEquals(7000, c.pipe());
        // The network duplicated s2: <-- <ACK=s1><SACK=[s2,s3),[s2,s4)>, the first block inside the second (RFC 2883
        // §4). RFC 5681 would count a third duplicate ACK and resend s1; it SACKs nothing new (RFC 6675 §2): none.
        ack(f.s(1), f.s(2), f.s(3), f.s(2), f.s(4));
        // ... and of s0: <-- <ACK=s1><SACK=[s0,s1)>, a block below SEG.ACK: a D-SACK, not a block for the scoreboard.
        ack(f.s(1), f.s(0), f.s(1));
        peer.expectNothing();
        assertEquals(2, c.dupAcks);
        assertEquals(7000, c.pipe());
        assertEquals(2, count(StackCounter.TCP_DSACKS_RECEIVED));
        assertEquals(0, count(StackCounter.TCP_SPURIOUS_RETRANSMITS), "neither was a retransmission");
        // The real third duplicate ACK starts the recovery.
        ack(f.s(1), f.s(2), f.s(5));
        peer.expect(resent(1));
    }

    @Test
    void aRecoveryWhoseEveryRetransmissionIsDsackedWasSpuriousAndItsReductionIsUndone()
    {
        tenSegmentsInFlight();
        ack(f.s(1));
        final long cwnd = c.cwnd();
        // s1 is only late (reordered behind s2..s4): three duplicate ACKs --> s1, cwnd 4,500.
        ack(f.s(1), f.s(2), f.s(3));
        ack(f.s(1), f.s(2), f.s(4));
        ack(f.s(1), f.s(2), f.s(5));
        peer.expect(resent(1));
        assertEquals(4500, c.cwnd());
        ack(f.s(1), f.s(2), f.s(10));
        // <-- the original s1 arrives: ACK s10 ends the recovery.
        ack(f.s(10));
        assertFalse(c.inRecovery);
        assertEquals(4500, c.cwnd());
        // <-- then the resent s1, a duplicate: <ACK=s10><SACK=[s1,s2)> (RFC 2883 §4 (1)). The recovery's only
        // retransmission was needless (RFC 3708): cwnd and ssthresh are what they were before it.
        ack(f.s(10), f.s(1), f.s(2));
        assertEquals(1, count(StackCounter.TCP_DSACKS_RECEIVED));
        assertEquals(1, count(StackCounter.TCP_SPURIOUS_RETRANSMITS));
        assertEquals(cwnd, c.cwnd());
        assertEquals(Integer.MAX_VALUE, c.ssthresh());
        // Undone once: the same D-SACK again is counted, and changes nothing more.
        ack(f.s(10), f.s(1), f.s(2));
        assertEquals(2, count(StackCounter.TCP_DSACKS_RECEIVED));
        assertEquals(1, count(StackCounter.TCP_SPURIOUS_RETRANSMITS));
        peer.expectNothing();
    }

    @Test
    void aTimeoutInRecoveryEndsItClearsTheScoreboardAndNoRecoveryStartsBeforeRecoveryPoint()
    {
        tenSegmentsInFlight();
        s1LostThreeDuplicateAcksResendIt();
        // The resent s1 is lost too. RTO (200 ms): --> s1 again, cwnd 1 MSS (RFC 5681 §3.1); RFC 6675 §5.1: recovery
        // ends, RecoveryPoint = SND.MAX. The blocks are dropped (RFC 2018 §8): pipe is all that is outstanding.
        peer.advanceMs(201);
        final List<Seg> sent = peer.drain();
        assertEquals(1, sent.size(), sent.toString());
        assertTrue(resent(1).matches(sent.get(0)), sent.toString());
        assertFalse(c.inRecovery);
        assertEquals(1000, c.cwnd());
        assertEquals(9000, c.pipe());
        final long ssthresh = c.ssthresh();
        // <-- the peer's blocks again, for data sent before the timeout: no new recovery, no second reduction.
        ack(f.s(1), f.s(2), f.s(5));
        ack(f.s(1), f.s(2), f.s(6));
        ack(f.s(1), f.s(2), f.s(7));
        peer.expectNothing();
        assertFalse(c.inRecovery);
        assertEquals(ssthresh, c.ssthresh());
        // The scoreboard is rebuilt from the blocks the peer sends now: s7..s9 (3,000) in flight; s1, with 5,000
        // bytes SACKed above it, lost — what the timer resent is go-back-N's, outside a recovery (HighRxt = SND.UNA).
        assertEquals(3000, c.pipe());
    }
}
