package dev.synack.tcp.hostile;

import static dev.synack.tcp.hostile.HostileLink.X;
import static dev.synack.tcp.hostile.HostileLink.ascii;
import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpState;

/**
 * Three hostile cases where synack's answer once differed from the RFC's (found by this suite, each seen failing
 * before its fix): TS.Recent never invalidated after 24 days idle, a RST on the window's right edge challenged, a
 * SYN in a passive SYN-RECEIVED challenged instead of returning the embryo to LISTEN. The "synack today" lines
 * record what it did before.
 */
class RfcAnswersTest
{
    @Test
    void pawsStopsRejectingOnceTheConnectionHasBeenIdleMoreThan24Days()
    {
        // RFC 7323 §5.5 (and R1 in §5.3, "TS.Recent is valid"): "an implementation of PAWS [must] include a mechanism
        // to 'invalidate' the TS.Recent value when a connection is idle for more than 24 days" — the peer's
        // timestamp clock may have wrapped its sign bit meanwhile, and every later segment would look old.
        // Keep-alive is off by default, so nothing else refreshes TS.Recent.
        // 25 days of silence, then --> <SEQ=RCV.NXT><TS=TS.Recent+2160000000><DATA="after 25 days"> (the peer's 1 ms
        // clock moved on 25 days, past 2^31 ticks: "older" in modular order): it must be accepted, TS.Recent taken.
        // synack before the fix: drops it as PAWS (TCP_PAWS) for ever; the connection is frozen.
        final HostileLink link = HostileLink.establishedWithTimestamps();
        link.peerWrites("before");
        link.peer.clock.advance(25, TimeUnit.DAYS);
        link.peer.run();
        link.peer.drain();
        link.tsVal += (int)TimeUnit.DAYS.toMillis(25);
        final byte[] text = ascii("after 25 days");
        link.peer.send(seg().ack(link.stackNxt).seq(link.peerNxt).ts(link.tsVal, link.tsEcr).data(text));
        link.accepted(text);
        link.peer.advanceMs(40);
        link.peer.expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(0, link.count(DropReason.TCP_PAWS));
        assertEquals("beforeafter 25 days", link.app.data.toString());
        link.assertKeepsEveryByte();
    }

    @Test
    void aRstOnTheRightEdgeOfTheWindowIsDroppedSilently()
    {
        // RFC 5961 §3.2: "If the RST bit is set and the sequence number is outside the current receive window,
        // silently drop the segment"; the window is RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND (RFC 9293 §3.4), so
        // SEG.SEQ = RCV.NXT+RCV.WND is outside. With a 4096-byte window: --> <SEQ=RCV.NXT+4096><CTL=RST> -->
        // nothing sent, counted unacceptable, no challenge ACK.
        // synack before the fix: acceptable() took the right edge itself for every zero-length segment (meant for
        // bare ACKs, "as Linux does"), so this RST was in its window and drew a challenge ACK (Linux does the same).
        final HostileLink link = new HostileLink(HostileLink.config().receiveBufferSize(4096))
            .open(seg().syn().seq(X).mss(1460));
        assertEquals(4096, link.c.rcvWnd());
        link.peer.send(seg().rst().seq(link.peerNxt + 4096)).expectNothing();
        assertEquals(0, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(1, link.count(DropReason.TCP_UNACCEPTABLE));
        link.assertKeepsEveryByte();
    }

    @Test
    void aSynInSynReceivedOfAPassiveOpenReturnsItToListen()
    {
        // RFC 9293 §3.10.7.4, fourth (check the SYN bit), SYN-RECEIVED: "If the connection was initiated with a
        // passive OPEN, then return this connection to the LISTEN state and return." (RFC 5961 §4's challenge ACK is
        // for the synchronized states, which SYN-RECEIVED is not.)
        // --> <SEQ=X><CTL=SYN>  <-- <SEQ=Y><ACK=X+1><CTL=SYN,ACK>  --> <SEQ=X+100><CTL=SYN> (in the window, not a
        // retransmission of the first): the embryo is deleted, the listener stays, the application never hears.
        // synack before the fix: answers with a challenge ACK <SEQ=Y+1><ACK=X+1> and keeps the SYN-RECEIVED embryo
        // (TcpEngine.synchronizedArrival, "RFC 5961 §4.2: challenge ACK in every synchronized state and
        // SYN-RECEIVED"). More robust against blind SYNs, but not what RFC 9293 says; Linux resets the embryo.
        final HostileLink link = new HostileLink(HostileLink.config());
        link.tcp.listen(link.peer.stackPort, link.app);
        link.peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1));
        link.peer.send(seg().syn().seq(X + 100).mss(1460));
        link.peer.drain();
        assertEquals(0, link.tcp.connectionsIn(TcpState.SYN_RECEIVED));
        assertEquals(0, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(List.of(), link.app.events);
        link.peer.peerPort++;
        link.peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1));
    }
}
