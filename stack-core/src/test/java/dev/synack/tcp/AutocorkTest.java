package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * Autocorking (Linux's tcp_autocorking, done per duty cycle): what a connection sends while the stack drains one
 * batch of received frames leaves after the batch, as full segments, with one ACK for the batch; a send made
 * outside a duty cycle leaves at once. Segments as the peer sees them.
 */
class AutocorkTest
{
    private static final int X = 7_000;
    private static final int REQUEST = 64;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final UnsafeBuffer request = new UnsafeBuffer(new byte[REQUEST]);

    @Test
    void sixteenSendsInOneDutyCycleLeaveAsOneSegment()
    {
        // Sixteen replies arrive in one batch; the application answers each with its own 64-byte send(), as a
        // client with 16 requests in flight does.
        final RecordingHandler app = new RecordingHandler()
        {
            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                super.onData(connection, buffer, offset, length);
                assertEquals(REQUEST, connection.send(request, 0, REQUEST));
            }
        };
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        for (int i = 0; i < 16; i++)
        {
            peer.queue(seg().ack(y + 1).seq(X + 1 + i).data(new byte[1]));
        }
        peer.run();
        assertEquals(16, app.data.size());
        // <SEQ=Y+1><ACK=X+17><CTL=ACK,PSH> with 1,024 bytes: one segment, and the ACK of all sixteen rides on it.
        peer.expect(seg().ack(X + 17).seq(y + 1).len(16 * REQUEST));
        peer.expectNothing();
    }

    @Test
    void sixteenSendsInOneCallbackLeaveAsOneSegment()
    {
        final RecordingHandler app = new RecordingHandler()
        {
            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                super.onData(connection, buffer, offset, length);
                for (int i = 0; i < 16; i++)
                {
                    assertEquals(REQUEST, connection.send(request, 0, REQUEST));
                }
            }
        };
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        peer.send(seg().ack(y + 1).seq(X + 1).data(new byte[1]));
        peer.expect(seg().ack(X + 2).seq(y + 1).len(16 * REQUEST));
        peer.expectNothing();
    }

    @Test
    void sendsBeyondOneSegmentLeaveAsFullSegments()
    {
        final RecordingHandler app = new RecordingHandler()
        {
            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                super.onData(connection, buffer, offset, length);
                for (int i = 0; i < 40; i++)
                {
                    connection.send(request, 0, REQUEST); // 2,560 bytes against an MSS of 1,000
                }
            }
        };
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1000));
        peer.send(seg().ack(y + 1).seq(X + 1).data(new byte[1]));
        final List<Seg> sent = peer.drain();
        assertEquals(3, sent.size(), sent.toString());
        assertEquals(1000, sent.get(0).payloadLength);
        assertEquals(1000, sent.get(1).payloadLength);
        assertEquals(560, sent.get(2).payloadLength);
        assertEquals(y + 1 + 1000, sent.get(1).seq);
    }

    @Test
    void aSendOutsideADutyCycleLeavesAtOnce()
    {
        final RecordingHandler app = new RecordingHandler();
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        // One request in flight: no batch to wait for, the segment is in the tx ring when send() returns.
        assertEquals(REQUEST, app.last.send(request, 0, REQUEST));
        assertTrue(peer.stack.tx.size() > 0, "the segment left inside send()");
        peer.expect(seg().ack(X + 1).seq(y + 1).len(REQUEST));
        assertEquals(REQUEST, app.last.send(request, 0, REQUEST));
        peer.expect(seg().ack(X + 1).seq(y + 1 + REQUEST).len(REQUEST));
    }

    @Test
    void twoSegmentsInOneBatchGetOneAck()
    {
        final RecordingHandler app = new RecordingHandler();
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1000));
        peer.queue(seg().ack(y + 1).seq(X + 1).data(new byte[1000]));
        peer.queue(seg().ack(y + 1).seq(X + 1001).data(new byte[1000]));
        peer.run();
        // RFC 9293 §3.8.6.3 (an ACK at least every second full-sized segment): both are acknowledged, by one ACK.
        peer.expect(seg().ack(X + 2001).seq(y + 1));
        peer.expectNothing();
        assertEquals(2000, app.data.size());
    }
}
