package dev.synack.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpState;
import dev.synack.test.RecordingHandler;
import dev.synack.test.StackPair;

/**
 * Connections driven through the channel: commands in, events out, the stacks on the test thread with a
 * manual clock. Every event an application sees is asserted, in order.
 */
class ChannelScenarioTest
{
    private final ChannelPair pair = new ChannelPair();
    private final StackChannel appA = pair.agentA.newChannel(ChannelAgent.eventRing(1 << 16));
    private final StackChannel appB = pair.agentB.newChannel(ChannelAgent.eventRing(1 << 16));
    private final RecordingEvents eventsA = new RecordingEvents();
    private final RecordingEvents eventsB = new RecordingEvents();

    private static UnsafeBuffer ascii(final String text)
    {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    private boolean send(final StackChannel app, final long handle, final String text)
    {
        final UnsafeBuffer bytes = ascii(text);
        return app.send(handle, bytes, 0, bytes.capacity());
    }

    private List<String> pollA()
    {
        pair.settle();
        appA.poll(eventsA, 1000);
        return eventsA.take();
    }

    private List<String> pollB()
    {
        pair.settle();
        appB.poll(eventsB, 1000);
        return eventsB.take();
    }

    @Test
    void connectionEntirelyThroughChannelsOpensCarriesDataHalfClosesAndCloses()
    {
        assertTrue(appA.listen(7, 80));
        assertEquals(List.of("listening 7 80"), pollA());

        assertTrue(appB.connect(11, StackPair.A_IP, 80));
        final List<String> openedB = pollB();
        assertEquals(1, openedB.size(), openedB.toString());
        assertTrue(openedB.get(0).startsWith("opened 11 active 198.18.0.1:80 -> "), openedB.toString());
        final int clientPort = Integer.parseInt(openedB.get(0).substring(openedB.get(0).lastIndexOf(' ') + 1));
        assertEquals(List.of("opened 7 passive 198.18.0.2:" + clientPort + " -> 80"), pollA());
        final long server = eventsA.lastHandle;
        final long client = eventsB.lastHandle;
        assertEquals(TcpState.ESTABLISHED, pair.pair.a.agent.tcp().stateOf(server));

        // Data both ways.
        assertTrue(send(appB, client, "GET / HTTP/1.1\r\n\r\n"));
        assertEquals(List.of(), pollA());
        assertEquals("GET / HTTP/1.1\r\n\r\n", eventsA.text(server));
        assertTrue(send(appA, server, "HTTP/1.1 200 OK\r\n"));
        assertTrue(send(appA, server, "Content-Length: 0\r\n\r\n"));
        assertEquals(List.of(), pollB());
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", eventsB.text(client));

        // Half-close by the client: the server sees end of stream and may still send.
        assertTrue(appB.shutdownOutput(client));
        assertEquals(List.of("peerClosed"), pollA());
        assertEquals(TcpState.CLOSE_WAIT, pair.pair.a.agent.tcp().stateOf(server));
        assertTrue(send(appA, server, "late"));
        assertEquals(List.of(), pollB());
        assertTrue(eventsB.text(client).endsWith("late"));
        assertTrue(send(appB, client, "nope"));
        assertEquals(List.of("error SEND CANNOT_SEND"), pollB(), "no sending after our own FIN");

        // The server closes: LAST-ACK, then CLOSED on both ends (the client from TIME-WAIT).
        assertTrue(appA.close(server));
        assertEquals(List.of("closed NORMAL"), pollA());
        assertEquals(List.of("peerClosed", "closed NORMAL"), pollB());
        assertEquals(0, pair.pair.a.agent.tcp().connectionsInUse());
        assertEquals(1, pair.pair.b.agent.tcp().connectionsIn(TcpState.TIME_WAIT));

        // The handles are dead now: a counted, reported error, not a crash.
        assertTrue(send(appA, server, "x"));
        assertEquals(List.of("error SEND UNKNOWN_HANDLE"), pollA());
        assertEquals(1, pair.agentA.errors(ChannelError.UNKNOWN_HANDLE));
        assertEquals(1, pair.agentB.errors(ChannelError.CANNOT_SEND));
    }

    @Test
    void peerResetIsClosedReset()
    {
        final RecordingHandler server = new RecordingHandler();
        pair.pair.b.agent.tcp().listen(80, server);
        assertTrue(appA.connect(3, StackPair.B_IP, 80));
        final List<String> opened = pollA();
        assertTrue(opened.get(0).startsWith("opened 3 active 198.18.0.2:80 -> "), opened.toString());
        assertTrue(send(appA, eventsA.lastHandle, "ping"));
        pair.settle();
        assertEquals("ping", server.data.toString(StandardCharsets.US_ASCII));
        final UnsafeBuffer pong = ascii("pong");
        server.last.send(pong, 0, 4);
        server.last.abort();
        assertEquals(List.of("closed RESET"), pollA());
        assertEquals("pong", eventsA.text(eventsA.lastHandle), "data before the RST is delivered first");
    }

    @Test
    void applicationAbortIsClosedAbortedAndTheirsReset()
    {
        final RecordingHandler server = new RecordingHandler();
        pair.pair.b.agent.tcp().listen(80, server);
        assertTrue(appA.connect(3, StackPair.B_IP, 80));
        pollA();
        assertTrue(appA.abort(eventsA.lastHandle));
        assertEquals(List.of("closed ABORTED"), pollA());
        assertEquals(List.of("open", "closed RESET"), server.events);
    }

    @Test
    void connectToAClosedPortFailsRefused()
    {
        assertTrue(appA.connect(5, StackPair.B_IP, 81));
        assertEquals(List.of("connectFailed 5 REFUSED NONE"), pollA());
        assertEquals(0, pair.pair.a.agent.tcp().connectionsInUse());
    }

    @Test
    void connectWithNoAnswerTimesOut()
    {
        // Nobody at .9: the SYN goes unanswered (ARP is static here, the wire drops frames for no one).
        pair.pair.a.agent.neighbours().addStatic(StackPair.B_IP + 7, 0x0200_0000_0009L);
        assertTrue(appA.connect(6, StackPair.B_IP + 7, 80));
        assertEquals(List.of(), pollA());
        pair.advanceMs(300_000);
        assertEquals(List.of("connectFailed 6 TIMEOUT NONE"), pollA());
    }

    @Test
    void listenTwiceAndBadPortsFail()
    {
        assertTrue(appA.listen(1, 80));
        assertTrue(appA.listen(2, 80));
        assertTrue(appA.listen(3, 0));
        assertTrue(appA.listen(4, 70_000));
        assertTrue(appA.connect(5, StackPair.B_IP, 0));
        assertEquals(List.of("listening 1 80", "listenFailed 2 80 ALREADY_LISTENING", "listenFailed 3 0 BAD_PORT",
            "listenFailed 4 70000 BAD_PORT", "connectFailed 5 null BAD_PORT"), pollA());
        // A port listened on through the engine directly is also refused, without disturbing that listener.
        pair.pair.a.agent.tcp().listen(90, new RecordingHandler());
        assertTrue(appA.listen(6, 90));
        assertEquals(List.of("listenFailed 6 90 ALREADY_LISTENING"), pollA());
        assertEquals(2, pair.agentA.errors(ChannelError.ALREADY_LISTENING));
        assertEquals(3, pair.agentA.errors(ChannelError.BAD_PORT));
    }

    @Test
    void twoChannelsOnOneStackEachHearOnlyTheirOwn()
    {
        final StackChannel other = pair.agentA.newChannel(ChannelAgent.eventRing(1 << 12));
        final RecordingEvents otherEvents = new RecordingEvents();
        assertTrue(appA.listen(1, 80));
        assertTrue(other.listen(2, 81));
        pair.settle();
        final RecordingHandler c80 = new RecordingHandler();
        final RecordingHandler c81 = new RecordingHandler();
        pair.pair.b.agent.tcp().connect(StackPair.A_IP, 80, c80);
        pair.pair.b.agent.tcp().connect(StackPair.A_IP, 81, c81);
        pair.settle();
        c80.last.send(ascii("to 80"), 0, 5);
        c81.last.send(ascii("to 81"), 0, 5);
        final List<String> mine = pollA();
        other.poll(otherEvents, 100);
        assertEquals("listening 1 80", mine.get(0));
        assertTrue(mine.get(1).startsWith("opened 1 passive"), mine.toString());
        assertEquals(2, mine.size());
        assertEquals("listening 2 81", otherEvents.events.get(0));
        assertTrue(otherEvents.events.get(1).startsWith("opened 2 passive"), otherEvents.events.toString());
        assertEquals("to 80", eventsA.text(eventsA.lastHandle));
        assertEquals("to 81", otherEvents.text(otherEvents.lastHandle));

        // A channel cannot touch another's connection.
        assertTrue(other.abort(eventsA.lastHandle));
        other.poll(otherEvents, 100);
        pair.settle();
        other.poll(otherEvents, 100);
        assertEquals("error ABORT NOT_OWNER", otherEvents.events.get(otherEvents.events.size() - 1));
        final TcpConnection still = pair.pair.a.agent.tcp().connection(eventsA.lastHandle);
        assertEquals(TcpState.ESTABLISHED, still.state());
        assertEquals(1, pair.agentA.errors(ChannelError.NOT_OWNER));
    }

    @Test
    void bytesStillInTheStackWhenTheConnectionEndsNormallyReachTheApplicationBeforeClosed()
    {
        // A tiny event ring and an application that is not polling: the server's 3,000 bytes stay in A's
        // stack (keepUnread), then A's connection ends normally in TIME-WAIT. The stack hands the bytes over
        // before CLOSED, and the channel queues them in its backlog: nothing is lost.
        final StackChannel slow = pair.agentA.newChannel(ChannelAgent.eventRing(1 << 10));
        final RecordingEvents events = new RecordingEvents();
        final RecordingHandler server = new RecordingHandler();
        pair.pair.b.agent.tcp().listen(80, server);
        assertTrue(slow.connect(5, StackPair.B_IP, 80));
        pair.settle();
        slow.poll(events, 10);
        final long handle = events.lastHandle;
        events.take();
        assertTrue(slow.close(handle));
        pair.settle();
        final byte[] reply = new byte[3000];
        for (int i = 0; i < reply.length; i++)
        {
            reply[i] = (byte)('a' + i % 26);
        }
        assertEquals(3000, server.last.send(new UnsafeBuffer(reply), 0, reply.length));
        server.last.close();
        pair.settle();
        assertEquals(1, pair.pair.a.agent.tcp().connectionsIn(TcpState.TIME_WAIT), "A's end is over");
        // A read that meets the ring's wrap padding returns 0 with events still behind it: stop after two.
        int idle = 0;
        while (idle < 2)
        {
            pair.settle();
            idle = slow.poll(events, 1000) == 0 ? idle + 1 : 0;
        }
        assertEquals(new String(reply, StandardCharsets.US_ASCII), events.text(handle), "every byte, in order");
        final List<String> rest = events.take();
        assertEquals(List.of("peerClosed", "closed NORMAL"), rest.subList(rest.size() - 2, rest.size()),
            rest.toString());
        assertEquals(0, pair.agentA.errors(ChannelError.EVENT_LOST));
    }
}
