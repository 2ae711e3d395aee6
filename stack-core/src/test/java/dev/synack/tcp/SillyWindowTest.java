package dev.synack.tcp;

import static dev.synack.test.Seg.seg;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;

/**
 * Sender-side silly-window-syndrome avoidance (RFC 9293 §3.8.6.2.1, MUST-38), segment by segment: a peer whose
 * window opens by a few bytes at a time does not get a stream of few-byte segments. A window-limited segment
 * below Eff.snd.MSS leaves only when it is at least half the largest window the peer offered, or when the
 * override timeout (the persist timer) runs out with nothing in flight.
 */
class SillyWindowTest
{
    private static final int X = 50_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private int y;

    /** Established with a peer offering MSS 1000 and a 4,000-byte window, without window scaling. */
    private void established()
    {
        y = peer.handshake(app, seg().syn().seq(X).mss(1000).win(4000));
    }

    private void send(final int bytes)
    {
        app.last.send(new UnsafeBuffer(new byte[bytes]), 0, bytes);
        peer.run();
    }

    @Test
    void aTenByteWindowGetsNoTenByteSegmentUntilTheOverrideTimeout()
    {
        established();
        send(4000);
        for (int i = 0; i < 4; i++)
        {
            peer.expect(seg().ack(X + 1).seq(y + 1 + 1000 * i).len(1000));
        }
        // the peer's application reads slowly: everything acknowledged, only 10 bytes of window
        peer.send(seg().ack(y + 4001).seq(X + 1).win(10));
        send(2000);
        peer.expectNothing(); // not a 10-byte segment
        // the window opens a little more, still far below half of 4,000: still nothing
        peer.send(seg().ack(y + 4001).seq(X + 1).win(900));
        peer.expectNothing();
        // the override timeout: with nothing in flight, what fits goes
        peer.advanceMs(1000);
        peer.expect(seg().ack(X + 1).seq(y + 4001).len(900));
        // the window opens wide: full segments
        peer.send(seg().ack(y + 4901).seq(X + 1).win(4000));
        peer.expect(seg().ack(X + 1).seq(y + 4901).len(1000));
    }

    @Test
    void halfTheLargestWindowIsEnoughToSend()
    {
        established();
        send(4000);
        for (int i = 0; i < 4; i++)
        {
            peer.expect(seg().ack(X + 1).seq(y + 1 + 1000 * i).len(1000));
        }
        peer.send(seg().ack(y + 4001).seq(X + 1).win(2000));
        send(3000);
        peer.expect(seg().ack(X + 1).seq(y + 4001).len(1000));
        peer.expect(seg().ack(X + 1).seq(y + 5001).len(1000));
        peer.expectNothing();
    }
}
