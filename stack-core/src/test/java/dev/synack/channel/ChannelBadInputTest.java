package dev.synack.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.tcp.TcpState;
import dev.synack.test.RecordingHandler;
import dev.synack.test.StackPair;

/**
 * Bad input from applications — unknown and stale handles, sends after close, oversized sends, malformed
 * commands, full rings, an application that stops polling — is counted or reported, never thrown, never lost.
 */
class ChannelBadInputTest
{
    private final UnsafeBuffer bytes = new UnsafeBuffer(new byte[256 * 1024]);

    @Test
    void unknownAndStaleHandlesAreReportedErrors()
    {
        final ChannelPair pair = new ChannelPair();
        final StackChannel app = pair.agentA.newChannel(ChannelAgent.eventRing(1 << 16));
        final RecordingEvents events = new RecordingEvents();
        assertTrue(app.send(12345L, bytes, 0, 10));
        assertTrue(app.close(-1L));
        assertTrue(app.abort(Long.MAX_VALUE));
        assertTrue(app.shutdownOutput(1L << 32));
        assertTrue(app.resumeSend(0));
        pair.settle();
        app.poll(events, 100);
        assertEquals(List.of("error SEND UNKNOWN_HANDLE", "error CLOSE UNKNOWN_HANDLE", "error ABORT UNKNOWN_HANDLE",
            "error SHUTDOWN_OUTPUT UNKNOWN_HANDLE", "error RESUME_SEND UNKNOWN_HANDLE"), events.take());
        assertEquals(5, pair.agentA.errors(ChannelError.UNKNOWN_HANDLE));

        // A live connection made without the channel is not the channel's to touch either.
        final RecordingHandler direct = new RecordingHandler();
        pair.pair.b.agent.tcp().listen(80, new RecordingHandler());
        final long foreign = pair.pair.a.agent.tcp().connect(StackPair.B_IP, 80, direct);
        pair.settle();
        assertTrue(app.abort(foreign));
        pair.settle();
        app.poll(events, 100);
        assertEquals(List.of("error ABORT UNKNOWN_HANDLE"), events.take());
        assertEquals(TcpState.ESTABLISHED, pair.pair.a.agent.tcp().stateOf(foreign));

        // A handle that was valid and is now stale: the slot may be reused, the old handle never works again.
        assertTrue(app.connect(1, StackPair.B_IP, 80));
        pair.settle();
        app.poll(events, 100);
        final long first = events.lastHandle;
        assertTrue(app.abort(first));
        assertTrue(app.connect(2, StackPair.B_IP, 80));
        pair.settle();
        app.poll(events, 100);
        final long second = events.lastHandle;
        assertTrue(first != second);
        assertTrue(app.send(first, bytes, 0, 1));
        pair.settle();
        app.poll(events, 100);
        final List<String> all = events.take();
        assertEquals("error SEND UNKNOWN_HANDLE", all.get(all.size() - 1), all.toString());
        assertEquals(TcpState.ESTABLISHED, pair.pair.a.agent.tcp().stateOf(second));
    }

    @Test
    void sendAfterCloseIsAnErrorAndTheQueuedBytesStillGo()
    {
        final ChannelPair pair = new ChannelPair();
        final StackChannel app = pair.agentA.newChannel(ChannelAgent.eventRing(1 << 16));
        final RecordingEvents events = new RecordingEvents();
        final RecordingHandler server = new RecordingHandler();
        pair.pair.b.agent.tcp().listen(80, server);
        assertTrue(app.connect(1, StackPair.B_IP, 80));
        pair.settle();
        app.poll(events, 100);
        final long handle = events.lastHandle;
        events.take();
        bytes.putByte(0, (byte)'a');
        assertTrue(app.send(handle, bytes, 0, 1));
        assertTrue(app.close(handle));
        assertTrue(app.send(handle, bytes, 0, 1));
        pair.settle();
        app.poll(events, 100);
        assertEquals(List.of("error SEND CANNOT_SEND"), events.take());
        assertEquals("a", server.data.toString());
        assertEquals(List.of("open", "data 1", "peerClosed"), server.events);
    }

    @Test
    void oversizedAndNegativeSendsAreRefusedOnTheApplicationSide()
    {
        final ChannelPair pair = new ChannelPair();
        final StackChannel app = pair.agentB.newChannel(ChannelAgent.eventRing(1 << 16));
        assertEquals((1 << 16) / 8 - ChannelCommands.DATA_OFFSET, app.maxSendLength());
        assertFalse(app.send(7, bytes, 0, app.maxSendLength() + 1));
        assertFalse(app.send(7, bytes, 0, -1));
        assertEquals(2, app.oversizedSends());
        pair.settle();
        assertEquals(0, pair.agentB.commandsRead(), "nothing was written");
        assertTrue(app.send(7, bytes, 0, app.maxSendLength()));
        pair.settle();
        assertEquals(1, pair.agentB.commandsRead());
        assertEquals(1, pair.agentB.errors(ChannelError.UNKNOWN_HANDLE));
    }

    @Test
    void malformedCommandsAreCountedAndSkipped()
    {
        final ChannelPair pair = new ChannelPair();
        final StackChannel app = pair.agentA.newChannel(ChannelAgent.eventRing(1 << 16));
        final RecordingEvents events = new RecordingEvents();
        final RingBuffer commands = pair.commandsA;
        final UnsafeBuffer raw = new UnsafeBuffer(new byte[64]);
        assertTrue(commands.write(99, raw, 0, 16));
        assertTrue(commands.write(ChannelCommands.CONNECT, raw, 0, 12));
        assertTrue(commands.write(ChannelCommands.SEND, raw, 0, 4));
        raw.putInt(ChannelCommands.CHANNEL_OFFSET, 57);
        assertTrue(commands.write(ChannelCommands.CLOSE, raw, 0, 16));
        raw.putInt(ChannelCommands.CHANNEL_OFFSET, -1);
        assertTrue(commands.write(ChannelCommands.LISTEN, raw, 0, 20));
        assertTrue(app.listen(1, 80));
        pair.settle();
        app.poll(events, 100);
        assertEquals(List.of("listening 1 80"), events.take(), "good commands after bad ones still run");
        assertEquals(1, pair.agentA.errors(ChannelError.UNKNOWN_COMMAND));
        assertEquals(2, pair.agentA.errors(ChannelError.MALFORMED_COMMAND));
        assertEquals(2, pair.agentA.errors(ChannelError.UNKNOWN_CHANNEL));
        assertEquals(6, pair.agentA.commandsRead());
    }

    @Test
    void fullCommandRingRefusesThenEveryAcceptedCommandRunsInOrderThroughTheBacklog()
    {
        final ChannelPair pair = new ChannelPair();
        // A small event ring: most answers wait in the backlog, and must come out complete and in order.
        final StackChannel app = pair.agentB.newChannel(ChannelAgent.eventRing(4096));
        int accepted = 0;
        while (app.close(accepted))
        {
            accepted++;
        }
        assertTrue(accepted > 1000, "the 64 KiB command ring took " + accepted);
        assertFalse(app.listen(1, 80), "still full");
        assertEquals(2, app.refusedCommands());
        final List<Long> ids = new ArrayList<>();
        final EventHandler collect = new RecordingEvents()
        {
            @Override
            public void onError(final long id, final int commandType, final ChannelError error)
            {
                assertEquals(ChannelError.UNKNOWN_HANDLE, error);
                assertEquals(ChannelCommands.CLOSE, commandType);
                ids.add(id);
            }
        };
        for (int round = 0; round < 10_000 && ids.size() < accepted; round++)
        {
            pair.settle();
            app.poll(collect, 50);
        }
        assertEquals(accepted, ids.size());
        for (int i = 0; i < accepted; i++)
        {
            assertEquals(i, ids.get(i));
        }
        assertTrue(pair.agentB.eventsBacklogged() > 0);
        assertEquals(0, pair.agentB.errors(ChannelError.EVENT_LOST));
        assertTrue(app.listen(1, 80), "room again");
    }

    @Test
    void anApplicationThatStopsPollingStallsCommandsAndRefusesNewConnectionsButLosesNothing()
    {
        // Four connections: the backlog keeps room for 16 events past its high-water mark.
        final ChannelPair pair = new ChannelPair(StackPair.configA().maxConnections(4), StackPair.configB());
        final StackChannel app = pair.agentA.newChannel(ChannelAgent.eventRing(1024));
        assertTrue(app.listen(0, 80));
        pair.settle();
        int written = 0;
        for (int round = 0; round < 100; round++)
        {
            while (app.shutdownOutput(1000 + written))
            {
                written++;
            }
            pair.settle();
        }
        final long read = pair.agentA.commandsRead();
        assertTrue(read < written, "the agent stopped reading commands: read " + read + " of " + written);
        assertFalse(app.shutdownOutput(0), "the command ring is full");

        final RecordingHandler late = new RecordingHandler();
        pair.pair.b.agent.tcp().connect(StackPair.A_IP, 80, late);
        pair.settle();
        assertEquals(1, pair.agentA.errors(ChannelError.ACCEPT_OVERFLOW));
        assertEquals(CloseReason.RESET, late.closeReason, late.events.toString());
        assertEquals(0, pair.pair.a.agent.tcp().connectionsInUse());
        assertEquals(0, pair.agentA.errors(ChannelError.EVENT_LOST), "the backlog kept room for everything");

        // The application catches up: every command it wrote is answered, in order, none lost.
        final List<Long> ids = new ArrayList<>();
        final List<String> others = new ArrayList<>();
        final EventHandler collect = new RecordingEvents()
        {
            @Override
            public void onListening(final long correlationId, final int port)
            {
                others.add("listening");
            }

            @Override
            public void onError(final long id, final int commandType, final ChannelError error)
            {
                ids.add(id);
            }
        };
        for (int round = 0; round < 100_000 && ids.size() < written; round++)
        {
            app.poll(collect, 10);
            pair.settle();
        }
        assertEquals(List.of("listening"), others);
        assertEquals(written, ids.size(), "read " + pair.agentA.commandsRead() + " backlogged "
            + pair.agentA.eventsBacklogged() + " errors " + pair.agentA.errors(ChannelError.UNKNOWN_HANDLE));
        for (int i = 0; i < written; i++)
        {
            assertEquals(1000 + i, ids.get(i));
        }
        assertEquals(0, pair.agentA.errors(ChannelError.EVENT_LOST));
        assertTrue(app.shutdownOutput(0));
    }
}
