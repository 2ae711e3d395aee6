package dev.synack.tcp.hostile;

import static dev.synack.tcp.hostile.HostileLink.ascii;
import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.synack.stat.DropReason;
import dev.synack.tcp.TcpState;

/**
 * Retransmissions that overlap what came before and disagree with it. RFC 9293 leaves the choice open (§3.10.7.4:
 * text before RCV.NXT is trimmed; "segments with higher beginning sequence numbers may be held"). What synack does:
 * <ul>
 * <li>bytes below RCV.NXT were delivered already: the first copy wins, a later copy's bytes there are cut off;</li>
 * <li>bytes beyond RCV.NXT sit in the receive ring: each copy is written where its sequence numbers say, so among
 * held (out-of-order) copies the latest wins (Linux keeps the earliest-starting one instead);</li>
 * <li>a segment that arrives in order is delivered whole at once, so its bytes win over held ones it overlaps.</li>
 * </ul>
 * Either way the application reads one consistent stream: every sequence number exactly once, in order.
 */
class OverlapTest
{
    @Test
    void aConflictingRetransmissionOfDeliveredBytesIsCutAndOnlyItsNewBytesTaken()
    {
        // --> <SEQ=X+1><DATA="AAAA">            delivered, RCV.NXT = X+5
        // --> <SEQ=X+1><DATA="BBBBcccc">        "BBBB" lies below RCV.NXT: cut off (first copy wins); "cccc" taken
        // <-- <SEQ=SND.NXT><ACK=X+9>            (the delayed ACK)
        final HostileLink link = HostileLink.established();
        link.peerWrites("AAAA");
        link.peer.send(seg().ack(link.stackNxt).seq(link.peerNxt - 4).data(ascii("BBBBcccc")));
        link.accepted(ascii("cccc"));
        link.peer.advanceMs(40);
        link.peer.expect(seg().ack(link.peerNxt).seq(link.stackNxt));
        assertEquals("AAAAcccc", link.app.data.toString());
        link.assertKeepsEveryByte();
    }

    @Test
    void slidingOneByteOverlapsDeliverEachSequenceNumberOnce()
    {
        // Twenty 3-byte segments, each starting one byte after the last and filled with its own letter:
        // --> <SEQ=X+1+i><DATA=3 x ('a'+i)>. Each adds one new byte; the two it repeats were delivered already.
        final HostileLink link = HostileLink.established();
        final int start = link.peerNxt;
        for (int i = 0; i < 20; i++)
        {
            final byte[] three = ascii(String.valueOf((char)('a' + i)).repeat(3));
            link.peer.send(seg().ack(link.stackNxt).seq(start + i).data(three));
        }
        link.peer.drain();
        final String expected = "aaa" + "bcdefghijklmnopqrst";
        assertEquals(expected, link.app.data.toString());
        link.accepted(ascii(expected));
        assertEquals(link.peerNxt, link.c.rcvNxt());
        link.assertKeepsEveryByte();
    }

    @Test
    void heldOutOfOrderCopiesThatConflictAreOverwrittenByTheLaterOne()
    {
        // --> <SEQ=X+11><DATA=10 x 'b'>   held; <-- <ACK=X+1> (a duplicate ACK at once, RFC 5681 §4.2)
        // --> <SEQ=X+16><DATA=10 x 'C'>   held, overlapping [X+16, X+21) with other bytes; <-- <ACK=X+1>
        // --> <SEQ=X+1><DATA=10 x 'a'>    fills the hole; <-- <ACK=X+26>
        // synack's ring holds the later copy for [X+16, X+21): the application reads a*10 b*5 C*10.
        final HostileLink link = HostileLink.established();
        final int x1 = link.peerNxt;
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + 10).data(ascii("b".repeat(10))))
            .expect(seg().ack(x1).seq(link.stackNxt));
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + 15).data(ascii("C".repeat(10))))
            .expect(seg().ack(x1).seq(link.stackNxt));
        link.peer.send(seg().ack(link.stackNxt).seq(x1).data(ascii("a".repeat(10))))
            .expect(seg().ack(x1 + 25).seq(link.stackNxt));
        final String expected = "a".repeat(10) + "b".repeat(5) + "C".repeat(10);
        assertEquals(expected, link.app.data.toString());
        link.accepted(ascii(expected));
        link.assertKeepsEveryByte();
    }

    @Test
    void anInOrderSegmentOverlappingHeldBytesIsDeliveredWholeThenTheHeldRest()
    {
        // --> <SEQ=X+11><DATA=10 x 'b'>    held; <-- <ACK=X+1>
        // --> <SEQ=X+1><DATA=15 x 'a'>     in order, reaching 5 bytes into the held range; <-- <ACK=X+21>
        // The in-order copy goes to the application as it came; the held range follows from X+16 on: a*15 b*5.
        final HostileLink link = HostileLink.established();
        final int x1 = link.peerNxt;
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + 10).data(ascii("b".repeat(10))))
            .expect(seg().ack(x1).seq(link.stackNxt));
        link.peer.send(seg().ack(link.stackNxt).seq(x1).data(ascii("a".repeat(15))))
            .expect(seg().ack(x1 + 20).seq(link.stackNxt));
        final String expected = "a".repeat(15) + "b".repeat(5);
        assertEquals(expected, link.app.data.toString());
        link.accepted(ascii(expected));
        link.assertKeepsEveryByte();
    }

    @Test
    void aConflictingSegmentBridgingTwoHeldRangesMergesThemIntoOneStream()
    {
        // --> <SEQ=X+11><DATA=5 x 'b'>     held [X+11, X+16)
        // --> <SEQ=X+21><DATA=5 x 'c'>     held [X+21, X+26)
        // --> <SEQ=X+14><DATA=10 x 'Z'>    bridges both, overwriting [X+14, X+16) and [X+21, X+24): one range
        // --> <SEQ=X+1><DATA=10 x 'a'>     <-- <ACK=X+26>: a*10 b*3 Z*10 c*2, 25 bytes, each once.
        final HostileLink link = HostileLink.established();
        final int x1 = link.peerNxt;
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + 10).data(ascii("bbbbb")))
            .expect(seg().ack(x1).seq(link.stackNxt));
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + 20).data(ascii("ccccc")))
            .expect(seg().ack(x1).seq(link.stackNxt));
        link.peer.send(seg().ack(link.stackNxt).seq(x1 + 13).data(ascii("Z".repeat(10))))
            .expect(seg().ack(x1).seq(link.stackNxt));
        link.peer.send(seg().ack(link.stackNxt).seq(x1).data(ascii("a".repeat(10))))
            .expect(seg().ack(x1 + 25).seq(link.stackNxt));
        final String expected = "a".repeat(10) + "bbb" + "Z".repeat(10) + "cc";
        assertEquals(expected, link.app.data.toString());
        link.accepted(ascii(expected));
        link.assertKeepsEveryByte();
    }

    @Test
    void theSameOutOfOrderSegmentFiveTimesIsHeldOnceAndEachCopyDupAcked()
    {
        // --> <SEQ=X+6><DATA="world"> five times: <-- <ACK=X+1> each time (RFC 5681 §4.2: at once, out of order).
        // --> <SEQ=X+1><DATA="hello"> <-- <ACK=X+11>; the application reads "helloworld", not five worlds.
        final HostileLink link = HostileLink.established();
        final int x1 = link.peerNxt;
        for (int i = 0; i < 5; i++)
        {
            link.peer.send(seg().ack(link.stackNxt).seq(x1 + 5).data(ascii("world")))
                .expect(seg().ack(x1).seq(link.stackNxt));
        }
        link.peer.send(seg().ack(link.stackNxt).seq(x1).data(ascii("hello")))
            .expect(seg().ack(x1 + 10).seq(link.stackNxt));
        assertEquals("helloworld", link.app.data.toString());
        assertEquals(List.of("open", "data 5", "data 5"), link.app.events);
        link.accepted(ascii("helloworld"));
        link.assertKeepsEveryByte();
    }

    @Test
    void aRetransmittedFinCarryingConflictingTextKeepsTheFirstTextAndClosesOnce()
    {
        // --> <SEQ=X+1><DATA="ABCD">              delivered
        // --> <SEQ=X+1><CTL=FIN,ACK><DATA="WXYZ"> the text is below RCV.NXT: cut; the FIN at X+5 is taken
        // <-- <SEQ=SND.NXT><ACK=X+6>              CLOSE-WAIT; the application read "ABCD" then the end of stream.
        // Again: --> <SEQ=X+1><CTL=FIN,ACK><DATA="QRST">: wholly below RCV.NXT now, an old duplicate
        // (RFC 9293 §3.10.7.4 first step) <-- <SEQ=SND.NXT><ACK=X+6>, dropped as unacceptable.
        final HostileLink link = HostileLink.established();
        link.peerWrites("ABCD");
        link.peer.send(seg().fin().ack(link.stackNxt).seq(link.peerNxt - 4).data(ascii("WXYZ")))
            .expect(seg().ack(link.peerNxt + 1).seq(link.stackNxt));
        assertEquals(TcpState.CLOSE_WAIT, link.c.state());
        link.peer.send(seg().fin().ack(link.stackNxt).seq(link.peerNxt - 4).data(ascii("QRST")))
            .expect(seg().ack(link.peerNxt + 1).seq(link.stackNxt));
        assertEquals(1, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals("ABCD", link.app.data.toString());
        assertEquals(List.of("open", "data 4", "peerClosed"), link.app.events);
        // The half-open direction still carries every byte the application writes.
        link.peerNxt++;
        link.appWrites("reply after the peer's FIN");
        assertEquals("reply after the peer's FIN", link.peerRead.toString());
        assertEquals(TcpState.CLOSE_WAIT, link.c.state());
    }
}
