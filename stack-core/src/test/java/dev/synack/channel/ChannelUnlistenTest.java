package dev.synack.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.synack.tcp.TcpState;
import dev.synack.test.RecordingHandler;
import dev.synack.test.StackPair;

/**
 * UNLISTEN through the channel: the port stops accepting (a new SYN is answered with RST), connections already
 * open go on, a handshake caught half-way is reset, and a wrong UNLISTEN is an ERROR event, never a throw.
 */
class ChannelUnlistenTest
{
    private final ChannelPair pair = new ChannelPair();
    private final StackChannel appA = pair.agentA.newChannel(ChannelAgent.eventRing(1 << 16));
    private final StackChannel otherA = pair.agentA.newChannel(ChannelAgent.eventRing(1 << 16));
    private final StackChannel appB = pair.agentB.newChannel(ChannelAgent.eventRing(1 << 16));
    private final RecordingEvents eventsA = new RecordingEvents();
    private final RecordingEvents eventsOther = new RecordingEvents();
    private final RecordingEvents eventsB = new RecordingEvents();

    private List<String> poll(final StackChannel app, final RecordingEvents events)
    {
        pair.settle();
        app.poll(events, 1000);
        return events.take();
    }

    @Test
    void unlistenStopsAcceptingAndLeavesOpenConnectionsAlone()
    {
        assertTrue(appA.listen(1, 80));
        assertEquals(List.of("listening 1 80"), poll(appA, eventsA));
        assertTrue(appB.connect(2, StackPair.A_IP, 80));
        assertTrue(poll(appB, eventsB).get(0).startsWith("opened 2 active"));
        final long client = eventsB.lastHandle;
        assertTrue(poll(appA, eventsA).get(0).startsWith("opened 1 passive"));
        final long server = eventsA.lastHandle;

        assertTrue(appA.unlisten(3, 80));
        assertEquals(List.of("unlistened 3 80"), poll(appA, eventsA));
        assertFalse(pair.pair.a.agent.tcp().isListening(80));

        // A new connection is refused (RST to the SYN: RFC 9293 §3.10.7.1, no listener).
        assertTrue(appB.connect(4, StackPair.A_IP, 80));
        assertEquals(List.of("connectFailed 4 REFUSED NONE"), poll(appB, eventsB));

        // The one accepted before goes on.
        assertEquals(TcpState.ESTABLISHED, pair.pair.a.agent.tcp().stateOf(server));
        assertTrue(appA.close(server));
        assertEquals(List.of(), poll(appA, eventsA));
        assertEquals(List.of("peerClosed"), poll(appB, eventsB));
        assertTrue(appB.close(client));
        assertEquals(List.of("peerClosed", "closed NORMAL"), poll(appA, eventsA));
        assertEquals(List.of("closed NORMAL"), poll(appB, eventsB));
        assertEquals(0, pair.agentA.errors(ChannelError.NOT_LISTENING));

        // And the port can be listened on again, by any channel.
        assertTrue(otherA.listen(5, 80));
        assertEquals(List.of("listening 5 80"), poll(otherA, eventsOther));
    }

    @Test
    void aHandshakeCaughtHalfWayIsResetWhenItCompletes()
    {
        assertTrue(appA.listen(1, 80));
        assertEquals(List.of("listening 1 80"), poll(appA, eventsA));
        // B's SYN reaches A, A answers SYN-ACK; then UNLISTEN runs before B's ACK arrives.
        assertTrue(appB.connect(2, StackPair.A_IP, 80));
        pair.agentB.doWork();
        pair.pair.b.agent.doWork();
        pair.pair.wire.doWork();
        pair.pair.a.agent.doWork();
        assertEquals(1, pair.pair.a.agent.tcp().connectionsIn(TcpState.SYN_RECEIVED));
        assertTrue(appA.unlisten(3, 80));
        pair.agentA.doWork();
        assertEquals(List.of("unlistened 3 80"), poll(appA, eventsA), "A's application never hears of it");
        final List<String> b = poll(appB, eventsB);
        assertEquals(2, b.size(), b.toString());
        assertTrue(b.get(0).startsWith("opened 2 active"), b.toString());
        assertEquals("closed RESET", b.get(1));
        assertEquals(1, pair.agentA.errors(ChannelError.NOT_LISTENING));
        assertEquals(0, pair.pair.a.agent.tcp().connectionsInUse());
    }

    @Test
    void wrongUnlistensAreErrorEvents()
    {
        assertTrue(appA.listen(1, 80));
        pair.pair.a.agent.tcp().listen(81, new RecordingHandler());
        assertEquals(List.of("listening 1 80"), poll(appA, eventsA));

        assertTrue(otherA.unlisten(2, 80));
        assertTrue(otherA.unlisten(3, 81));
        assertTrue(otherA.unlisten(4, 82));
        assertTrue(otherA.unlisten(5, 0));
        assertTrue(otherA.unlisten(6, 65536));
        assertEquals(List.of("error UNLISTEN NOT_OWNER", "error UNLISTEN NOT_OWNER", "error UNLISTEN NOT_LISTENING",
            "error UNLISTEN BAD_PORT", "error UNLISTEN BAD_PORT"), poll(otherA, eventsOther));
        assertTrue(pair.pair.a.agent.tcp().isListening(80), "another channel's port keeps listening");
        assertTrue(pair.pair.a.agent.tcp().isListening(81), "the engine's own listener keeps listening");
        assertEquals(2, pair.agentA.errors(ChannelError.NOT_OWNER));
        assertEquals(1, pair.agentA.errors(ChannelError.NOT_LISTENING));
        assertEquals(2, pair.agentA.errors(ChannelError.BAD_PORT));

        // A second UNLISTEN of the same port, after the first: not listening any more.
        assertTrue(appA.unlisten(7, 80));
        assertTrue(appA.unlisten(8, 80));
        assertEquals(List.of("unlistened 7 80", "error UNLISTEN NOT_LISTENING"), poll(appA, eventsA));
        assertEquals("UNLISTEN", ChannelCommands.name(ChannelCommands.UNLISTEN));
    }
}
