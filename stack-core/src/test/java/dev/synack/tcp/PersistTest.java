package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * Zero-window probing (RFC 9293 §3.8.6.1, MUST-35 / SHLD-17) when the window closes with data in flight, and a probe
 * whose byte a receiver with a zero window drops (Linux does) leaves no hole behind it.
 */
class PersistTest
{
    private static final int X = 15_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private final TcpEngine tcp = peer.stack.agent.tcp();

    @Test
    void aWindowShrunkToZeroWithDataInFlightIsProbedForAnHourNotAborted()
    {
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1000));
        final TcpConnection c = app.last;
        c.send(new UnsafeBuffer(new byte[3000]), 0, 3000);
        // --> <SEQ=Y+1>, <SEQ=Y+1001>, <SEQ=Y+2001>, 1000 bytes each
        assertEquals(3, peer.drain().size());
        // <-- <SEQ=X+1><ACK=Y+1001><WND=0>: the peer took one segment and shut its window on the other two.
        peer.send(seg().ack(y + 1001).seq(X + 1).win(0)).expectNothing();
        // The retransmission timer now sends zero-window probes, one byte at SND.UNA, and the peer answers each
        // with its zero window, for an hour: no retry limit applies (MUST-35), the connection stays.
        int probes = 0;
        for (int s = 0; s < 3600; s++)
        {
            peer.advanceSeconds(1);
            for (final Seg probe : peer.drain())
            {
                assertTrue(new Seg().ack(X + 1).seq(y + 1001).len(1).matches(probe), "a probe: " + probe);
                probes++;
                peer.send(seg().ack(y + 1001).seq(X + 1).win(0));
            }
        }
        assertTrue(probes > 15, "probes: " + probes);
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_TIMEOUTS));
        // <-- the window opens: the two segments it refused go again at once, from SND.UNA.
        peer.send(seg().ack(y + 1001).seq(X + 1).win(65535));
        peer.expect(seg().ack(X + 1).seq(y + 1001).len(1000));
        peer.expect(seg().ack(X + 1).seq(y + 2001).len(1000));
        peer.send(seg().ack(y + 3001).seq(X + 1).win(65535)).expectNothing();
        assertEquals(y + 3001, c.sndUna());
    }

    @Test
    void aProbeByteTheReceiverDropsLeavesNoHole()
    {
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        final TcpConnection c = app.last;
        // <-- <ACK=Y+1><WND=0>; the application queues 100 bytes: nothing fits.
        peer.send(seg().ack(y + 1).seq(X + 1).win(0)).expectNothing();
        c.send(new UnsafeBuffer(new byte[100]), 0, 100);
        peer.expectNothing();
        // Persist timer: --> <SEQ=Y+1><DATA=1>, a byte of new data; SND.NXT stays at Y+1 until the peer takes it.
        peer.advanceMs(201);
        peer.expect(seg().ack(X + 1).seq(y + 1).len(1));
        assertEquals(y + 1, c.sndNxt());
        // <-- <ACK=Y+1><WND=0>: the peer (as Linux does with a zero window) dropped the byte.
        peer.send(seg().ack(y + 1).seq(X + 1).win(0)).expectNothing();
        // <-- <ACK=Y+1><WND=65535>: all 100 bytes go at once from Y+1 — no hole at Y+1 waiting for an RTO.
        peer.send(seg().ack(y + 1).seq(X + 1).win(65535)).expect(seg().ack(X + 1).seq(y + 1).len(100));
        peer.send(seg().ack(y + 101).seq(X + 1)).expectNothing();
        assertEquals(y + 101, c.sndUna());
    }

    @Test
    void aProbeByteTheReceiverTakesCountsAsSent()
    {
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        final TcpConnection c = app.last;
        peer.send(seg().ack(y + 1).seq(X + 1).win(0)).expectNothing();
        c.send(new UnsafeBuffer(new byte[100]), 0, 100);
        peer.advanceMs(201);
        peer.expect(seg().ack(X + 1).seq(y + 1).len(1));
        // <-- <ACK=Y+2><WND=0>: this peer kept the byte. The ACK is for data we did send: accepted, not answered.
        peer.send(seg().ack(y + 2).seq(X + 1).win(0)).expectNothing();
        assertEquals(y + 2, c.sndUna());
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_INVALID_ACKS_SUPPRESSED));
        // The window opens: the other 99 bytes follow from Y+2.
        peer.send(seg().ack(y + 2).seq(X + 1).win(65535)).expect(seg().ack(X + 1).seq(y + 2).len(99));
    }
}
