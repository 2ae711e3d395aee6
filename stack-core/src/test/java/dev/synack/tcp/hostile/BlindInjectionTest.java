package dev.synack.tcp.hostile;

import static dev.synack.tcp.hostile.HostileLink.X;
import static dev.synack.tcp.hostile.HostileLink.ascii;
import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpState;
import dev.synack.test.Seg;

/**
 * An off-path attacker who knows the 4-tuple and guesses sequence numbers (RFC 5961): RSTs, SYNs and data sprayed
 * across and around the receive window, and ACK fields outside [SND.UNA - MAX.SND.WND, SND.NXT]. Only the exact
 * RST ends the connection; everything else is answered with at most a (rate-limited) ACK, counted, and the
 * connection keeps every byte.
 */
class BlindInjectionTest
{
    /** The window synack offers the peer: 64 KiB of buffer, no scaling, so the field's 65535. */
    private static final int WND = 65_535;

    @Test
    void rstExactlyAtRcvNxtResetsTheConnection()
    {
        // RFC 5961 §3.2, RFC 9293 §3.10.7.4 second step: <SEQ=RCV.NXT><CTL=RST> --> CLOSED, nothing sent back.
        final HostileLink link = HostileLink.established();
        link.peerWrites("some text");
        link.peer.send(seg().rst().seq(link.peerNxt)).expectNothing();
        assertEquals(CloseReason.RESET, link.app.closeReason);
        assertEquals(0, link.tcp.connectionsInUse());
        assertEquals(1, link.count(StackCounter.TCP_RESETS_RECEIVED));
        assertEquals(0, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(0, link.count(StackCounter.TCP_RESETS_SENT));
    }

    @Test
    void rstInsideTheWindowButNotAtRcvNxtGetsAChallengeAck()
    {
        // RFC 5961 §3.2: RCV.NXT < SEG.SEQ < RCV.NXT + RCV.WND --> <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, no reset.
        final HostileLink link = HostileLink.established();
        link.peer.send(seg().rst().seq(link.peerNxt + 1)).expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        link.peer.send(seg().rst().seq(link.peerNxt + WND / 2)).expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        link.peer.send(seg().rst().seq(link.peerNxt + WND - 1)).expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(3, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(3, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(0, link.count(StackCounter.TCP_RESETS_RECEIVED));
        assertNull(link.app.closeReason);
        link.assertKeepsEveryByte();
    }

    @Test
    void rstWithAnAckFieldStillNeedsTheExactSequenceNumber()
    {
        // RFC 5961 §3.2 judges a RST by SEG.SEQ alone: <SEQ=RCV.NXT+7><ACK=SND.NXT><CTL=RST,ACK>, the right ACK and
        // a near guess, is challenged like any other.
        final HostileLink link = HostileLink.established();
        link.peer.send(seg().rst().ack(link.stackNxt).seq(link.peerNxt + 7))
            .expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(1, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        link.assertKeepsEveryByte();
    }

    @Test
    void rstOutsideTheWindowIsDroppedSilently()
    {
        // RFC 5961 §3.2 (first rule), RFC 9293 §3.10.7.4: a RST outside the window, below RCV.NXT or past its right
        // edge, is dropped silently: no ACK, no reset. Each is counted as unacceptable.
        final HostileLink link = HostileLink.established();
        link.peerWrites("0123456789");
        link.peer.send(seg().rst().seq(link.peerNxt - 1)).expectNothing();
        link.peer.send(seg().rst().seq(link.peerNxt - 10)).expectNothing();
        link.peer.send(seg().rst().seq(link.peerNxt + WND + 2)).expectNothing();
        link.peer.send(seg().rst().seq(link.peerNxt + 0x7FFF_FFFF)).expectNothing();
        link.peer.send(seg().rst().seq(link.peerNxt + 0x8000_0000)).expectNothing();
        assertEquals(5, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(0, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(0, link.count(StackCounter.TCP_RESETS_RECEIVED));
        link.assertKeepsEveryByte();
    }

    @Test
    void aBlindRstSweepAcrossTheWholeSequenceSpaceNeverResetsWithoutTheExactValue()
    {
        // An attacker sprays <CTL=RST> at RCV.NXT + 1 + k * 4096, every 4096th sequence number but RCV.NXT itself:
        // 2^20 - 1 guesses.
        // Those in the window are challenged (at most challengeAckLimit, 100, a second: RFC 5961 §7), the rest
        // dropped silently. The connection lives.
        final HostileLink link = HostileLink.established();
        final int rcvNxt = link.peerNxt;
        int inWindow = 0;
        for (long i = 0; i < (1L << 20) - 1; i++)
        {
            final int guess = rcvNxt + 1 + (int)(i << 12);
            if (Integer.compareUnsigned(guess - rcvNxt, WND) < 0)
            {
                inWindow++;
            }
            link.peer.queue(seg().rst().seq(guess));
            if ((i & 1023) == 1023)
            {
                link.peer.drain();
            }
        }
        link.peer.drain();
        assertEquals(16, inWindow, "guesses inside the 64 KiB window");
        assertEquals(16, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals((1L << 20) - 1, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(0, link.count(StackCounter.TCP_RESETS_RECEIVED));
        link.assertKeepsEveryByte();
    }

    @Test
    void challengeAcksForAnRstFloodAreCappedPerSecond()
    {
        // RFC 5961 §7: 150 in-window RSTs within one second get challengeAckLimit (100) challenge ACKs; the other 50
        // are counted as suppressed. A second later the allowance is back.
        final HostileLink link = HostileLink.established();
        for (int i = 0; i < 150; i++)
        {
            link.peer.send(seg().rst().seq(link.peerNxt + 1 + i));
        }
        assertEquals(100, link.peer.drain().size());
        assertEquals(100, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(50, link.count(StackCounter.TCP_CHALLENGE_ACKS_SUPPRESSED));
        link.peer.advanceSeconds(1);
        link.peer.send(seg().rst().seq(link.peerNxt + 500)).expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(101, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        link.assertKeepsEveryByte();
    }

    @Test
    void synInsideTheWindowGetsAChallengeAckNotAReset()
    {
        // RFC 5961 §4.2 (replacing RFC 793's "reset on an in-window SYN"): <SEQ=RCV.NXT+100><CTL=SYN> -->
        // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. No RST is sent, the connection stays.
        final HostileLink link = HostileLink.established();
        link.peer.send(seg().syn().seq(link.peerNxt + 100).mss(1460))
            .expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        link.peer.send(seg().syn().seq(link.peerNxt).mss(1460)).expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(2, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(2, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(0, link.count(StackCounter.TCP_RESETS_SENT));
        link.assertKeepsEveryByte();
    }

    @Test
    void synWithTextAtRcvNxtIsChallengedAndItsTextNeverDelivered()
    {
        // RFC 5961 §4.2: <SEQ=RCV.NXT><CTL=SYN,ACK><DATA="forged"> is a SYN in a synchronized state: challenge
        // ACK, and the segment is dropped whole, its text not taken as the next bytes of the stream.
        final HostileLink link = HostileLink.established();
        link.peer.send(seg().syn().ack(link.stackNxt).seq(link.peerNxt).data(ascii("forged")))
            .expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        link.peer.advanceMs(100);
        link.peer.expectNothing();
        assertEquals(0, link.app.data.size());
        assertEquals(1, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        link.assertKeepsEveryByte();
    }

    @Test
    void rstInsideTheWindowInSynReceivedIsChallengedAndTheHandshakeCompletes()
    {
        // RFC 5961 §3 applies in SYN-RECEIVED too: <SEQ=X+50><CTL=RST> is challenged with <SEQ=Y+1><ACK=X+1>
        // (the ACK the handshake needs anyway); the handshake then completes and the connection works.
        final HostileLink link = new HostileLink(HostileLink.config());
        link.tcp.listen(link.peer.stackPort, link.app);
        final int y = link.peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1)).seq;
        link.peer.send(seg().rst().seq(X + 50)).expect(seg().ack(X + 1).seq(y + 1));
        assertEquals(1, link.tcp.connectionsIn(TcpState.SYN_RECEIVED));
        assertEquals(1, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        link.y = y;
        link.peerNxt = X + 1;
        link.stackNxt = y + 1;
        link.peer.send(link.next()).expectNothing();
        link.c = link.app.last;
        link.assertKeepsEveryByte();
    }

    @Test
    void dataWhoseAckIsOlderThanMaxSndWndIsChallengedAndDropped()
    {
        // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT]. MAX.SND.WND is 65535 (the peer's
        // window): <SEQ=RCV.NXT><ACK=SND.UNA-65536><DATA="blind"> --> challenge ACK, text discarded.
        final HostileLink link = HostileLink.established();
        link.appWrites("raise SND.UNA a little");
        link.peer.send(seg().ack(link.stackNxt - 65_536).seq(link.peerNxt).data(ascii("blind")))
            .expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(1, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals(1, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(0, link.app.data.size(), "the blind text never reached the application");
        link.assertKeepsEveryByte();
    }

    @Test
    void dataWhoseAckIsOldButWithinMaxSndWndIsAccepted()
    {
        // RFC 5961 §5.2: SEG.ACK = SND.UNA - MAX.SND.WND is still acceptable (an old duplicate ACK: ignored, RFC 9293
        // §3.10.7.4), so the text on it is taken: <SEQ=RCV.NXT><ACK=SND.UNA-65535><DATA="late ack"> is delivered.
        final HostileLink link = HostileLink.established();
        link.appWrites("raise SND.UNA a little");
        final byte[] text = ascii("late ack");
        link.peer.send(seg().ack(link.stackNxt - WND).seq(link.peerNxt).data(text));
        link.accepted(text);
        link.peer.advanceMs(40);
        link.peer.expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(0, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        assertEquals("late ack", link.app.data.toString());
        link.assertKeepsEveryByte();
    }

    @Test
    void dataAcknowledgingBytesNeverSentIsAnsweredWithAnAckAndDropped()
    {
        // RFC 9293 §3.10.7.4 fifth step, RFC 5961 §5.2: SEG.ACK > SND.NXT --> send an ACK, drop the segment (text
        // included), return. <SEQ=RCV.NXT><ACK=SND.NXT+1000><DATA="ahead"> --> <SEQ=SND.NXT><ACK=RCV.NXT>.
        final HostileLink link = HostileLink.established();
        link.peer.send(seg().ack(link.stackNxt + 1000).seq(link.peerNxt).data(ascii("ahead")))
            .expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(1, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(0, link.app.data.size());
        assertEquals(link.stackNxt, link.c.sndUna(), "SND.UNA never moved past what was sent");
        link.assertKeepsEveryByte();
    }

    @Test
    void blindDataOutsideTheWindowIsAckedAndDropped()
    {
        // RFC 9293 §3.10.7.4 first step: text entirely outside [RCV.NXT, RCV.NXT+RCV.WND) --> <ACK=RCV.NXT>, dropped.
        // Beyond the right edge and wholly below RCV.NXT (an old duplicate) alike.
        final HostileLink link = HostileLink.established();
        link.peerWrites("0123456789");
        link.peer.send(seg().ack(link.stackNxt).seq(link.peerNxt + WND + 100).data(ascii("beyond")))
            .expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        final Seg old = seg().ack(link.stackNxt).seq(link.peerNxt - 10).data(ascii("XXXXXXXXXX"));
        link.peer.send(old).expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(2, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals("0123456789", link.app.data.toString());
        link.assertKeepsEveryByte();
    }
}
