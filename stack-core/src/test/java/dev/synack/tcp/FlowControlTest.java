package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * Flow control seen from the wire, RFC 9293 §3.8.6: the sender never passes the right edge the peer
 * offered, and the receiver's window updates are never duplicates of what a data segment already carried.
 * Both were found in a capture against the Linux kernel (an echo server under backpressure).
 */
class FlowControlTest
{
    private static final int X = 5_000;
    private static final int BUFFER = 4096;

    private final RawPeer peer = new RawPeer(RawPeer.config().sendBufferSize(BUFFER).receiveBufferSize(BUFFER));

    private int established(final RecordingHandler app)
    {
        return peer.handshake(app, seg().syn().seq(X).mss(1000));
    }

    /** An application that fills its send buffer again whenever it is told there is room. */
    private static RecordingHandler refillsOnWritable(final UnsafeBuffer bytes)
    {
        return new RecordingHandler()
        {
            @Override
            public void onWritable(final TcpConnection connection)
            {
                super.onWritable(connection);
                connection.send(bytes, 0, BUFFER);
            }
        };
    }

    @Test
    void dataSentFromOnWritableStaysInsideTheWindowOfTheAckThatMadeRoom()
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[BUFFER]);
        final RecordingHandler app = refillsOnWritable(bytes);
        final int y = established(app);
        final TcpConnection c = app.last;
        assertEquals(BUFFER, c.send(bytes, 0, BUFFER));
        assertEquals(0, c.send(bytes, 0, 1), "send buffer full: onWritable will follow");
        final List<Seg> first = peer.drain();
        assertEquals(BUFFER, first.stream().mapToInt(s -> s.payloadLength).sum());

        // The peer takes 2000 bytes but its application reads nothing: the window shrinks to 2500, the right
        // edge moves only to y + 1 + 4500. SND.UNA + the old 65535 would allow 2000 new bytes; the edge 404.
        final int edge = y + 1 + 2000 + 2500;
        peer.send(seg().ack(y + 1 + 2000).seq(X + 1).win(2500));
        final List<Seg> sent = peer.drain();
        assertTrue(app.events.contains("writable"), app.events.toString());
        for (final Seg s : sent)
        {
            assertTrue(SeqNum.le(s.seq + s.payloadLength, edge), "segment past the peer's right edge: " + s);
        }
        // The edge allows 404 more bytes: below Eff.snd.MSS and below half the largest window offered, so sender-side
        // SWS avoidance (RFC 9293 §3.8.6.2.1, MUST-38) holds them; data is in flight, an ACK will open the window.
        assertEquals(404, edge - (y + 1 + BUFFER));
        assertEquals(0, sent.stream().mapToInt(s -> s.payloadLength).sum(), "no silly segment: " + sent);
        peer.send(seg().ack(y + 1 + BUFFER).seq(X + 1).win(65535));
        final List<Seg> opened = peer.drain();
        assertTrue(opened.stream().mapToInt(s -> s.payloadLength).sum() > 404, "window open, data flows: " + opened);
        assertEquals(y + 1 + BUFFER, opened.get(0).seq, "from where it stopped: " + opened);
    }

    @Test
    void anAckThatMovesSndUnaSetsTheWindowEvenOnAReorderedSegment()
    {
        // Found against a Linux client under 5 % loss: its retransmission of a lost segment (a lower SEG.SEQ than
        // the segments after it) carries its newest ACK and a window shrunk by a slow reader. RFC 9293's rule alone
        // (SND.WL1 < SEG.SEQ) skips that window, SND.UNA moves on, and SND.UNA + the old SND.WND overshoots the edge
        // the peer offered; Linux drops the excess (TcpExtBeyondWindow) and only an RTO recovers.
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[BUFFER]);
        final RecordingHandler app = refillsOnWritable(bytes);
        final int y = established(app);
        assertEquals(BUFFER, app.last.send(bytes, 0, BUFFER));
        assertEquals(0, app.last.send(bytes, 0, 1), "send buffer full: onWritable will follow");
        assertEquals(BUFFER, peer.drain().stream().mapToInt(s -> s.payloadLength).sum());

        // The peer's segment 0..1000 is lost; 1000..2000 arrives, ACK y + 1001, window 3000: the edge y + 4001.
        peer.send(seg().ack(y + 1 + 1000).seq(X + 1 + 1000).win(3000).data(new byte[1000]));
        peer.drain();
        // Its retransmission of 0..1000: ACK y + 3001 with the window its reader left, 1096. The edge is
        // y + 4097, exactly SND.NXT: the 3000 bytes the application now sends must wait for the window to open.
        final int edge = y + 1 + 3000 + 1096;
        assertEquals(y + 1 + BUFFER, edge);
        peer.send(seg().ack(y + 1 + 3000).seq(X + 1).win(1096).data(new byte[1000]));
        final List<Seg> sent = peer.drain();
        assertTrue(app.events.contains("writable"), app.events.toString());
        for (final Seg s : sent)
        {
            assertTrue(SeqNum.le(s.seq + s.payloadLength, edge), "segment past the peer's right edge: " + s);
        }
        assertEquals(2000 + 1 + X, (int)sent.get(sent.size() - 1).ack, "the hole filled: ACK of both " + sent);
    }

    @Test
    void resumeReadingSendsNoWindowUpdateThatADataSegmentAlreadyCarried()
    {
        // An echo under backpressure: onData keeps what it cannot send back, resumes on onWritable.
        final RecordingHandler app = new RecordingHandler()
        {
            boolean holding = true;

            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                if (holding)
                {
                    connection.keepUnread(length);
                    holding = false;
                    return;
                }
                super.onData(connection, buffer, offset, length);
                connection.send(buffer, offset, length);
            }
        };
        final int y = established(app);
        final TcpConnection c = app.last;
        peer.send(seg().ack(y + 1).seq(X + 1).data(new byte[1000]));
        peer.send(seg().ack(y + 1).seq(X + 1001).data(new byte[1000]));
        // Two full segments unread: the ACK says so with a window 2000 smaller.
        peer.expect(seg().ack(X + 2001).seq(y + 1).win(BUFFER - 2000));
        peer.expectNothing();

        c.resumeReading();
        // The echoed bytes carry RCV.NXT and the reopened window; a bare ACK after them would repeat both.
        final List<Seg> sent = peer.drain();
        assertEquals(2000, app.data.size());
        assertEquals(2, sent.size(), "two data segments, no bare window update: " + sent);
        for (final Seg s : sent)
        {
            assertEquals(1000, s.payloadLength, s.toString());
            assertEquals(X + 2001, s.ack);
            assertEquals(BUFFER, s.window);
        }
    }

    @Test
    void aSmallOpeningOfTheWindowIsNotAdvertised()
    {
        // Receiver-side SWS avoidance (RFC 9293 §3.8.6.2.2, MUST-39), buffer 4096, MSS 1000. The application pauses;
        // 3500 bytes arrive (window 596, right edge X+1+4096). It then reads only 100: the edge could move 100 on,
        // less than min(4096 / 2, 1000), so no window update. The peer fills the 596 it was offered:
        // --> <SEQ=X+3501><DATA=596>  <-- <ACK=X+4097><WND=0>, not <WND=100> (a silly window). Once the application
        // reads the rest, the whole buffer opens: <-- <ACK=X+4097><WND=4096>.
        final int[] allow = {100};
        final RecordingHandler app = new RecordingHandler()
        {
            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                final int take = Math.min(length, allow[0]);
                allow[0] -= take;
                super.onData(connection, buffer, offset, take);
                if (take < length)
                {
                    connection.keepUnread(length - take);
                }
            }
        };
        final int y = established(app);
        final TcpConnection c = app.last;
        c.pauseReading();
        for (int at = 0; at < 3500; at += 1000)
        {
            peer.send(seg().ack(y + 1).seq(X + 1 + at).data(new byte[Math.min(1000, 3500 - at)]));
        }
        peer.advanceMs(500);
        final List<Seg> paused = peer.drain();
        assertEquals(BUFFER - 3500, paused.get(paused.size() - 1).window, paused.toString());
        c.resumeReading();
        assertEquals(100, app.data.size());
        peer.expectNothing(); // an opening of 100: no window update
        peer.send(seg().ack(y + 1).seq(X + 3501).data(new byte[596]));
        peer.advanceMs(500);
        final List<Seg> acks = peer.drain();
        assertEquals(X + 4097, acks.get(acks.size() - 1).ack, acks.toString());
        for (final Seg ack : acks)
        {
            assertEquals(0, ack.window, "no silly window: " + acks);
        }
        allow[0] = Integer.MAX_VALUE;
        c.resumeReading();
        assertEquals(4096, app.data.size());
        final Seg update = peer.expect(seg().ack(X + 4097));
        assertEquals(BUFFER, update.window, update.toString());
    }

    @Test
    void resumeReadingAnnouncesAWindowThatNoSegmentCarried()
    {
        final RecordingHandler app = new RecordingHandler();
        final int y = established(app);
        final TcpConnection c = app.last;
        c.pauseReading();
        peer.send(seg().ack(y + 1).seq(X + 1).data(new byte[1000]));
        peer.send(seg().ack(y + 1).seq(X + 1001).data(new byte[1000]));
        peer.expect(seg().ack(X + 2001).win(BUFFER - 2000));
        // The application reads without answering: only a window update can tell the peer (§3.8.6.2.2: the
        // edge moved by 2000 ≥ min(buffer / 2, MSS)).
        c.resumeReading();
        assertEquals(2000, app.data.size());
        peer.expect(seg().ack(X + 2001).seq(y + 1).win(BUFFER));
        peer.expectNothing();
    }

    @Test
    void aReplySentFromOnDataAdvertisesNoRoomForBytesTheApplicationThenKeeps()
    {
        // An echo that can send back only 1 byte and keeps the rest: its reply goes out inside onData, before
        // the engine knows the bytes stay in the buffer, so the reply must count them as still unread.
        final UnsafeBuffer one = new UnsafeBuffer(new byte[1]);
        final RecordingHandler app = new RecordingHandler()
        {
            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                connection.send(one, 0, 1);
                connection.keepUnread(length);
            }
        };
        final int y = established(app);
        peer.send(seg().ack(y + 1).seq(X + 1).data(new byte[1000]));
        final Seg reply = peer.expect(seg().ack(X + 1001).seq(y + 1).len(1));
        assertEquals(BUFFER - 1000, reply.window, "the 1000 kept bytes fill the buffer: " + reply);
        // The peer fills exactly the window it was given: every byte is taken, nothing is trimmed.
        for (int at = 1000; at < BUFFER; at += 1000)
        {
            peer.send(seg().ack(y + 2).seq(X + 1 + at).data(new byte[Math.min(1000, BUFFER - at)]));
        }
        final List<Seg> acks = peer.drain();
        assertTrue(seg().ack(X + 1 + BUFFER).seq(y + 2).win(0).matches(acks.get(acks.size() - 1)), acks.toString());
        assertEquals(0, peer.stack.counters.get(DropReason.TCP_UNACCEPTABLE));
    }

    @Test
    void dataTrimmedToNothingByAFullWindowIsNoDuplicateAck()
    {
        final RecordingHandler app = new RecordingHandler();
        final int y = established(app);
        final TcpConnection c = app.last;
        c.pauseReading();
        assertEquals(3000, c.send(new UnsafeBuffer(new byte[3000]), 0, 3000));
        peer.drain();
        for (int at = 0; at < BUFFER; at += 1000)
        {
            peer.send(seg().ack(y + 1).seq(X + 1 + at).data(new byte[Math.min(1000, BUFFER - at)]));
        }
        peer.drain();
        // Our window is zero; the peer sends three more segments past it, each still acknowledging y + 1.
        // RFC 5681 §2: segments with data are no duplicate ACKs, trimmed or not: no fast retransmit.
        for (int i = 0; i < 3; i++)
        {
            peer.send(seg().ack(y + 1).seq(X + 1 + BUFFER).data(new byte[1000]));
        }
        final List<Seg> answers = peer.drain();
        for (final Seg s : answers)
        {
            assertEquals(0, s.payloadLength, "only zero-window ACKs, no retransmission: " + s);
            assertEquals(X + 1 + BUFFER, s.ack);
        }
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_RETRANSMITS));
    }

    @Test
    void bytesHeldUnreadWhenTimeWaitEndsTheConnectionAreHandedOverBeforeOnClosed()
    {
        final RecordingHandler app = new RecordingHandler();
        final int y = established(app);
        final TcpConnection c = app.last;
        c.pauseReading();
        peer.send(seg().ack(y + 1).seq(X + 1).data(new byte[100]));
        c.close();
        peer.drain();
        // The peer ACKs our FIN and sends its own: TIME-WAIT, a normal end with 100 bytes never read.
        peer.send(seg().fin().ack(y + 2).seq(X + 101));
        assertEquals(TcpState.TIME_WAIT, peer.stack.agent.tcp().stateOf(app.handle));
        assertEquals(100, app.data.size(), "no byte lost to the close");
        assertEquals(java.util.List.of("open", "data 100", "peerClosed", "closed NORMAL"), app.events);
    }

    @Test
    void bytesKeptUnreadWhenLastAckEndsTheConnectionAreHandedOverBeforeOnClosed()
    {
        final RecordingHandler app = new RecordingHandler()
        {
            private boolean first = true;

            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                if (first)
                {
                    first = false;
                    connection.keepUnread(length); // backpressure: not now
                    return;
                }
                super.onData(connection, buffer, offset, length);
            }
        };
        final int y = established(app);
        final TcpConnection c = app.last;
        peer.send(seg().fin().ack(y + 1).seq(X + 1).data(new byte[50])).expect(seg().ack(X + 52).seq(y + 1));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        c.close();
        peer.expect(seg().fin().ack(X + 52).seq(y + 1));
        peer.send(seg().ack(y + 2).seq(X + 52));
        assertEquals(50, app.data.size(), "the kept bytes came before onClosed");
        assertEquals(java.util.List.of("open", "data 50", "peerClosed", "closed NORMAL"), app.events);
    }

    @Test
    void whatTheScaledWindowOffersIsAcceptedAndHeldToTheLastByte()
    {
        // 64 KiB receive buffer: window shift 1, so the field counts 2-byte units. Held bytes of odd counts make
        // the kept edge odd, and the field rounds it up (RFC 7323 §2.3). Whatever edge an ACK offers, a peer
        // that fills the window to it must have every byte taken and kept.
        for (final int held : new int[] {1001, 1002, 1399})
        {
            final RawPeer scaled = new RawPeer(RawPeer.config());
            final RecordingHandler app = new RecordingHandler();
            final int y = scaled.handshake(app, seg().syn().seq(X).mss(1460).wscale(0));
            scaled.send(seg().ack(y + 1).seq(X + 1).data(new byte[1])).advanceMs(40);
            scaled.expect(seg().ack(X + 2));
            app.last.pauseReading();
            scaled.send(seg().ack(y + 1).seq(X + 2).data(new byte[held])).advanceMs(40);
            final Seg ack = scaled.expect(seg().ack(X + 2 + held));
            final int edge = X + 2 + held + (ack.window << 1);
            int at = X + 2 + held;
            while (at < edge)
            {
                final int length = Math.min(1400, edge - at);
                scaled.send(seg().ack(y + 1).seq(at).data(new byte[length]));
                at += length;
            }
            assertEquals(0, scaled.stack.counters.get(DropReason.TCP_UNACCEPTABLE), "held " + held);
            app.last.resumeReading();
            assertEquals(edge - (X + 1), app.data.size(), "held " + held + ": every byte to the offered edge kept");
        }
    }
}
