package dev.synack.tcp.hostile;

import static dev.synack.tcp.hostile.HostileLink.ascii;
import static dev.synack.tcp.hostile.HostileLink.X;
import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpState;
import dev.synack.test.Seg;

/**
 * What a peer, or someone spoofing it, can send into TIME-WAIT (RFC 9293 §3.6.1, §3.10.7.4): FIN storms, RSTs and
 * SYNs with old and new sequence numbers and timestamps (RFC 6191). TIME-WAIT lasts 2MSL (60 s here) from the last
 * FIN that really was the peer's, and a new incarnation of the 4-tuple opens only when nothing old can be mistaken
 * for it.
 */
class TimeWaitStormTest
{
    /**
     * Some text each way, then synack closes first: <-- <CTL=FIN,ACK>; --> <CTL=FIN,ACK> acknowledging it;
     * <-- <ACK=FIN+1>: TIME-WAIT. The application has read every byte and heard NORMAL. stackNxt and peerNxt are
     * left past both FINs.
     */
    private static HostileLink inTimeWait(final HostileLink link)
    {
        link.peerWrites("before the close");
        link.appWrites("before the close too");
        link.c.close();
        link.note(link.peer.expect(seg().fin().ack(link.peerNxt).seq(link.stackNxt)));
        link.stackNxt++;
        link.note(link.peer.send(link.next().fin()).expect(seg().ack(link.peerNxt + 1).seq(link.stackNxt)));
        link.peerNxt++;
        assertEquals(TcpState.TIME_WAIT, link.tcp.stateOf(link.app.handle));
        assertEquals(CloseReason.NORMAL, link.app.closeReason);
        assertEquals("before the close", link.app.data.toString());
        assertEquals(1, link.count(StackCounter.TCP_TIME_WAIT));
        return link;
    }

    /** The FIN the peer already sent, again: <SEQ=RCV.NXT-1><ACK=SND.NXT><CTL=FIN,ACK>. */
    private static Seg retransmittedFin(final HostileLink link)
    {
        return link.stamp(seg().fin().ack(link.stackNxt).seq(link.peerNxt - 1));
    }

    @Test
    void aStormOfRetransmittedFinsIsAckedEachTimeAndEndsTwoMslAfterTheLast()
    {
        // RFC 9293 §3.10.7.4 eighth step, TIME-WAIT: a retransmitted FIN is acknowledged again and restarts 2MSL.
        // 500 FINs, 100 ms apart (50 s): 500 ACKs <SEQ=SND.NXT><ACK=RCV.NXT>; one TIME-WAIT entry throughout; the
        // connection ends 60 s after the last FIN, not after the first. Nothing is counted as a drop.
        final HostileLink link = inTimeWait(HostileLink.established());
        final long handle = link.app.handle;
        for (int i = 0; i < 500; i++)
        {
            link.peer.advanceMs(100);
            link.peer.send(retransmittedFin(link)).expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        }
        assertEquals(1, link.tcp.timeWaitQueued());
        assertEquals(1, link.count(StackCounter.TCP_TIME_WAIT));
        link.peer.advanceSeconds(59);
        assertEquals(TcpState.TIME_WAIT, link.tcp.stateOf(handle));
        link.peer.advanceSeconds(1);
        link.peer.advanceMs(5);
        assertEquals(TcpState.CLOSED, link.tcp.stateOf(handle));
        assertEquals(0, link.count(StackCounter.TCP_TIME_WAIT));
        assertEquals(0, link.count(DropReason.TCP_UNACCEPTABLE) + link.count(DropReason.TCP_AFTER_FIN));
        link.peer.expectNothing();
    }

    @Test
    void aBlindFinStormNeitherExtendsTimeWaitNorReachesPastTheFirstFin()
    {
        // 1000 spoofed FINs, 10 ms apart, none the real retransmission (<SEQ=RCV.NXT-1>):
        // 500 inside the window, --> <SEQ=RCV.NXT+1+60k><ACK=SND.NXT><CTL=FIN,ACK>: past the first FIN, ignored
        //     (RFC 9293 §3.10.7.4 steps seven and eight), counted under TCP_AFTER_FIN, nothing sent;
        // 500 outside, --> <SEQ=RCV.NXT+100000+8000000k><CTL=FIN,ACK>: unacceptable, and as they occupy sequence space
        //     each is answered <SEQ=SND.NXT><ACK=RCV.NXT> (first step; as Linux, only segments without text or FIN
        //     fall under the invalid-ACK rate limit).
        // 2MSL is not restarted by any of them: TIME-WAIT ends 60 s after it began.
        final HostileLink link = inTimeWait(HostileLink.established());
        final long handle = link.app.handle;
        final long entered = link.peer.clock.nanoTime();
        int acks = 0;
        for (int k = 0; k < 500; k++)
        {
            link.peer.advanceMs(10);
            link.peer.send(seg().fin().ack(link.stackNxt).seq(link.peerNxt + 1 + 60 * k)).expectNothing();
            link.peer.advanceMs(10);
            for (final Seg sent : link.peer.send(seg().fin().ack(link.stackNxt)
                .seq(link.peerNxt + 100_000 + 8_000_000 * k)).drain())
            {
                assertTrue(seg().ack(link.peerNxt).seq(link.stackNxt).matches(sent), sent.toString());
                acks++;
            }
        }
        assertEquals(500, acks);
        assertEquals(500, link.count(DropReason.TCP_AFTER_FIN));
        assertEquals(500, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(1, link.tcp.timeWaitQueued());
        final long toGo = 60_000 - (link.peer.clock.nanoTime() - entered) / 1_000_000;
        link.peer.advanceMs(toGo - 5);
        assertEquals(TcpState.TIME_WAIT, link.tcp.stateOf(handle));
        link.peer.advanceMs(10);
        assertEquals(TcpState.CLOSED, link.tcp.stateOf(handle),
            "2MSL from entering TIME-WAIT: no spoofed FIN restarted it");
    }

    @Test
    void aRstExactlyAtRcvNxtEndsTimeWaitEarly()
    {
        // RFC 9293 §3.10.7.4 second step, TIME-WAIT: <SEQ=RCV.NXT><CTL=RST> --> CLOSED, TCB deleted (by default
        // synack, as Linux, does not apply RFC 1337's "ignore RSTs in TIME-WAIT": see the next case). Nothing sent, the
        // application (told NORMAL already) hears nothing more, counted as an accepted RST.
        final HostileLink link = inTimeWait(HostileLink.established());
        final long handle = link.app.handle;
        final List<String> before = List.copyOf(link.app.events);
        link.peer.send(seg().rst().seq(link.peerNxt)).expectNothing();
        assertEquals(TcpState.CLOSED, link.tcp.stateOf(handle));
        assertEquals(before, link.app.events);
        assertEquals(1, link.count(StackCounter.TCP_RESETS_RECEIVED));
        assertEquals(0, link.count(StackCounter.TCP_TIME_WAIT));
        assertEquals(0, link.tcp.connectionsInUse());
    }

    @Test
    void withRfc1337NoRstEndsTimeWaitEarly()
    {
        // RFC 1337 ("TIME-WAIT assassination"), StackConfig.rfc1337(true) as Linux's tcp_rfc1337=1: an exact
        // <SEQ=RCV.NXT><CTL=RST> and an in-window <SEQ=RCV.NXT+5><CTL=RST> --> nothing sent, both dropped and
        // counted; TIME-WAIT runs its whole 2MSL (60 s).
        final HostileLink link = inTimeWait(new HostileLink(HostileLink.config().rfc1337(true))
            .open(seg().syn().seq(X).mss(1460)));
        final long handle = link.app.handle;
        link.peer.send(seg().rst().seq(link.peerNxt)).expectNothing();
        link.peer.send(seg().rst().seq(link.peerNxt + 5)).expectNothing();
        assertEquals(2, link.count(DropReason.TCP_RST_IN_TIME_WAIT));
        assertEquals(0, link.count(StackCounter.TCP_RESETS_RECEIVED));
        assertEquals(0, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        link.peer.advanceSeconds(59);
        assertEquals(TcpState.TIME_WAIT, link.tcp.stateOf(handle));
        link.peer.advanceSeconds(1);
        link.peer.advanceMs(5);
        assertEquals(TcpState.CLOSED, link.tcp.stateOf(handle));
        assertEquals(0, link.tcp.connectionsInUse());
    }

    @Test
    void aRstInsideTheWindowInTimeWaitIsChallengedAndTimeWaitRunsItsCourse()
    {
        // RFC 5961 §3.2 in TIME-WAIT: <SEQ=RCV.NXT+5><CTL=RST> --> <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, no reset;
        // <SEQ=RCV.NXT-2><CTL=RST> (below the window) --> dropped silently. TIME-WAIT ends at 2MSL as it would have.
        final HostileLink link = inTimeWait(HostileLink.established());
        final long handle = link.app.handle;
        link.peer.send(seg().rst().seq(link.peerNxt + 5)).expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        link.peer.send(seg().rst().seq(link.peerNxt - 2)).expectNothing();
        assertEquals(1, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(2, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(0, link.count(StackCounter.TCP_RESETS_RECEIVED));
        link.peer.advanceSeconds(59);
        assertEquals(TcpState.TIME_WAIT, link.tcp.stateOf(handle));
        link.peer.advanceSeconds(1);
        link.peer.advanceMs(5);
        assertEquals(TcpState.CLOSED, link.tcp.stateOf(handle));
    }

    @Test
    void aSynWithASequenceNumberAboveRcvNxtReopensTheTupleWithAnIssAboveTheOldSndNxt()
    {
        // RFC 9293 §3.10.7.4 note, RFC 6191 §2 (no timestamps): --> <SEQ=RCV.NXT+100000><CTL=SYN> may reopen.
        // <-- <SEQ=SND.NXT+65537><ACK=RCV.NXT+100001><CTL=SYN,ACK>: the new ISS lies above everything the old
        // incarnation sent (as Linux). The old TIME-WAIT is gone; the new connection carries every byte.
        final HostileLink link = inTimeWait(HostileLink.established());
        final int newIrs = link.peerNxt + 100_000;
        final int oldSndNxt = link.stackNxt;
        link.peer.send(seg().syn().seq(newIrs).mss(1460))
            .expect(seg().syn().ack(newIrs + 1).seq(oldSndNxt + 65_537));
        assertEquals(0, link.count(StackCounter.TCP_TIME_WAIT));
        link.peerNxt = newIrs + 1;
        link.stackNxt = oldSndNxt + 65_538;
        link.peer.send(link.next()).expectNothing();
        link.c = link.app.last;
        assertEquals(TcpState.ESTABLISHED, link.c.state());
        link.app.data.reset();
        link.peerWrote.reset();
        link.appWrote.reset();
        link.peerRead.reset();
        link.assertKeepsEveryByte();
        assertEquals(1, link.tcp.connectionsInUse());
    }

    @Test
    void aSynWithAnOldSequenceNumberIntoTimeWaitIsAnsweredWithAnAckAndTimeWaitHolds()
    {
        // RFC 6191 §2: without timestamps, a SYN at or below RCV.NXT could be an old duplicate: it may not reopen.
        // --> <SEQ=RCV.NXT-1000><CTL=SYN> is outside the window: <-- <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
        // (RFC 5961 §4.2 wants exactly this ACK), dropped as unacceptable. --> <SEQ=RCV.NXT><CTL=SYN>: in the
        // window, a challenge ACK. TIME-WAIT stays; no new connection; nothing reaches the application.
        final HostileLink link = inTimeWait(HostileLink.established());
        final long handle = link.app.handle;
        final List<String> before = List.copyOf(link.app.events);
        link.peer.send(seg().syn().seq(link.peerNxt - 1000).mss(1460))
            .expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        link.peer.send(seg().syn().seq(link.peerNxt).mss(1460)).expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(2, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(1, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(TcpState.TIME_WAIT, link.tcp.stateOf(handle));
        assertEquals(1, link.tcp.connectionsInUse());
        assertEquals(before, link.app.events);
    }

    @Test
    void aSynWithAnOldTimestampIntoTimeWaitIsRejectedByPawsWhateverItsSequenceNumber()
    {
        // RFC 6191 §2 with timestamps on the old incarnation: only a SYN whose TSval is above TS.Recent may reopen.
        // --> <SEQ=RCV.NXT+100000><CTL=SYN><TS=TS.Recent-1>: an old duplicate by its timestamp (RFC 7323 §5.3),
        // <-- <ACK=RCV.NXT>, counted under TCP_PAWS; TIME-WAIT stays.
        final HostileLink link = inTimeWait(HostileLink.establishedWithTimestamps());
        final long handle = link.app.handle;
        link.peer.send(seg().syn().seq(link.peerNxt + 100_000).mss(1460).ts(link.tsVal - 1, 0))
            .expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(1, link.count(DropReason.TCP_PAWS));
        assertEquals(TcpState.TIME_WAIT, link.tcp.stateOf(handle));
        assertEquals(1, link.tcp.connectionsInUse());
    }

    @Test
    void aSynWithANewerTimestampReopensTimeWaitEvenBelowRcvNxt()
    {
        // RFC 6191 §2: with timestamps, a SYN whose TSval is above TS.Recent reopens, whatever its SEQ:
        // --> <SEQ=RCV.NXT-5000><CTL=SYN><TS=TS.Recent+1000> <-- <SEQ=SND.NXT+65537><CTL=SYN,ACK>; the new
        // incarnation works and keeps every byte.
        final HostileLink link = inTimeWait(HostileLink.establishedWithTimestamps());
        final int newIrs = link.peerNxt - 5000;
        final int oldSndNxt = link.stackNxt;
        link.tsVal += 1000;
        link.note(link.peer.send(seg().syn().seq(newIrs).mss(1460).ts(link.tsVal, 0))
            .expect(seg().syn().ack(newIrs + 1).seq(oldSndNxt + 65_537)));
        link.peerNxt = newIrs + 1;
        link.stackNxt = oldSndNxt + 65_538;
        link.peer.send(link.next()).expectNothing();
        link.c = link.app.last;
        link.app.data.reset();
        link.peerWrote.reset();
        link.appWrote.reset();
        link.peerRead.reset();
        link.assertKeepsEveryByte();
        assertEquals(0, link.count(DropReason.TCP_PAWS));
        assertEquals(0, link.count(StackCounter.TCP_TIME_WAIT));
        assertEquals(ascii("after the attack: peer to synack").length, link.app.data.size());
    }
}
