package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.synack.stat.StackCounter;
import dev.synack.test.Flight;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * RFC 2018 selective acknowledgements, receiver side, segment by segment: SACK-permitted only when both SYNs
 * carry it; a duplicate ACK names the blocks held beyond the hole, the block of the latest arrival first;
 * filling the hole ends the blocks.
 */
class SackTest
{
    private static final int X = 10_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    /** Sent once from onData when set: an application answering what it reads. */
    private byte[] reply;
    private final RecordingHandler app = new RecordingHandler()
    {
        @Override
        public void onData(final TcpConnection c, final org.agrona.DirectBuffer buffer, final int offset,
            final int length)
        {
            super.onData(c, buffer, offset, length);
            if (reply != null)
            {
                c.send(new org.agrona.concurrent.UnsafeBuffer(reply), 0, reply.length);
                reply = null;
            }
        }
    };
    private final TcpEngine tcp = peer.stack.agent.tcp();

    private int established(final boolean peerOffersSack)
    {
        tcp.listen(80, app);
        final Seg syn = seg().syn().seq(X).mss(1000);
        if (peerOffersSack)
        {
            syn.sackOk();
        }
        final Seg synAck = peer.send(syn).expect(seg().syn().ack(X + 1));
        assertEquals(peerOffersSack, synAck.sackPermitted, "SACK-permitted echoed only when offered: " + synAck);
        peer.send(seg().ack(synAck.seq + 1).seq(X + 1)).expectNothing();
        return synAck.seq;
    }

    private Seg data(final int y, final int from, final int length)
    {
        return seg().ack(y + 1).seq(X + 1 + from).data(new byte[length]);
    }

    /** Queues 100-byte segments covering [from, to) for the next batch. */
    private void queueTrain(final int y, final int from, final int to)
    {
        for (int at = from; at < to; at += 100)
        {
            peer.queue(data(y, at, 100));
        }
    }

    @Test
    void duplicateAcksNameTheBlocksBeyondTheHoleLatestFirst()
    {
        final int y = established(true);
        // Segment 0..100 is lost; 100..200 arrives: ACK 1, SACK [100, 200).
        final Seg first = peer.send(data(y, 100, 100)).expect(seg().ack(X + 1));
        assertArrayEquals(new int[] {X + 101, X + 201}, first.sack, first.toString());
        // 200..300 joins that block.
        final Seg second = peer.send(data(y, 200, 100)).expect(seg().ack(X + 1));
        assertArrayEquals(new int[] {X + 101, X + 301}, second.sack, second.toString());
        // 400..500 after another hole: the newest block first, then the older one.
        final Seg third = peer.send(data(y, 400, 100)).expect(seg().ack(X + 1));
        assertArrayEquals(new int[] {X + 401, X + 501, X + 101, X + 301}, third.sack, third.toString());
        // The first hole fills: ACK 301, and only the block beyond the remaining hole is named.
        peer.send(data(y, 0, 100));
        final Seg filled = peer.expect(seg().ack(X + 301));
        assertArrayEquals(new int[] {X + 401, X + 501}, filled.sack, filled.toString());
        // The last hole: everything acknowledged, no SACK option any more.
        peer.send(data(y, 300, 100));
        final Seg all = peer.expect(seg().ack(X + 501));
        assertEquals(0, all.sack.length, all.toString());
        assertEquals(500, app.data.size());
    }

    @Test
    void aRetransmittedSegmentAlreadyReceivedDrawsADsack()
    {
        final int y = established(true);
        peer.send(data(y, 0, 100));
        peer.advanceMs(200);
        peer.expect(seg().ack(X + 101));
        // <-- 0..100 again (a spurious retransmission): --> <ACK=X+101><SACK=[X+1, X+101)>, RFC 2883 §4 (1): the
        // duplicate range as the first block, below the cumulative ACK — the sender learns it resent needlessly.
        final Seg dsack = peer.send(data(y, 0, 100)).expect(seg().ack(X + 101));
        assertArrayEquals(new int[] {X + 1, X + 101}, dsack.sack, dsack.toString());
        assertEquals(100, app.data.size(), "the duplicate's bytes were not delivered again");
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_DSACKS_SENT));
        // Reported once: the next ACK carries no block.
        peer.send(data(y, 100, 100));
        peer.advanceMs(200);
        final Seg next = peer.expect(seg().ack(X + 201));
        assertEquals(0, next.sack.length, next.toString());
    }

    @Test
    void aDsackIsNotSwallowedByTheDataThatLeavesWithIt()
    {
        final int y = established(true);
        peer.send(data(y, 0, 100));
        peer.advanceMs(200);
        peer.expect(seg().ack(X + 101));
        // In one batch: <-- 0..100 again (the sender's probe after our ACK came late), and 100..200, which the
        // application answers with 5 bytes. --> <ACK=X+201><SACK=[X+1, X+101)> bare, then the 5 bytes: an ACK riding
        // on the data carries no blocks, so the duplicate would never be reported (the kernel interop capture of
        // 2026-12-02: a tail-loss probe D-SACKed by nothing).
        reply = new byte[] {1, 2, 3, 4, 5};
        peer.queue(data(y, 0, 100)).queue(data(y, 100, 100)).run();
        final Seg dsack = peer.expect(seg().ack(X + 201));
        assertEquals(0, dsack.payload.length, dsack.toString());
        assertArrayEquals(new int[] {X + 1, X + 101}, dsack.sack, dsack.toString());
        final Seg answer = peer.expect(seg().ack(X + 201));
        assertEquals(5, answer.payload.length, answer.toString());
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_DSACKS_SENT));
        peer.expectNothing();
    }

    @Test
    void aDuplicateOfAHeldBlockDrawsADsackThenTheHeldBlocks()
    {
        final int y = established(true);
        // 0..100 lost; 100..200 and 300..400 held.
        peer.send(data(y, 100, 100)).expect(seg().ack(X + 1));
        peer.send(data(y, 300, 100)).expect(seg().ack(X + 1));
        // <-- 100..200 again: --> <ACK=X+1><SACK=[X+101, X+201), [X+101, X+201), [X+301, X+401)>: the D-SACK, then
        // the block containing it (RFC 2883 §4 (3)), then the other held block.
        final Seg dsack = peer.send(data(y, 100, 100)).expect(seg().ack(X + 1));
        assertArrayEquals(new int[] {X + 101, X + 201, X + 101, X + 201, X + 301, X + 401}, dsack.sack,
            dsack.toString());
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_DSACKS_SENT));
        // The first hole fills: ACK 201, the block beyond the other hole, and no D-SACK repeated.
        final Seg filled = peer.send(data(y, 0, 100)).expect(seg().ack(X + 201));
        assertArrayEquals(new int[] {X + 301, X + 401}, filled.sack, filled.toString());
        assertEquals(200, app.data.size());
    }

    @Test
    void aSegmentWhoseHeadArrivedAlreadyDrawsADsackOfTheHeadOnly()
    {
        final int y = established(true);
        peer.send(data(y, 0, 100));
        peer.advanceMs(200);
        peer.expect(seg().ack(X + 101));
        // <-- 50..200 (resent with more behind it): 50..100 is a duplicate, 100..200 new. The (delayed) ACK
        // --> <ACK=X+201><SACK=[X+51, X+101)>: RFC 2883 §4, only the duplicate part, below the cumulative ACK.
        peer.send(data(y, 50, 150));
        peer.advanceMs(200);
        final Seg dsack = peer.expect(seg().ack(X + 201));
        assertArrayEquals(new int[] {X + 51, X + 101}, dsack.sack, dsack.toString());
        assertEquals(200, app.data.size(), "the new part delivered, the duplicate not again");
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_DSACKS_SENT));
    }

    @Test
    void aSegmentOverlappingAHeldBlockDrawsADsackOfTheOverlapThenTheBlockItJoined()
    {
        final int y = established(true);
        // 0..100 lost; 200..300 and 400..500 held.
        peer.send(data(y, 200, 100)).expect(seg().ack(X + 1));
        peer.send(data(y, 400, 100)).expect(seg().ack(X + 1));
        // <-- 150..250: 200..250 held already. --> <ACK=X+1><SACK=[X+201, X+251), [X+151, X+301), [X+401, X+501)>:
        // the duplicate part, then the held block it joined, then the other.
        final Seg dsack = peer.send(data(y, 150, 100)).expect(seg().ack(X + 1));
        assertArrayEquals(new int[] {X + 201, X + 251, X + 151, X + 301, X + 401, X + 501}, dsack.sack,
            dsack.toString());
        // <-- 0..250, in order, into held 150..300: --> <ACK=X+301><SACK=[X+151, X+251), [X+401, X+501)>.
        final Seg filled = peer.send(data(y, 0, 250)).expect(seg().ack(X + 301));
        assertArrayEquals(new int[] {X + 151, X + 251, X + 401, X + 501}, filled.sack, filled.toString());
        assertEquals(300, app.data.size());
        assertEquals(2, peer.stack.counters.get(StackCounter.TCP_DSACKS_SENT));
    }

    @Test
    void noBlocksToAPeerThatDidNotOfferSack()
    {
        final int y = established(false);
        final Seg dup = peer.send(data(y, 100, 100)).expect(seg().ack(X + 1));
        assertEquals(0, dup.sack.length, dup.toString());
    }

    @Test
    void ourSynOffersSackAndTheOfferCanBeTurnedOff()
    {
        tcp.connect(RawPeer.PEER_IP, 5000, app);
        assertTrue(peer.expect(seg().syn()).sackPermitted);
        final RawPeer off = new RawPeer(RawPeer.config().sack(false));
        off.stack.agent.tcp().connect(RawPeer.PEER_IP, 5000, new RecordingHandler());
        assertFalse(off.expect(seg().syn()).sackPermitted);
    }

    @Test
    void withTheirBlocksWeResendTheSecondHoleBeforeThePartialAck()
    {
        established(true);
        final Flight f = Flight.send(peer, app.last, 10);
        // The peer got s0, lost s1, got s2 s3, lost s4, got s5 s6 s7 — and says so in its ACKs.
        peer.send(seg().ack(f.s(1)).seq(X + 1)).expectNothing();
        peer.send(seg().ack(f.s(1)).seq(X + 1).sack(f.s(2), f.s(3))).expectNothing();
        peer.send(seg().ack(f.s(1)).seq(X + 1).sack(f.s(2), f.s(4))).expectNothing();
        // Third duplicate ACK: fast retransmit of s1 (RFC 5681 §3.2).
        peer.send(seg().ack(f.s(1)).seq(X + 1).sack(f.s(5), f.s(6), f.s(2), f.s(4)))
            .expect(seg().ack(X + 1).seq(f.s(1)).len(1000));
        // Above s4 the peer holds 2,000 bytes: could still be reordering (RFC 6675 IsLost), so nothing yet.
        peer.send(seg().ack(f.s(1)).seq(X + 1).sack(f.s(5), f.s(7), f.s(2), f.s(4))).expectNothing();
        // 3,000 bytes above it: s4 is lost, resent now — NewReno would wait for the partial ACK of s1.
        peer.send(seg().ack(f.s(1)).seq(X + 1).sack(f.s(5), f.s(8), f.s(2), f.s(4)))
            .expect(seg().ack(X + 1).seq(f.s(4)).len(1000));
        // The partial ACK (s1 arrived) up to s4: s4 was resent already. cwnd 4,500 - pipe 3,000 leaves a segment and
        // no hole or new data to fill it: RFC 6675 NextSeg rule (4), the recovery's one rescue retransmission, resends
        // the tail s9, whose loss nothing after it could reveal.
        peer.send(seg().ack(f.s(4)).seq(X + 1).sack(f.s(5), f.s(8))).expect(seg().ack(X + 1).seq(f.s(9)).len(1000));
        peer.expectNothing();
        // Everything: recovery ends.
        peer.send(seg().ack(f.s(10)).seq(X + 1));
        assertEquals(3, peer.stack.counters.get(dev.synack.stat.StackCounter.TCP_RETRANSMITS));
    }

    @Test
    void withoutSackTheSecondHoleWaitsForThePartialAck()
    {
        established(false);
        final Flight f = Flight.send(peer, app.last, 10);
        // The first ACK moves SND.UNA to s1; the next three are duplicates, and two more follow.
        for (int i = 0; i < 6; i++)
        {
            peer.send(seg().ack(f.s(1)).seq(X + 1));
            final Seg sent = peer.drain().stream().findFirst().orElse(null);
            if (i == 3)
            {
                assertEquals(f.s(1), sent.seq, "fast retransmit of s1 at the third duplicate ACK");
            }
            else
            {
                assertEquals(null, sent, "nothing else: NewReno cannot know of the second hole");
            }
        }
        // The partial ACK reveals the hole at s4 (RFC 6582): resent only now.
        peer.send(seg().ack(f.s(4)).seq(X + 1)).expect(seg().ack(X + 1).seq(f.s(4)).len(1000));
    }

    @Test
    void outOfOrderSegmentsInOneBatchEachGetTheirOwnDuplicateAck()
    {
        final int y = established(true);
        // 0..100 is lost; 100..200, 300..400 and 500..600 arrive in one batch of received frames. RFC 5681 §4.2: a
        // duplicate ACK for each, each naming its own segment's block first (RFC 2018 §4) — not one ACK per batch
        // (only a train growing one block is merged, below).
        peer.queue(data(y, 100, 100)).queue(data(y, 300, 100)).queue(data(y, 500, 100)).run();
        final java.util.List<Seg> acks = peer.drain();
        assertEquals(3, acks.size(), acks.toString());
        for (final Seg ack : acks)
        {
            assertEquals(X + 1, (int)ack.ack, ack.toString());
            assertEquals(0, ack.payload.length, ack.toString());
        }
        assertEquals(X + 101, acks.get(0).sack[0]);
        assertEquals(X + 301, acks.get(1).sack[0]);
        assertEquals(X + 501, acks.get(2).sack[0]);
    }

    @Test
    void aTrainGrowingOneBlockDrawsThreeDuplicateAcksThenOneForTheRestOfTheBatch()
    {
        final int y = established(true);
        // 0..100 is lost; eight segments behind it, 100..900, arrive in one batch. The first three duplicate ACKs go
        // at once (what a sender counts toward fast retransmit, RFC 5681 §3.2); the five after only grow the block
        // the last one named, and are merged into one ACK at the batch's end (Linux: tcp_comp_sack).
        queueTrain(y, 100, 900);
        peer.run();
        final java.util.List<Seg> acks = peer.drain();
        assertEquals(4, acks.size(), acks.toString());
        assertArrayEquals(new int[] {X + 101, X + 201}, acks.get(0).sack, acks.toString());
        assertArrayEquals(new int[] {X + 101, X + 301}, acks.get(1).sack, acks.toString());
        assertArrayEquals(new int[] {X + 101, X + 401}, acks.get(2).sack, acks.toString());
        assertArrayEquals(new int[] {X + 101, X + 901}, acks.get(3).sack, acks.toString());
        for (final Seg ack : acks)
        {
            assertEquals(X + 1, (int)ack.ack, ack.toString());
            assertEquals(0, ack.payload.length, ack.toString());
        }
        assertEquals(5, peer.stack.counters.get(StackCounter.TCP_DUP_ACKS_COMPRESSED));
        // The next train behind the same hole, in the next batch: already past three duplicate ACKs, it grows the
        // named block and draws one ACK.
        peer.queue(data(y, 900, 100)).queue(data(y, 1000, 100)).run();
        final java.util.List<Seg> next = peer.drain();
        assertEquals(1, next.size(), next.toString());
        assertArrayEquals(new int[] {X + 101, X + 1101}, next.get(0).sack, next.toString());
        // The hole fills: ACK 1101 at once.
        peer.send(data(y, 0, 100)).expect(seg().ack(X + 1101));
    }

    @Test
    void aNewHoleInTheBatchSendsTheMergedAckFirstThenItsOwn()
    {
        final int y = established(true);
        // 100..500 grows one block (three ACKs at once, the fourth segment merged); then 600..700 opens a new block.
        // The merged ACK leaves first, naming [100, 500) while it still leads, then the new block's own.
        queueTrain(y, 100, 500);
        peer.queue(data(y, 600, 100)).run();
        final java.util.List<Seg> acks = peer.drain();
        assertEquals(5, acks.size(), acks.toString());
        assertArrayEquals(new int[] {X + 101, X + 501}, acks.get(3).sack, acks.toString());
        assertArrayEquals(new int[] {X + 601, X + 701, X + 101, X + 501}, acks.get(4).sack, acks.toString());
    }

    @Test
    void aHoleFilledInTheBatchOfAMergedAckLeavesNothingOwed()
    {
        final int y = established(true);
        // 100..500 behind the hole (the fourth merged), then the hole itself, all in one batch: one ACK of 501 at
        // the batch's end says everything.
        queueTrain(y, 100, 500);
        peer.queue(data(y, 0, 100)).run();
        final java.util.List<Seg> acks = peer.drain();
        assertEquals(X + 501, (int)acks.get(acks.size() - 1).ack, acks.toString());
        // A new hole later draws its own duplicate ACK and nothing else: no merged ACK is left over.
        peer.queue(data(y, 600, 100)).run();
        final java.util.List<Seg> next = peer.drain();
        assertEquals(1, next.size(), next.toString());
        assertArrayEquals(new int[] {X + 601, X + 701}, next.get(0).sack, next.toString());
    }

    @Test
    void anOwedAckGoesOutBareWithItsBlocksAheadOfDataWhileAHoleIsOpen()
    {
        final int y = established(true);
        peer.send(data(y, 100, 100)).expect(seg().ack(X + 1));
        // The first hole fills, a second opens: ACK 201 is owed and SACK [300, 400) must reach the sender. The
        // application answers with data, which carries no SACK blocks and counts as no duplicate ACK (RFC 5681 §2),
        // so the owed ACK leaves bare, with its blocks, before it.
        reply = new byte[50];
        peer.queue(data(y, 300, 100)).queue(data(y, 0, 100)).run();
        final java.util.List<Seg> sent = peer.drain();
        final Seg bare = sent.get(sent.size() - 2);
        assertEquals(X + 201, (int)bare.ack, sent.toString());
        assertEquals(0, bare.payload.length, sent.toString());
        assertArrayEquals(new int[] {X + 301, X + 401}, bare.sack, sent.toString());
        final Seg reply = sent.get(sent.size() - 1);
        assertEquals(50, reply.payload.length, sent.toString());
        assertEquals(X + 201, (int)reply.ack, sent.toString());
    }
}
