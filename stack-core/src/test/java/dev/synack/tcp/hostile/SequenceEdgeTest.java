package dev.synack.tcp.hostile;

import static dev.synack.tcp.hostile.HostileLink.X;
import static dev.synack.tcp.hostile.HostileLink.ascii;
import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpHeader;
import dev.synack.tcp.TcpState;
import dev.synack.test.Seg;

/**
 * Segments at the edges of the sequence space and of the window, and flag combinations a normal peer rarely sends:
 * wraparound across 2^32, the window's right edge, zero-length segments there, URG, SYN with text, FIN with text,
 * text after FIN, PAWS (RFC 7323 §5) and segments without timestamps once they were negotiated (RFC 7323 §3.2).
 */
class SequenceEdgeTest
{
    /** A 4 KiB receive buffer: the window synack offers (unscaled) is exactly 4096, edge cases are cheap to reach. */
    private static final int SMALL = 4096;

    private static HostileLink smallWindow()
    {
        return new HostileLink(HostileLink.config().receiveBufferSize(SMALL)).open(seg().syn().seq(X).mss(1460));
    }

    @Test
    void thePeersSequenceNumbersWrapAcross2To32InOrderAndOutOfOrder()
    {
        // <SEQ=2^32-16><CTL=SYN> ... the stream crosses 0: RFC 9293 §3.4 arithmetic is modulo 2^32.
        // --> <SEQ=2^32-15><DATA=10>            in order, ends at 2^32-5
        // --> <SEQ=5><DATA=10>                  out of order past the wrap, held: <-- <ACK=2^32-5>
        // --> <SEQ=2^32-5><DATA=10>             crosses 0, fills the hole: <-- <ACK=15>
        final int iss = 0xFFFF_FFF0;
        final HostileLink link = new HostileLink(HostileLink.config()).open(seg().syn().seq(iss).mss(1460));
        link.peerWrites("0123456789");
        assertEquals(0xFFFF_FFFB, link.c.rcvNxt());
        link.peer.send(seg().ack(link.stackNxt).seq(5).data(ascii("ABCDEFGHIJ")))
            .expect(seg().ack(0xFFFF_FFFB).seq(link.stackNxt));
        link.peer.send(seg().ack(link.stackNxt).seq(0xFFFF_FFFB).data(ascii("klmnopqrst")))
            .expect(seg().ack(15).seq(link.stackNxt));
        link.accepted(ascii("klmnopqrstABCDEFGHIJ"));
        assertEquals(15, link.c.rcvNxt());
        assertEquals("0123456789klmnopqrstABCDEFGHIJ", link.app.data.toString());
        link.assertKeepsEveryByte();
    }

    @Test
    void textPastTheRightEdgeIsTrimmedToTheEdgeAndTakenWhenRetransmitted()
    {
        // The application stops reading; the window is 4096. Three 1400-byte segments: the third crosses the edge.
        // --> <SEQ=X+1><DATA=1400> --> <SEQ=X+1401><DATA=1400> --> <SEQ=X+2801><DATA=1400>
        // RFC 9293 §3.10.7.4: only the part inside the window is kept: <-- <ACK=X+4097><WND=0>.
        // The application reads again: <-- <ACK=X+4097><WND=4096>; the peer resends the last 104: all 4200 arrive.
        final HostileLink link = smallWindow();
        final int x1 = link.peerNxt;
        link.c.pauseReading();
        final byte[] stream = new byte[4200];
        for (int i = 0; i < stream.length; i++)
        {
            stream[i] = (byte)('a' + (i * 7) % 26);
        }
        for (int i = 0; i < 3; i++)
        {
            link.peer.send(seg().ack(link.stackNxt).seq(x1 + i * 1400).data(Arrays.copyOfRange(stream,
                i * 1400, (i + 1) * 1400)));
        }
        link.peer.advanceMs(40);
        final List<Seg> acks = link.peer.drain();
        final Seg last = acks.get(acks.size() - 1);
        assertEquals(x1 + SMALL, (int)last.ack, acks.toString());
        assertEquals(0, (int)last.window);
        assertEquals(0, link.app.data.size());
        link.c.resumeReading();
        link.peer.expect(seg().ack(x1 + SMALL).seq(link.stackNxt).win(SMALL));
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + SMALL).data(Arrays.copyOfRange(stream, SMALL,
            stream.length)));
        link.accepted(stream);
        link.peer.advanceMs(40);
        link.peer.expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(new String(stream, StandardCharsets.US_ASCII), link.app.data.toString());
        assertEquals(0, link.count(DropReason.TCP_UNACCEPTABLE), "trimmed, never dropped");
        link.assertKeepsEveryByte();
    }

    @Test
    void zeroLengthSegmentsAtAndPastTheRightEdge()
    {
        // Window 4096, RCV.NXT = X+1.
        // --> <SEQ=X+1+4095><CTL=ACK>   inside the window: a valid ACK, nothing to answer
        // --> <SEQ=X+1+4096><CTL=ACK>   on the right edge: RFC 9293 §3.10.7.4 strictly rejects it; synack accepts
        //                               it on purpose, as Linux does (a peer whose window we filled ACKs from there)
        // --> <SEQ=X+1+4097><CTL=ACK>   past the edge: <-- <SEQ=SND.NXT><ACK=X+1>, dropped, unacceptable
        // --> <SEQ=X+1+4096><DATA=8>    text starting on the edge: past the window, <-- <ACK=X+1>, dropped
        final HostileLink link = smallWindow();
        final int x1 = link.peerNxt;
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + SMALL - 1)).expectNothing();
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + SMALL)).expectNothing();
        assertEquals(0, link.count(DropReason.TCP_UNACCEPTABLE));
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + SMALL + 1)).expect(seg().ack(x1).seq(link.stackNxt));
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + SMALL).data(ascii("edgetext")))
            .expect(seg().ack(x1).seq(link.stackNxt));
        assertEquals(2, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(0, link.app.data.size());
        link.assertKeepsEveryByte();
    }

    @Test
    void aZeroWindowTakesOnlyTheSegmentAtRcvNxtAndDropsItsText()
    {
        // The application stops reading and the peer fills the 4096 window: RCV.WND = 0.
        // RFC 9293 §3.10.7.4: with RCV.WND = 0 only SEG.SEQ = RCV.NXT is acceptable, and its text is not taken
        // (valid ACKs, URGs and RSTs are). --> <SEQ=RCV.NXT><DATA=10> <-- <ACK=RCV.NXT><WND=0>;
        // --> <SEQ=RCV.NXT+1><CTL=ACK> <-- <ACK=RCV.NXT><WND=0>, counted unacceptable.
        final HostileLink link = smallWindow();
        link.c.pauseReading();
        final byte[] full = ascii("w".repeat(1024));
        for (int i = 0; i < 4; i++)
        {
            link.peer.send(link.next().data(full));
            link.accepted(full);
        }
        link.peer.advanceMs(40);
        link.peer.drain();
        assertEquals(0, link.c.rcvWnd());
        link.peer.send(link.next().data(ascii("0123456789"))).expect(seg().ack(link.peerNxt).win(0));
        link.peer.advanceMs(600); // past the invalid-ACK interval
        link.peer.send(seg().ack(link.stackNxt).seq(link.peerNxt + 1)).expect(seg().ack(link.peerNxt).win(0));
        assertEquals(1, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(link.peerNxt, link.c.rcvNxt());
        link.c.resumeReading();
        link.peer.expect(seg().ack(link.peerNxt).win(SMALL));
        link.assertKeepsEveryByte();
    }

    @Test
    void textMarkedUrgentIsDeliveredInlineInItsPlace()
    {
        // RFC 9293 §3.8.5 / RFC 6093 §4: synack does not implement urgent mode (docs/rfc-coverage.md: URG ignored);
        // the text of <SEQ=RCV.NXT><CTL=URG,ACK><DATA="!urgent!"> is ordinary text, in sequence order.
        final HostileLink link = HostileLink.established();
        link.peerWrites("before ");
        final Seg urgent = link.next().data(ascii("!urgent!"));
        urgent.flags |= TcpHeader.URG;
        link.peer.send(urgent);
        link.accepted(ascii("!urgent!"));
        link.peer.advanceMs(40);
        link.peer.expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        link.peerWrites(" after");
        assertEquals("before !urgent! after", link.app.data.toString());
        link.assertKeepsEveryByte();
    }

    @Test
    void textInTheSynIsNotTakenAndArrivesWhenRetransmitted()
    {
        // --> <SEQ=X><CTL=SYN><DATA="early">   <-- <SEQ=Y><ACK=X+1><CTL=SYN,ACK>: only the SYN acknowledged.
        // RFC 9293 §3.10.7.2 allows queueing SYN text; synack does not (as Linux without TCP Fast Open): the peer
        // retransmits it after the handshake and it is read once, in place.
        final HostileLink link = new HostileLink(HostileLink.config())
            .open(seg().syn().seq(X).mss(1460).data(ascii("early")));
        assertEquals(0, link.app.data.size());
        link.peerWrites("early");
        assertEquals("early", link.app.data.toString());
        link.assertKeepsEveryByte();
    }

    @Test
    void finCarryingTextDeliversTheTextThenTheEndOfStream()
    {
        // --> <SEQ=RCV.NXT><CTL=FIN,ACK><DATA="last words">   <-- <ACK=RCV.NXT+11> at once (RFC 9293 §3.10.7.4 step
        // eight: a FIN is acknowledged now). CLOSE-WAIT; the application reads "last words" and then the end.
        // Our CLOSE: <-- <CTL=FIN,ACK> LAST-ACK; --> ACK of it: CLOSED, NORMAL.
        final HostileLink link = HostileLink.established();
        link.peer.send(link.next().fin().data(ascii("last words")))
            .expect(seg().ack(link.peerNxt + 11).seq(link.stackNxt));
        assertEquals(TcpState.CLOSE_WAIT, link.c.state());
        assertEquals(List.of("open", "data 10", "peerClosed"), link.app.events);
        link.accepted(ascii("last words"));
        link.peerNxt++;
        link.appWrites("an answer in CLOSE-WAIT");
        link.c.close();
        link.peer.expect(seg().fin().ack(link.peerNxt).seq(link.stackNxt));
        link.peer.send(seg().ack(link.stackNxt + 1).seq(link.peerNxt)).expectNothing();
        assertEquals(CloseReason.NORMAL, link.app.closeReason);
        assertEquals("last words", link.app.data.toString());
        assertEquals("an answer in CLOSE-WAIT", link.peerRead.toString());
        assertEquals(0, link.tcp.connectionsInUse());
    }

    @Test
    void textAfterThePeersFinIsIgnoredAndCounted()
    {
        // --> <SEQ=X+1><CTL=FIN,ACK>  <-- <ACK=X+2>  CLOSE-WAIT
        // --> <SEQ=X+2><DATA="zombie">: RFC 9293 §3.10.7.4 step seven in CLOSE-WAIT, "this should not occur since a
        // FIN has been received": ignored, counted under TCP_AFTER_FIN, never delivered; RCV.NXT stays.
        final HostileLink link = HostileLink.established();
        link.peer.send(link.next().fin()).expect(seg().ack(link.peerNxt + 1).seq(link.stackNxt));
        link.peerNxt++;
        link.peer.send(link.next().data(ascii("zombie")));
        link.peer.send(link.next().fin().data(ascii("zombie")));
        link.peer.advanceMs(100);
        link.peer.drain();
        assertEquals(2, link.count(DropReason.TCP_AFTER_FIN));
        assertEquals(0, link.app.data.size());
        assertEquals(link.peerNxt, link.c.rcvNxt());
        assertEquals(TcpState.CLOSE_WAIT, link.c.state());
        link.appWrites("still writable");
        assertEquals("still writable", link.peerRead.toString());
    }

    @Test
    void pawsDropsTextWithAnOldTsValAndAcksIt()
    {
        // RFC 7323 §5.3 R1: SEG.TSval < TS.Recent --> <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, drop, counted PAWS.
        // --> <SEQ=RCV.NXT><TS=TS.Recent-2><DATA="replayed"> is never delivered; the live stream goes on. (One tick
        // older would pass, as on Linux: TimestampsTest.aTsValOneTickOlderThanTsRecentPassesPawsAsOnLinux.)
        final HostileLink link = HostileLink.establishedWithTimestamps();
        link.peerWrites("fresh");
        final int old = link.tsVal - 2;
        link.peer.send(seg().ack(link.stackNxt).seq(link.peerNxt).ts(old, link.tsEcr).data(ascii("replayed")))
            .expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(1, link.count(DropReason.TCP_PAWS));
        assertEquals("fresh", link.app.data.toString());
        link.assertKeepsEveryByte();
    }

    @Test
    void tsValWrappingAround2To32IsNewerNotOld()
    {
        // RFC 7323 §5.2: timestamps compare modulo 2^32. The peer's clock starts at 2^32-8: twenty segments later
        // (and the handshake's ACK) its TSval is 13, newer than TS.Recent, and PAWS drops none of them.
        final HostileLink link = new HostileLink(HostileLink.config())
            .open(seg().syn().seq(X).mss(1460).ts(0xFFFF_FFF8, 0));
        for (int i = 0; i < 20; i++)
        {
            link.peerWrites("segment " + i + ";");
        }
        assertEquals(13, link.tsVal);
        assertEquals(0, link.count(DropReason.TCP_PAWS));
        link.assertKeepsEveryByte();
    }

    @Test
    void onceTimestampsAreNegotiatedASegmentWithoutThemIsDroppedSilently()
    {
        // RFC 7323 §3.2: after both SYNs carried timestamps, a non-RST segment without them MAY be dropped; synack
        // drops it silently: --> <SEQ=RCV.NXT><DATA="bare"> (no TS option): nothing back, counted.
        final HostileLink link = HostileLink.establishedWithTimestamps();
        link.peer.send(seg().ack(link.stackNxt).seq(link.peerNxt).data(ascii("bare")));
        link.peer.advanceMs(200);
        link.peer.expectNothing();
        assertEquals(1, link.count(DropReason.TCP_NO_TIMESTAMPS));
        assertEquals(0, link.app.data.size());
        link.assertKeepsEveryByte();
    }

    @Test
    void aRstWithoutTimestampsIsJudgedBySequenceNumberAlone()
    {
        // RFC 7323 §3.2: a RST is accepted without timestamps, under the RFC 5961 rules: in the window but not at
        // RCV.NXT --> challenge ACK; then exactly at RCV.NXT --> CLOSED, RESET.
        final HostileLink link = HostileLink.establishedWithTimestamps();
        link.peer.send(seg().rst().seq(link.peerNxt + 3)).expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals(1, link.count(StackCounter.TCP_CHALLENGE_ACKS));
        link.peer.send(seg().rst().seq(link.peerNxt)).expectNothing();
        assertEquals(CloseReason.RESET, link.app.closeReason);
        assertEquals(TcpState.CLOSED, link.tcp.stateOf(link.app.handle));
        assertEquals(0, link.count(DropReason.TCP_NO_TIMESTAMPS));
        assertEquals(1, link.count(StackCounter.TCP_RESETS_RECEIVED));
    }
}
