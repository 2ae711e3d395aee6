package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * RFC 4987 §3.6: a listener whose backlog is full answers a SYN with a cookie in the ISS of its SYN-ACK and keeps
 * nothing; the ACK that brings the cookie back opens the connection. A listener under pressure gives its SYN-RECEIVED
 * entries fewer SYN-ACK retransmissions.
 */
class SynCookieTest
{
    private static final int X = 70_000;
    private static final int OUR_MSS = 1460;

    private final RawPeer peer = new RawPeer(RawPeer.config().listenBacklog(1));
    private final RecordingHandler app = new RecordingHandler();
    private final TcpEngine tcp = peer.stack.agent.tcp();

    private long counter(final StackCounter counter)
    {
        return peer.stack.counters.get(counter);
    }

    /** LISTEN with a backlog of 1, taken by a SYN from port 40000 that is never answered. */
    private void fullBacklog()
    {
        tcp.listen(peer.stackPort, app);
        peer.peerPort = 40000;
        peer.send(seg().syn().seq(5_000).mss(1460)).expect(seg().syn().ack(5_001));
        assertEquals(1, tcp.connectionsIn(TcpState.SYN_RECEIVED));
        peer.peerPort = 40001;
    }

    @Test
    void aFullBacklogAnswersWithACookieWhoseAckOpensTheConnection()
    {
        fullBacklog();
        // --> <SEQ=X><CTL=SYN><MSS=1460><WS=7><SACK-OK><TS=100,0>
        // <-- <SEQ=cookie><ACK=X+1><CTL=SYN,ACK><MSS=1460><WS><SACK-OK><TS=ts,100>: no entry is kept
        final Seg synAck = peer.send(seg().syn().seq(X).mss(1460).wscale(7).sackOk().ts(100, 0))
            .expect(seg().syn().ack(X + 1).mss(OUR_MSS));
        final int y = synAck.seq;
        assertEquals(100, (int)synAck.tsEcr);
        assertTrue(synAck.windowScale != null && synAck.sackPermitted, "the options offered, as to any SYN: " + synAck);
        assertEquals(7 | SynCookies.TS_SACK, synAck.tsVal & 0x3F, "the low 6 bits of TSval: WS=7, SACK-permitted");
        assertEquals(1, tcp.connectionsIn(TcpState.SYN_RECEIVED), "no entry for the cookie");
        assertEquals(1, counter(StackCounter.TCP_CONNECTIONS));
        assertEquals(1, counter(StackCounter.TCP_SYN_COOKIES_SENT));

        // --> <SEQ=X+1><ACK=cookie+1><CTL=ACK><TS=101,ts><DATA=hello>: ESTABLISHED, the text delivered
        peer.send(seg().ack(y + 1).seq(X + 1).ts(101, synAck.tsVal).data("hello".getBytes()));
        assertEquals(List.of("open", "data 5"), app.events);
        assertEquals("hello", app.data.toString());
        final TcpConnection c = app.last;
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(y, c.iss());
        assertEquals(X, c.irs());
        assertEquals(1460 - 12, c.mss(), "MSS 1460 from the cookie, less the timestamps option");
        assertTrue(c.windowScaling && c.sndShift == 7 && c.sackPermitted && c.timestamps, "options from TSecr");
        // <-- <SEQ=cookie+1><ACK=X+6><CTL=ACK> (delayed)
        peer.advanceMs(40);
        peer.expect(seg().ack(X + 6).seq(y + 1));
        assertEquals(1, counter(StackCounter.TCP_SYN_COOKIES_ACCEPTED));
        assertEquals(0, counter(StackCounter.TCP_SYN_COOKIES_REJECTED));
        assertEquals(0, counter(StackCounter.TCP_TABLE_FULL));
        assertEquals(0, counter(StackCounter.TCP_RESETS_SENT));
        assertEquals(1, counter(StackCounter.TCP_ESTABLISHED));
    }

    @Test
    void aCookieConnectionTakesTsRecentFromTheSegmentsThatFollow()
    {
        fullBacklog();
        final Seg synAck = peer.send(seg().syn().seq(X).mss(1460).ts(100, 0)).expect(seg().syn().ack(X + 1));
        final int y = synAck.seq;
        // --> <SEQ=X+1><ACK=cookie+1><CTL=ACK><TS=101,ts>: ESTABLISHED
        peer.send(seg().ack(y + 1).seq(X + 1).ts(101, synAck.tsVal)).expectNothing();
        // --> <SEQ=X+1><ACK=cookie+1><TS=200,ts><DATA=4>  <-- <SEQ=cookie+1><ACK=X+5><TS=..,200> (RFC 7323 §4.3)
        peer.send(seg().ack(y + 1).seq(X + 1).ts(200, synAck.tsVal).data("more".getBytes()));
        peer.advanceMs(40);
        assertEquals(200, (int)peer.expect(seg().ack(X + 5).seq(y + 1)).tsEcr);
    }

    @Test
    void withTimestampsTheCookieHandshakeGivesTheFirstRttSample()
    {
        tcp.listen(peer.stackPort, app);
        // The backlog's one entry, from port 40000 with timestamps: its SYN-ACK's TSval is our TS clock now, exact.
        peer.peerPort = 40000;
        final int tsNow = peer.send(seg().syn().seq(5_000).mss(1460).ts(1, 0)).expect(seg().syn().ack(5_001)).tsVal;
        // A cookie SYN-ACK's TSval carries the options in its low 6 bits, rounded down from the clock (so an RTT
        // sample from it errs long, by up to 63 ticks). Send it on a tick whose low bits are those options (15: no
        // window scale, no SACK), where it is exact.
        final long tick = 1L << SegmentOutput.TS_TICK_SHIFT;
        final int ticks = (SynCookies.TS_NO_WINDOW_SCALE - tsNow) & 63;
        peer.clock.advanceNs(ticks * tick);
        peer.peerPort = 40001;
        final Seg synAck = peer.send(seg().syn().seq(X).mss(1460).ts(100, 0)).expect(seg().syn().ack(X + 1));
        assertEquals(tsNow + ticks, (int)synAck.tsVal);
        // --> 30 ticks later <SEQ=X+1><ACK=cookie+1><CTL=ACK><TS=101,cookie's TSval>: RTTM (RFC 7323 §4)
        peer.clock.advanceNs(30 * tick);
        peer.send(seg().ack(synAck.seq + 1).seq(X + 1).ts(101, synAck.tsVal)).expectNothing();
        final TcpConnection c = app.last;
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(30 * tick, c.srttNs());
        // RFC 6298 §2.2: RTO = SRTT + 4 × SRTT / 2, at least the 200 ms floor.
        assertEquals(200_000_000L, c.rtoNs());
    }

    @Test
    void withoutTimestampsACookieConnectionKeepsTheInitialRto()
    {
        fullBacklog();
        final Seg synAck = peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1));
        peer.clock.advanceNs(30_000_000L);
        peer.send(seg().ack(synAck.seq + 1).seq(X + 1)).expectNothing();
        final TcpConnection c = app.last;
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(0, c.srttNs(), "the cookie holds no send time: no sample");
        assertEquals(RawPeer.config().initialRtoNs(), c.rtoNs());
    }

    @Test
    void withoutTimestampsACookieCarriesOnlyTheMssRoundedDown()
    {
        fullBacklog();
        // --> <SEQ=X><CTL=SYN><MSS=1400><WS=7><SACK-OK>   <-- <SEQ=cookie><ACK=X+1><CTL=SYN,ACK><MSS=1460>
        final Seg synAck = peer.send(seg().syn().seq(X).mss(1400).wscale(7).sackOk())
            .expect(seg().syn().ack(X + 1).mss(OUR_MSS));
        assertNull(synAck.windowScale, "nothing could bring window scale back");
        assertFalse(synAck.sackPermitted);
        assertNull(synAck.tsVal);
        // --> <SEQ=X+1><ACK=cookie+1><CTL=ACK>: ESTABLISHED with MSS 1300 (the table entry below 1400), no WS, no SACK
        peer.send(seg().ack(synAck.seq + 1).seq(X + 1)).expectNothing();
        final TcpConnection c = app.last;
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(1300, c.mss());
        assertFalse(c.windowScaling || c.sackPermitted || c.timestamps);
        assertEquals(1, counter(StackCounter.TCP_SYN_COOKIES_ACCEPTED));
    }

    @Test
    void aForgedCookieIsAnsweredWithRstAndCounted()
    {
        fullBacklog();
        // No cookie sent yet: an ACK to the listener gets its RST unchecked (Linux: tcp_synq_no_recent_overflow).
        peer.peerPort = 40002;
        peer.send(seg().ack(12_345).seq(X)).expect(seg().rst().seq(12_345));
        assertEquals(0, counter(StackCounter.TCP_SYN_COOKIES_REJECTED));
        peer.peerPort = 40001;
        final Seg synAck = peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1));
        // --> <SEQ=X+1><ACK=cookie+5><CTL=ACK>: not the cookie  <-- <SEQ=cookie+5><CTL=RST>
        peer.send(seg().ack(synAck.seq + 5).seq(X + 1)).expect(seg().rst().seq(synAck.seq + 5));
        // --> the cookie from another port  <-- <CTL=RST>
        peer.peerPort = 40003;
        peer.send(seg().ack(synAck.seq + 1).seq(X + 1)).expect(seg().rst().seq(synAck.seq + 1));
        // Two periods later (the backlog still full, a new SYN answered with a cookie), the old cookie has expired:
        // --> <SEQ=X+1><ACK=cookie+1><CTL=ACK>  <-- <SEQ=cookie+1><CTL=RST>
        peer.clock.advanceNs(2 * SynCookies.PERIOD_NS);
        peer.drain(); // the SYN-ACK retransmission to port 40000, whose entry still fills the backlog
        peer.peerPort = 40004;
        peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1));
        peer.peerPort = 40001;
        peer.send(seg().ack(synAck.seq + 1).seq(X + 1)).expect(seg().rst().seq(synAck.seq + 1));
        assertEquals(3, counter(StackCounter.TCP_SYN_COOKIES_REJECTED));
        assertEquals(0, counter(StackCounter.TCP_SYN_COOKIES_ACCEPTED));
        assertEquals(List.of(), app.events, "no connection opened");
    }

    @Test
    void withCookiesOffAFullBacklogRefusesTheSyn()
    {
        final RawPeer off = new RawPeer(RawPeer.config().listenBacklog(1).synCookies(false));
        off.stack.agent.tcp().listen(off.stackPort, app);
        off.send(seg().syn().seq(5_000)).expect(seg().syn().ack(5_001));
        off.peerPort = 40001;
        off.send(seg().syn().seq(X)).expect(seg().rst().ack(X + 1).seq(0));
        assertEquals(1, off.stack.counters.get(StackCounter.TCP_TABLE_FULL));
        assertEquals(0, off.stack.counters.get(StackCounter.TCP_SYN_COOKIES_SENT));
    }

    /** Advances {@code p}'s clock; returns how many SYN-ACKs went to each of the peer ports 40000..40003 meanwhile. */
    private static String synAcksOver(final RawPeer p, final int seconds)
    {
        return Arrays.toString(synAcksPerPort(p, seconds));
    }

    private static int[] synAcksPerPort(final RawPeer p, final int seconds)
    {
        p.advanceSeconds(seconds);
        final int[] perPort = new int[4];
        for (final Seg s : p.drain())
        {
            assertEquals(TcpHeader.SYN | TcpHeader.ACK, s.flags, s.toString());
            perPort[s.dstPort - 40000]++;
        }
        return perPort;
    }

    @Test
    void pastHalfTheBacklogEntriesGiveUpAfterTwoSynAckRetransmissionsUntilTheBacklogDrains()
    {
        final RawPeer p = new RawPeer(RawPeer.config().listenBacklog(4));
        p.stack.agent.tcp().listen(p.stackPort, app);
        // Four SYNs nobody answers: the backlog is full, more than half of it in SYN-RECEIVED.
        for (int port = 40000; port < 40004; port++)
        {
            p.peerPort = port;
            p.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1));
        }
        // <-- SYN-ACK again at 1 s and 3 s to all four; at 7 s the first two to reach a third give up, which leaves
        // the backlog half full: no longer pressed, the other two get synRetries = 6.
        assertEquals("[1, 1, 1, 1]", synAcksOver(p, 1));
        assertEquals("[1, 1, 1, 1]", synAcksOver(p, 2));
        final int[] at7 = synAcksPerPort(p, 4);
        Arrays.sort(at7);
        assertEquals("[0, 0, 1, 1]", Arrays.toString(at7));
        assertEquals(2, p.stack.agent.tcp().connectionsIn(TcpState.SYN_RECEIVED));
        assertEquals(2, p.stack.counters.get(StackCounter.TCP_TIMEOUTS));
        // SYN-ACKs at 15, 31 and 63 s, given up at 63 + 60 (the RTO ceiling) s.
        final int[] later = synAcksPerPort(p, 120);
        Arrays.sort(later);
        assertEquals("[0, 0, 3, 3]", Arrays.toString(later));
        assertEquals(0, p.stack.agent.tcp().connectionsIn(TcpState.SYN_RECEIVED));
        assertEquals(4, p.stack.counters.get(StackCounter.TCP_TIMEOUTS));
    }

    @Test
    void theSynAckLimitFollowsTheBacklogsPressureWhenTheTimerFiresNotWhenTheEntryWasMade()
    {
        final RawPeer p = new RawPeer(RawPeer.config().listenBacklog(4));
        p.stack.agent.tcp().listen(p.stackPort, app);
        // At 0 s, a SYN from port 40000 into a calm backlog (1 of 4): made with synRetries = 6.
        p.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1));
        assertEquals("[1, 0, 0, 0]", synAcksOver(p, 1));
        // At 1 s, three more fill the backlog; their SYN-ACKs go again at 2 s and 4 s, 40000's at 3 s.
        final int[] iss = new int[4];
        for (int port = 40001; port < 40004; port++)
        {
            p.peerPort = port;
            iss[port - 40000] = p.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1)).seq;
        }
        assertEquals("[1, 1, 1, 1]", synAcksOver(p, 2));
        // At 7 s 40000's timer finds the backlog pressed: it had its 2 retransmissions and gives up.
        assertEquals("[0, 1, 1, 1]", synAcksOver(p, 4));
        assertEquals(1, p.stack.counters.get(StackCounter.TCP_TIMEOUTS));
        // --> <SEQ=X+1><ACK=Y+1><CTL=ACK> from 40001: ESTABLISHED, and the backlog is half full, no longer pressed.
        p.peerPort = 40001;
        p.send(seg().ack(iss[1] + 1).seq(X + 1)).expectNothing();
        assertEquals(2, p.stack.agent.tcp().connectionsIn(TcpState.SYN_RECEIVED));
        // At 8 s the two made under pressure had 2 retransmissions too, but get synRetries back: a third SYN-ACK.
        assertEquals("[0, 0, 1, 1]", synAcksOver(p, 1));
        assertEquals(1, p.stack.counters.get(StackCounter.TCP_TIMEOUTS));
    }
}
