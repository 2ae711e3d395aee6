package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * RFC 7323 timestamps, segment by segment: negotiated only when both SYNs carry the option, then on every
 * segment with TSecr = TS.Recent; TS.Recent follows the rules of §4.3; PAWS (§5) drops an old duplicate by its
 * timestamp and ACKs it; a full segment holds 12 fewer data bytes.
 */
class TimestampsTest
{
    private static final int X = 3_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private final TcpEngine tcp = peer.stack.agent.tcp();

    /** Passive open where the peer's SYN carries TSval 100; returns our ISS. */
    private int passiveWithTimestamps()
    {
        tcp.listen(80, app);
        final Seg synAck = peer.send(seg().syn().seq(X).mss(1460).ts(100, 0)).expect(seg().syn().ack(X + 1));
        assertNotNull(synAck.tsVal, "our SYN-ACK carries timestamps because the peer's SYN did: " + synAck);
        assertEquals(100, synAck.tsEcr, "and echoes the peer's TSval");
        peer.send(seg().ack(synAck.seq + 1).seq(X + 1).ts(101, synAck.tsVal)).expectNothing();
        return synAck.seq;
    }

    @Test
    void activeOpenOffersTimestampsAndTheyStayWhenThePeerAgrees()
    {
        final long h = tcp.connect(RawPeer.PEER_IP, 5000, app);
        final Seg syn = peer.expect(seg().syn().mss(1460));
        assertNotNull(syn.tsVal, "our SYN offers timestamps: " + syn);
        assertEquals(0, syn.tsEcr, "TSecr is 0 in a SYN");
        peer.peerPort = 5000;
        peer.stackPort = syn.srcPort;
        final Seg ack = peer.send(seg().syn().ack(syn.seq + 1).seq(X).mss(1460).ts(7000, syn.tsVal))
            .expect(seg().ack(X + 1).seq(syn.seq + 1));
        assertEquals(7000, ack.tsEcr, "every segment now echoes TS.Recent: " + ack);
        assertEquals(TcpState.ESTABLISHED, tcp.stateOf(h));
    }

    @Test
    void noTimestampsWhenThePeersSynHasNone()
    {
        tcp.listen(80, app);
        final Seg synAck = peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1));
        assertNull(synAck.tsVal, "RFC 7323 §3.2: not in the SYN-ACK unless the SYN had it: " + synAck);
        peer.send(seg().ack(synAck.seq + 1).seq(X + 1)).expectNothing();
        app.last.send(new UnsafeBuffer(new byte[10]), 0, 10);
        assertNull(peer.expect(seg().ack(X + 1).len(10)).tsVal);
    }

    @Test
    void dataCarriesTimestampsEchoesTsRecentAndFullSegmentsShrinkBy12()
    {
        final int y = passiveWithTimestamps();
        peer.send(seg().ack(y + 1).seq(X + 1).ts(150, 0).data(new byte[100]));
        peer.advanceMs(40);
        final Seg ack = peer.expect(seg().ack(X + 101).seq(y + 1));
        assertEquals(150, ack.tsEcr, "TS.Recent moved to 150: the segment started at Last.ACK.sent");

        assertEquals(3000, app.last.send(new UnsafeBuffer(new byte[3000]), 0, 3000));
        final List<Seg> sent = peer.drain();
        assertEquals(1448, sent.get(0).payloadLength, "MSS 1460 less the 12 option bytes: " + sent);
        for (final Seg s : sent)
        {
            assertEquals(150, s.tsEcr, s.toString());
        }
    }

    @Test
    void pawsDropsAnOldDuplicateByItsTimestampAndAcksIt()
    {
        final int y = passiveWithTimestamps();
        peer.send(seg().ack(y + 1).seq(X + 1).ts(500, 0).data(new byte[10]));
        peer.advanceMs(40);
        peer.expect(seg().ack(X + 11).seq(y + 1));
        assertEquals(10, app.data.size());
        // An old duplicate of the next segment: in the window by its sequence number, but TSval 498, two ticks
        // older than TS.Recent 500.
        peer.send(seg().ack(y + 1).seq(X + 11).ts(498, 0).data(new byte[10]));
        final Seg answer = peer.expect(seg().ack(X + 11).seq(y + 1));
        assertEquals(500, answer.tsEcr);
        assertEquals(10, app.data.size(), "the duplicate's bytes were not taken");
        assertEquals(1, peer.stack.counters.get(DropReason.TCP_PAWS));
        // The genuine segment, TSval 510, is taken.
        peer.send(seg().ack(y + 1).seq(X + 11).ts(510, 0).data(new byte[10]));
        assertEquals(20, app.data.size());
    }

    @Test
    void aTsValOneTickOlderThanTsRecentPassesPawsAsOnLinux()
    {
        final int y = passiveWithTimestamps();
        peer.send(seg().ack(y + 1).seq(X + 1).ts(500, 0).data(new byte[10]));
        // A Linux sender pacing its segments stamps each with its departure time, its ACKs with the clock: the
        // next data segment may carry TSval 499. Linux's receiver lets one tick pass (TCP_PAWS_WINDOW); a strict
        // RFC 7323 R1 dropped such trains against a Linux client under loss and stalled the flow for seconds.
        peer.send(seg().ack(y + 1).seq(X + 11).ts(499, 0).data(new byte[10]));
        assertEquals(20, app.data.size(), "one tick older is taken");
        assertEquals(0, peer.stack.counters.get(DropReason.TCP_PAWS));
        assertEquals(500, app.last.tsRecent, "TS.Recent never moves back");
        peer.send(seg().ack(y + 1).seq(X + 21).ts(498, 0).data(new byte[10]));
        assertEquals(20, app.data.size(), "two ticks older is PAWS's");
        assertEquals(1, peer.stack.counters.get(DropReason.TCP_PAWS));
    }

    @Test
    void tsRecentIsNotTakenFromASegmentBeyondLastAckSent()
    {
        final int y = passiveWithTimestamps();
        // Out of order (beyond Last.ACK.sent = X + 1): its TSval 900 must not become TS.Recent (§4.3).
        peer.send(seg().ack(y + 1).seq(X + 11).ts(900, 0).data(new byte[10]));
        final Seg dupAck = peer.expect(seg().ack(X + 1).seq(y + 1));
        assertTrue(dupAck.tsEcr < 900, "TS.Recent stays at the in-order segment's value: " + dupAck);
        // The hole's segment, TSval 800 (sent earlier than 900), is in order: accepted, not a PAWS victim.
        peer.send(seg().ack(y + 1).seq(X + 1).ts(800, 0).data(new byte[10]));
        assertEquals(20, app.data.size());
        assertEquals(0, peer.stack.counters.get(DropReason.TCP_PAWS));
    }

    @Test
    void aBlindSegmentWithAnUnacceptableAckAndAHugeTsValDoesNotPoisonPaws()
    {
        final int y = passiveWithTimestamps();
        final TcpConnection c = app.last;
        // A blind attacker guesses the 4-tuple and an in-window SEQ, not SND.NXT: <SEQ=X+1><ACK=Y+100000><TS=2^30>.
        // RFC 5961 §5.2: the ACK is beyond SND.NXT, so the segment is dropped (and ACKed) — it is not accepted, so
        // RFC 7323 §4.3 must not take its TSval as TS.Recent.
        final Seg answer = peer.send(seg().ack(y + 100_000).seq(X + 1).ts(1 << 30, 0))
            .expect(seg().ack(X + 1).seq(y + 1));
        assertEquals(101, answer.tsEcr, "TS.Recent is still the handshake ACK's TSval: " + answer);
        // A blind SYN at RCV.NXT: RFC 5961 §4 challenges it; not accepted either, so TS.Recent stays.
        final Seg challenge = peer.send(seg().syn().seq(X + 1).ts(1 << 30, 0)).expect(seg().ack(X + 1).seq(y + 1));
        assertEquals(101, challenge.tsEcr, challenge.toString());
        assertEquals(101, c.tsRecent);
        // The genuine peer's next segment, TSval 150, passes PAWS and is taken.
        peer.send(seg().ack(y + 1).seq(X + 1).ts(150, 0).data(new byte[10]));
        assertEquals(10, app.data.size(), "the genuine segment was not a PAWS victim");
        assertEquals(0, peer.stack.counters.get(DropReason.TCP_PAWS));
        assertEquals(150, c.tsRecent, "an accepted segment at Last.ACK.sent refreshes TS.Recent");
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void onceNegotiatedASegmentWithoutTimestampsIsDroppedButARstIsNot()
    {
        final int y = passiveWithTimestamps();
        // <-- <SEQ=X+1><ACK=Y+1><DATA=10> without TSopt: RFC 7323 §3.2 — dropped silently, nothing taken or sent.
        peer.send(seg().ack(y + 1).seq(X + 1).data(new byte[10])).expectNothing();
        peer.advanceMs(100);
        peer.expectNothing();
        assertEquals(0, app.data.size());
        assertEquals(X + 1, app.last.rcvNxt());
        assertEquals(1, peer.stack.counters.get(DropReason.TCP_NO_TIMESTAMPS));
        // The same segment with TSopt is taken.
        peer.send(seg().ack(y + 1).seq(X + 1).ts(150, 0).data(new byte[10]));
        assertEquals(10, app.data.size());
        // <-- <SEQ=X+11><CTL=RST> without TSopt: a RST is processed without it; at RCV.NXT it resets.
        peer.send(seg().rst().seq(X + 11)).expectNothing();
        assertEquals(CloseReason.RESET, app.closeReason);
        assertEquals(1, peer.stack.counters.get(DropReason.TCP_NO_TIMESTAMPS));
    }

    @Test
    void pawsDropsWithoutTextAreAnsweredAtMostOncePerInvalidAckInterval()
    {
        final int y = passiveWithTimestamps();
        peer.send(seg().ack(y + 1).seq(X + 1).ts(500, 0).data(new byte[10]));
        peer.advanceMs(40);
        peer.expect(seg().ack(X + 11).seq(y + 1));
        // Three old pure ACKs (TSval 400 < TS.Recent 500): PAWS drops all three, one ACK answers them.
        for (int i = 0; i < 3; i++)
        {
            peer.send(seg().ack(y + 1).seq(X + 11).ts(400, 0));
        }
        assertEquals(1, peer.drain().size());
        assertEquals(3, peer.stack.counters.get(DropReason.TCP_PAWS));
        assertEquals(2, peer.stack.counters.get(StackCounter.TCP_INVALID_ACKS_SUPPRESSED));
    }

    /** 2^20 ns: one tick of our TSval clock, the resolution of an RTT sample taken from TSecr. */
    private static final long TICK_NS = 1 << 20;
    private static final long MS = 1_000_000;

    @Test
    void theAckOfARetransmittedSegmentGivesAnRttSampleFromItsTsEcr()
    {
        final int y = passiveWithTimestamps();
        final TcpConnection c = app.last;
        final long srttAfterHandshake = c.srttNs;
        assertEquals(10, c.send(new UnsafeBuffer(new byte[10]), 0, 10));
        final Seg first = peer.expect(seg().ack(X + 1).seq(y + 1).len(10));
        // Lost: the retransmission timer resends it, with a new TSval.
        List<Seg> resent = peer.drain();
        while (resent.isEmpty())
        {
            peer.advanceMs(1);
            resent = peer.drain();
        }
        final Seg again = resent.get(0);
        assertEquals(y + 1, again.seq);
        assertTrue(again.tsVal != first.tsVal.intValue(), "a retransmission carries a new TSval: " + again);
        // <-- <ACK=Y+11> 50 ms later, echoing the retransmission. Karn's rule forbids a sample from it without
        // timestamps; RFC 7323 §4 (RTTM): the echo says which transmission it answers, so it is one.
        peer.advanceMs(50);
        peer.send(seg().ack(y + 11).seq(X + 1).ts(102, again.tsVal)).expectNothing();
        assertTrue(srttAfterHandshake <= 1, "the handshake took no time: SRTT " + srttAfterHandshake);
        // RFC 6298 §2.3 after the handshake's (0 ms): SRTT = 7/8 0 + 1/8 50 ms, RTTVAR = 3/4 0 + 1/4 |0 - 50 ms|.
        assertEquals(50 * MS / 8, c.srttNs, TICK_NS / 8, "SRTT took the 50 ms sample, to one TSval tick");
        assertEquals(50 * MS / 4, c.rttvarNs, TICK_NS / 4, "and RTTVAR");
    }

    @Test
    void everyAckOfNewDataIsASampleSoSrttTracksAChangingRtt()
    {
        final int y = passiveWithTimestamps();
        final TcpConnection c = app.last;
        assertEquals(4000, c.send(new UnsafeBuffer(new byte[4000]), 0, 4000));
        final List<Seg> sent = peer.drain();
        assertEquals(3, sent.size(), sent.toString());
        // Each segment ACKed on its own, 10, 20 and 30 ms after it left: one sample each (Linux's choice, RFC 7323
        // Appendix G: the standard gains, one sample per ACK) — not one per round trip.
        int tsVal = 102;
        for (final Seg s : sent)
        {
            peer.advanceMs(10);
            peer.send(seg().ack(s.seq + s.payloadLength).seq(X + 1).ts(tsVal++, s.tsVal));
        }
        // RFC 6298 §2.3 over the handshake's 0 ms, then 10, 20, 30 ms: SRTT 1.25, then 3.59, then 6.89 ms.
        assertEquals(6_895 * 1_000L, c.srttNs, TICK_NS / 2, "SRTT moved with every ACK");
        // A path that slows to 100 ms: SRTT climbs toward it ACK by ACK.
        long before = c.srttNs;
        for (int i = 0; i < 8; i++)
        {
            assertEquals(100, c.send(new UnsafeBuffer(new byte[100]), 0, 100));
            final Seg s = peer.expect(seg().ack(X + 1).len(100));
            peer.advanceMs(100);
            peer.send(seg().ack(s.seq + 100).seq(X + 1).ts(tsVal++, s.tsVal));
            assertTrue(c.srttNs > before, "sample " + i + ": SRTT " + c.srttNs + " after " + before);
            before = c.srttNs;
        }
        assertTrue(c.srttNs > 60 * MS, "SRTT near the new RTT after 8 samples: " + c.srttNs);
    }

    @Test
    void aTsEcrOnAnAckOfNoNewDataIsNoSample()
    {
        final int y = passiveWithTimestamps();
        final TcpConnection c = app.last;
        assertEquals(10, c.send(new UnsafeBuffer(new byte[10]), 0, 10));
        final Seg s = peer.expect(seg().ack(X + 1).len(10));
        peer.advanceMs(20);
        peer.send(seg().ack(y + 11).seq(X + 1).ts(102, s.tsVal));
        final long srtt = c.srttNs;
        // RFC 7323 §4.2: a duplicate ACK (here a window update, ACK = SND.UNA) echoes an old TSval: no sample.
        peer.advanceMs(500);
        peer.send(seg().ack(y + 11).seq(X + 1).win(30000).ts(103, s.tsVal));
        assertEquals(srtt, c.srttNs);
    }

    @Test
    void offByConfigurationNeitherOffersNorAccepts()
    {
        final RawPeer off = new RawPeer(RawPeer.config().timestamps(false));
        final RecordingHandler handler = new RecordingHandler();
        off.stack.agent.tcp().listen(80, handler);
        final Seg synAck = off.send(seg().syn().seq(X).mss(1460).ts(100, 0)).expect(seg().syn().ack(X + 1));
        assertNull(synAck.tsVal, synAck.toString());
        off.stack.agent.tcp().connect(RawPeer.PEER_IP, 5000, handler);
        assertNull(off.expect(seg().syn()).tsVal, "no offer either");
    }
}
