package dev.synack.tcp.hostile;

import static dev.synack.tcp.hostile.HostileLink.X;
import static dev.synack.tcp.hostile.HostileLink.ascii;
import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpHeader;
import dev.synack.tcp.TcpState;
import dev.synack.test.Seg;

/**
 * A peer that plays with the window and the ACK field: a zero window held for an hour (its own, and ours), a
 * window that shrinks under data in flight, a one-byte window, the largest scaled window, ACKs of data never
 * sent, old ACKs trying to reopen a window, and floods of duplicate ACKs. Flow control bends; no byte is lost.
 */
class WindowAbuseTest
{
    /** The application writes {@code bytes}; returns them. */
    private static byte[] appQueues(final HostileLink link, final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)('A' + (i * 31 + i / 7) % 26);
        }
        assertEquals(length, link.c.send(new UnsafeBuffer(bytes), 0, length));
        link.appWrote.write(bytes, 0, length);
        return bytes;
    }

    /** Takes a data segment synack sent as read by the peer, in order. */
    private static void read(final HostileLink link, final Seg data)
    {
        assertEquals(link.stackNxt, (int)data.seq, "in order");
        link.peerRead.write(data.payload, 0, data.payload.length);
        link.stackNxt += data.payload.length;
    }

    @Test
    void aZeroWindowHeldForAnHourWithEveryProbeAnsweredKeepsTheConnectionAndItsBytes()
    {
        // --> <ACK=Y+1><WND=0> right after the handshake; the application writes 100 bytes. RFC 9293 §3.8.6.1:
        // synack probes with one byte, <SEQ=Y+1><DATA=1>; the peer answers each with <ACK=Y+1><WND=0> for an hour
        // (MUST-35: the connection stays as long as the probes are answered). The window opens: the 100 bytes go.
        final HostileLink link = HostileLink.established();
        link.peer.send(link.next().win(0)).expectNothing();
        final byte[] bytes = appQueues(link, 100);
        link.peer.expectNothing();
        int probes = 0;
        for (int s = 0; s < 3600; s++)
        {
            link.peer.advanceSeconds(1);
            for (final Seg probe : link.peer.drain())
            {
                assertTrue(seg().ack(link.peerNxt).seq(link.stackNxt).len(1).matches(probe), probe.toString());
                assertEquals(bytes[0], probe.payload[0]);
                probes++;
                link.peer.send(link.next().win(0));
            }
        }
        assertTrue(probes > 60, "probes backed off to one a minute, answered all hour: " + probes);
        assertEquals(TcpState.ESTABLISHED, link.c.state());
        assertEquals(0, link.count(StackCounter.TCP_ZERO_WINDOW_TIMEOUTS));
        link.peer.send(link.next().win(65_535));
        for (final Seg data : link.peer.drain())
        {
            read(link, data);
        }
        assertArrayEquals(bytes, link.peerRead.toByteArray());
        link.peer.send(link.next()).expectNothing();
        link.assertKeepsEveryByte();
    }

    @Test
    void ourZeroWindowAnswersEveryProbeForAnHourAndThenTakesEveryByte()
    {
        // synack's application stops reading; the peer fills the 4096-byte window. For an hour it probes once a
        // minute, --> <SEQ=RCV.NXT><DATA=1>; RFC 9293 §3.10.7.4 (zero window: SEG.SEQ = RCV.NXT acceptable, text
        // dropped) and §3.8.6.1: each is answered <ACK=RCV.NXT><WND=0>. Not a drop. The application reads again:
        // a window update, and the probe's byte then arrives like any other.
        final HostileLink link = new HostileLink(HostileLink.config().receiveBufferSize(4096))
            .open(seg().syn().seq(X).mss(1460));
        link.c.pauseReading();
        final byte[] chunk = ascii("z".repeat(1024));
        for (int i = 0; i < 4; i++)
        {
            link.peer.send(link.next().data(chunk));
            link.accepted(chunk);
        }
        link.peer.advanceMs(40);
        link.peer.drain();
        assertEquals(0, link.c.rcvWnd());
        for (int minute = 0; minute < 60; minute++)
        {
            link.peer.advanceSeconds(60);
            link.peer.send(link.next().data(ascii("!"))).expect(seg().ack(link.peerNxt).seq(link.stackNxt).win(0));
        }
        assertEquals(0, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(TcpState.ESTABLISHED, link.c.state());
        link.c.resumeReading();
        link.peer.expect(seg().ack(link.peerNxt).win(4096));
        link.peerWrites("!");
        assertEquals("z".repeat(4096) + "!", link.app.data.toString());
        link.assertKeepsEveryByte();
    }

    @Test
    void aWindowThatShrinksUnderDataInFlightHoldsNewDataBackAndLosesNothing()
    {
        // <-- <SEQ=Y+1><DATA=1460> <-- <SEQ=Y+1461><DATA=1460> <-- <SEQ=Y+2921><DATA=80>
        // --> <ACK=Y+1461><WND=100>: the right edge moved left, under data already sent (RFC 9293 §3.8.6: the
        // receiver SHOULD NOT, the sender must cope). New data (500 bytes) must wait: nothing beyond the edge.
        // --> <ACK=Y+3001><WND=65535>: the 500 go. The peer reads 3500 bytes, in order, as written.
        final HostileLink link = HostileLink.established();
        final int y1 = link.stackNxt;
        appQueues(link, 3000);
        final List<Seg> flight = link.peer.drain();
        assertEquals(3, flight.size(), flight.toString());
        for (final Seg data : flight)
        {
            read(link, data);
        }
        link.peer.send(seg().ack(y1 + 1460).seq(link.peerNxt).win(100)).expectNothing();
        appQueues(link, 500);
        link.peer.expectNothing();
        link.peer.send(seg().ack(y1 + 3000).seq(link.peerNxt).win(65_535));
        for (final Seg data : link.peer.drain())
        {
            read(link, data);
        }
        assertEquals(y1 + 3500, link.stackNxt);
        link.peer.send(link.next()).expectNothing();
        assertArrayEquals(link.appWrote.toByteArray(), link.peerRead.toByteArray());
        assertEquals(0, link.count(StackCounter.TCP_TIMEOUTS));
        link.assertKeepsEveryByte();
    }

    @Test
    void aOneByteWindowIsFilledOneByteAtATime()
    {
        // The peer's SYN offers a window of 1 and every ACK keeps it at 1. RFC 9293 §3.8.6.2.1: the sender's SWS
        // rule lets a segment go when it fills half the largest window ever offered, so <DATA=1> at a time:
        // <-- <SEQ=Y+1+i><DATA=1>  --> <ACK=Y+2+i><WND=1>, for "tiny!". Then the window opens and the rest goes.
        final HostileLink link = new HostileLink(HostileLink.config());
        link.tcp.listen(link.peer.stackPort, link.app);
        link.y = link.peer.send(seg().syn().seq(X).mss(1460).win(1)).expect(seg().syn().ack(X + 1)).seq;
        link.peerNxt = X + 1;
        link.stackNxt = link.y + 1;
        link.peer.send(link.next().win(1)).expectNothing();
        link.c = link.app.last;
        appQueues(link, 5);
        for (int i = 0; i < 5; i++)
        {
            final Seg one = link.peer.expect(seg().ack(link.peerNxt).seq(link.stackNxt).len(1));
            read(link, one);
            link.peer.send(link.next().win(1));
        }
        link.peer.expectNothing();
        assertArrayEquals(link.appWrote.toByteArray(), link.peerRead.toByteArray());
        link.peer.send(link.next().win(65_535)).expectNothing();
        link.assertKeepsEveryByte();
    }

    @Test
    void aWindowCutToOneByteAfterALargeOneIsServedOnlyByThePersistTimer()
    {
        // The handshake offered 65535; then --> <WND=1>. RFC 9293 §3.8.6.2.1 (sender SWS avoidance, MUST-38): a
        // one-byte segment is not half the largest window offered, so nothing goes at once; with nothing in flight
        // the override timeout (the persist timer, one RTO: 200 ms) sends what fits: <-- <SEQ=Y+1><DATA=1>.
        // Byte by byte, each but the last after its timer, all arrive; the window opens and the connection goes on.
        final HostileLink link = HostileLink.established();
        link.peer.send(link.next().win(1)).expectNothing();
        appQueues(link, 3);
        for (int i = 0; i < 2; i++)
        {
            link.peer.advanceMs(150);
            link.peer.expectNothing();
            link.peer.advanceMs(60);
            read(link, link.peer.expect(seg().ack(link.peerNxt).seq(link.stackNxt).len(1)));
            if (i == 0)
            {
                link.peer.send(link.next().win(1)).expectNothing();
            }
        }
        // The last byte is all that is queued: it goes with the ACK that makes room (§3.8.6.2.1, pushed data).
        read(link, link.peer.send(link.next().win(1)).expect(seg().ack(link.peerNxt).seq(link.stackNxt).len(1)));
        link.peer.send(link.next().win(1)).expectNothing();
        assertArrayEquals(link.appWrote.toByteArray(), link.peerRead.toByteArray());
        assertEquals(0, link.count(StackCounter.TCP_RETRANSMITS));
        link.peer.send(link.next().win(65_535)).expectNothing();
        link.assertKeepsEveryByte();
    }

    @Test
    void aShiftAbove14IsTakenAs14AndTheGigabyteWindowIsBoundedByCwnd()
    {
        // --> <SEQ=X><CTL=SYN><WSCALE=200>: RFC 7323 §2.3, a shift above 14 MUST be used as 14. With <WND=65535> the
        // peer offers 65535 << 14, about 1 GiB: SND.WND takes it whole (no overflow), yet the first flight is bounded
        // by the initial cwnd (RFC 6928: 10 segments of 1460) and the 64 KiB of the send buffer all arrives intact.
        final HostileLink link = new HostileLink(HostileLink.config())
            .open(seg().syn().seq(X).mss(1460).wscale(200));
        link.peer.send(link.next().win(65_535)).expectNothing();
        assertEquals(65_535L << 14, link.c.sndWnd());
        final byte[] bytes = appQueues(link, link.c.sendCapacity());
        assertEquals(65_536, bytes.length);
        final List<Seg> first = link.peer.drain();
        assertEquals(10, first.size());
        for (final Seg data : first)
        {
            read(link, data);
        }
        for (int round = 0; round < 20 && link.peerRead.size() < bytes.length; round++)
        {
            link.peer.send(link.next().win(65_535));
            for (final Seg data : link.peer.drain())
            {
                read(link, data);
            }
        }
        assertArrayEquals(bytes, link.peerRead.toByteArray());
        link.peer.send(link.next().win(65_535)).expectNothing();
        link.assertKeepsEveryByte();
    }

    @Test
    void anAckOfDataNeverSentRetiresNothingAndIsAnsweredAtMostOncePerInterval()
    {
        // <-- <SEQ=Y+1><DATA=100> in flight. --> <ACK=Y+1+100+5000>: beyond SND.NXT; RFC 9293 §3.10.7.4 fifth step:
        // send an ACK, drop the segment. Twice within 500 ms: the second bare one is counted, not answered
        // (invalidAckInterval). SND.UNA has not moved; the peer's real ACK then retires the 100 bytes.
        final HostileLink link = HostileLink.established();
        final int y1 = link.stackNxt;
        appQueues(link, 100);
        read(link, link.peer.expect(seg().ack(link.peerNxt).seq(y1).len(100)));
        link.peer.send(seg().ack(y1 + 5100).seq(link.peerNxt)).expect(seg().ack(link.peerNxt).seq(y1 + 100));
        link.peer.send(seg().ack(y1 + 5100).seq(link.peerNxt)).expectNothing();
        assertEquals(2, link.count(DropReason.TCP_UNACCEPTABLE));
        assertEquals(1, link.count(StackCounter.TCP_INVALID_ACKS_SUPPRESSED));
        assertEquals(y1, link.c.sndUna());
        link.peer.send(link.next()).expectNothing();
        assertEquals(y1 + 100, link.c.sndUna());
        link.assertKeepsEveryByte();
    }

    @Test
    void anOlderAckCannotReopenAWindowTheNewerOneShut()
    {
        // --> <SEQ=RCV.NXT><ACK=Y+101><WND=0>: the window shuts (SND.WL1 = RCV.NXT, SND.WL2 = Y+101).
        // --> <SEQ=RCV.NXT><ACK=Y+51><WND=65535>: an acceptable but older ACK (RFC 5961 §5.2 range); RFC 9293
        // §3.10.7.4: the window is taken only if SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK),
        // so it stays shut: new data waits for the persist timer. The real update then lets it go.
        final HostileLink link = HostileLink.established();
        final int y1 = link.stackNxt;
        appQueues(link, 100);
        read(link, link.peer.expect(seg().ack(link.peerNxt).seq(y1).len(100)));
        link.peer.send(seg().ack(y1 + 100).seq(link.peerNxt).win(0)).expectNothing();
        link.peer.send(seg().ack(y1 + 50).seq(link.peerNxt).win(65_535)).expectNothing();
        assertEquals(0, link.c.sndWnd());
        appQueues(link, 200);
        link.peer.expectNothing();
        link.peer.send(link.next().win(65_535));
        final List<Seg> sent = link.peer.drain();
        assertEquals(1, sent.size(), sent.toString());
        read(link, sent.get(0));
        link.peer.send(link.next()).expectNothing();
        link.assertKeepsEveryByte();
    }

    @Test
    void aFloodOfDuplicateAcksDrawsOneFastRetransmitAndNoMore()
    {
        // 1000 bare ACKs of SND.UNA with nothing in flight: not duplicate ACKs (RFC 5681 §2), nothing sent.
        // Then <-- four segments of 1000 in flight; --> 1000 duplicate <ACK=Y+1> (no text, same window):
        // the third triggers one fast retransmit of <SEQ=Y+1><DATA=1000> (RFC 5681 §3.2), the rest only inflate
        // cwnd with no new data to send. --> <ACK=Y+4001>: recovery ends, cwnd deflates (RFC 6582 §3.2 step 3).
        final HostileLink link = HostileLink.established();
        for (int i = 0; i < 1000; i++)
        {
            link.peer.queue(link.next());
        }
        link.peer.expectNothing();
        final int y1 = link.stackNxt;
        appQueues(link, 4000);
        final ByteArrayOutputStream flight = new ByteArrayOutputStream();
        for (final Seg data : link.peer.drain())
        {
            flight.write(data.payload, 0, data.payload.length);
        }
        assertEquals(4000, flight.size());
        for (int i = 0; i < 1000; i++)
        {
            link.peer.queue(seg().ack(y1).seq(link.peerNxt));
        }
        final List<Seg> answers = link.peer.drain();
        assertEquals(1, answers.size(), answers.toString());
        assertTrue(seg().ack(link.peerNxt).seq(y1).matches(answers.get(0)), answers.toString());
        assertEquals(1, link.count(StackCounter.TCP_RETRANSMITS));
        link.peerRead.write(flight.toByteArray(), 0, flight.size());
        link.stackNxt = y1 + 4000;
        link.peer.send(link.next()).expectNothing();
        assertTrue(link.c.cwnd() <= 14_600, "cwnd deflated after recovery: " + link.c.cwnd());
        assertEquals(TcpHeader.ACK, answers.get(0).flags & ~TcpHeader.PSH);
        link.assertKeepsEveryByte();
    }
}
