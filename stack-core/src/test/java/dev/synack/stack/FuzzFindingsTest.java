package dev.synack.stack;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpEngine;
import dev.synack.tcp.TcpState;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;

/**
 * What fuzzing {@link FrameFuzzTest} found, each as a scenario that reads like the protocol. While a finding is
 * open its raw input waits in {@code src/test/resources/dev/synack/stack/FrameFuzzFindings/} and its test here is
 * disabled; once fixed, the test is enabled and the input moves into {@code FrameFuzzTestInputs/frames/}, where
 * every build replays it (the RST below: {@code crash-4c88d923…}).
 */
class FuzzFindingsTest
{
    private static final int X = 5_000;

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private final TcpEngine tcp = peer.stack.agent.tcp();

    /**
     * crash-4c88d923af193f7015ac1314a83a39e3a8cc9209: RST (with FIN, PSH, ECE, CWR) at SEG.SEQ = RCV.NXT - 54 with
     * 89 bytes of text reset an ESTABLISHED connection. The segment is acceptable (its last byte is in the window),
     * the engine trims it to start at RCV.NXT, and then checks the RST against the trimmed SEG.SEQ: any RST carrying
     * N bytes of text resets when RCV.NXT - N <= SEG.SEQ <= RCV.NXT, N + 1 blind guesses instead of the one RFC 5961
     * §3.2 allows (Linux checks the segment's own SEG.SEQ). RFC 5961 §3.2: a RST whose sequence number is in the
     * window but not exactly RCV.NXT gets a challenge ACK.
     */
    @Test
    void rstWithTextBelowRcvNxtGetsAChallengeAckNotAReset()
    {
        tcp.listen(80, app);
        final int y = peer.send(seg().syn().seq(X).mss(1460)).expect(seg().syn().ack(X + 1)).seq;
        peer.send(seg().ack(y + 1).seq(X + 1)).expectNothing();
        assertEquals(TcpState.ESTABLISHED, app.last.state());

        peer.send(seg().rst().ack(y + 1).seq(X + 1 - 10).data(new byte[20]))
            .expect(seg().ack(X + 1).seq(y + 1));
        assertNull(app.closeReason, "reset by a RST whose SEG.SEQ is RCV.NXT - 10");
        assertEquals(TcpState.ESTABLISHED, app.last.state());
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_CHALLENGE_ACKS));
    }
}
