package dev.synack.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.synack.api.CloseReason;
import dev.synack.channel.ChannelError;
import dev.synack.channel.EventHandler;
import dev.synack.channel.StackChannel;
import dev.synack.embed.examples.EchoClient;
import dev.synack.stat.CountersFile;
import dev.synack.stat.StackCounter;

/**
 * Two stacks on the two sides of a {@link MemoryLink}, each on its own threads: the callback API through
 * listen/connect, a channel used from the test thread (LISTEN, data, UNLISTEN), counters in a file, an application
 * agent, start-up failing half-way, and stop/close releasing everything. Runs anywhere.
 */
class SynackStackMemoryTest
{
    private static final String A = "198.18.0.1";

    @TempDir
    Path dir;

    private static SynackBuilder side(final MemoryLink link, final MemoryLink.Side side, final String name)
    {
        return Synack.builder().memoryWire(link, side).name(name)
            .address((side == MemoryLink.Side.A ? A : "198.18.0.2") + "/24");
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void aLambdaServiceAnswersAClientThroughTheCallbackApi(final Threading threading) throws Exception
    {
        final MemoryLink link = MemoryLink.create();
        try (SynackStack server = side(link, MemoryLink.Side.A, "server").threading(threading).start();
            SynackStack client = side(link, MemoryLink.Side.B, "client").threading(threading).start())
        {
            server.listen(7, (connection, buffer, offset, length) -> connection.send(buffer, offset, length));
            assertEquals("NORMAL: hello", EchoClient.echo(client, A, "hello"));
            assertEquals("NORMAL: " + "x".repeat(100_000), EchoClient.echo(client, A, "x".repeat(100_000)),
                "more than a buffer (16 KiB): the echo waits for room, nothing is lost");
            assertTrue(server.counters().get(StackCounter.TCP_SEGMENTS_IN) > 2);
            assertEquals("memory wire, side A", server.wire());
            assertEquals(threading == Threading.TWO_THREADS ? "NIC agent and stack on two threads, backing off when"
                + " idle (spin, yield, park up to 100 us)" : "NIC agent and stack on one thread, backing off when"
                + " idle (spin, yield, park up to 100 us)", server.threads());
            assertEquals("stack on one thread, backing off when idle (spin, yield, park up to 100 us)",
                client.threads(), "side B has no NIC agent");
            assertTrue(server.unlisten(7));
            assertFalse(server.unlisten(7));
            assertEquals("REFUSED: ", EchoClient.echo(client, A, "hello"));
        }
    }

    @Test
    void aChannelServesFromAnotherThreadAndStopsListening() throws Exception
    {
        final MemoryLink link = MemoryLink.create();
        try (SynackStack server = side(link, MemoryLink.Side.A, "server").start();
            SynackStack client = side(link, MemoryLink.Side.B, "client").channels(0, 1024).start())
        {
            final StackChannel channel = server.channel();
            final ChannelEcho app = new ChannelEcho(channel);
            assertTrue(channel.listen(41, 7));
            app.pollUntil("listening 41");
            final Thread clientThread = new Thread(() -> app.reply = echo(client, "over the channel"));
            clientThread.start();
            while (clientThread.isAlive())
            {
                channel.poll(app, 16);
            }
            assertEquals("NORMAL: over the channel", app.reply);
            assertTrue(channel.unlisten(42, 7));
            app.pollUntil("unlistened 42");
            assertEquals("REFUSED: ", EchoClient.echo(client, A, "hello"));
            assertTrue(channel.unlisten(43, 7));
            app.pollUntil("error NOT_LISTENING");
            assertEquals(IndexOutOfBoundsException.class, assertThrows(RuntimeException.class, client::channel)
                .getClass(), "channels(0): none made");
        }
    }

    private static String echo(final SynackStack client, final String text)
    {
        try
        {
            return EchoClient.echo(client, A, text);
        }
        catch (final Exception ex)
        {
            return ex.toString();
        }
    }

    @Test
    void countersGoToTheFileWithTheApplicationsOwnAndStayAfterClose() throws Exception
    {
        final Path file = dir.resolve("a.counters");
        final MemoryLink link = MemoryLink.create();
        final SynackStack server = side(link, MemoryLink.Side.A, "").countersFile(file)
            .agent(counters -> new TickAgent(counters.newCounter("application ticks", 2001))).start();
        try (SynackStack client = side(link, MemoryLink.Side.B, "client").start())
        {
            server.listen(7, (connection, buffer, offset, length) -> connection.send(buffer, offset, length));
            assertEquals("NORMAL: hi", EchoClient.echo(client, A, "hi"));
            try (CountersFile other = CountersFile.openReader(file))
            {
                final CountersReader reader = other.newReader();
                assertTrue(value(reader, "TCP segments in") > 0);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (value(reader, "application ticks") == 0 && System.nanoTime() - deadline < 0)
                {
                    Thread.onSpinWait();
                }
                assertTrue(value(reader, "application ticks") > 0, "the application agent runs on the stack thread");
                assertEquals(0, value(reader, "errors on synack threads"));
            }
        }
        finally
        {
            server.close();
            server.close();
        }
        assertTrue(Files.size(file) > 0, "the file is kept");
    }

    private static long value(final CountersReader reader, final String label)
    {
        final long[] found = {-1};
        reader.forEach((value, id, text) ->
        {
            if (text.equals(label))
            {
                found[0] = value;
            }
        });
        assertTrue(found[0] >= 0, "no counter '" + label + "'");
        return found[0];
    }

    @Test
    void theCaptureTapSeesFramesBothWays() throws Exception
    {
        final MemoryLink link = MemoryLink.create();
        final AtomicInteger in = new AtomicInteger();
        final AtomicInteger out = new AtomicInteger();
        try (SynackStack server = side(link, MemoryLink.Side.A, "tapped")
                .tap((outbound, buffer, offset, length, timeNs) -> (outbound ? out : in).incrementAndGet()).start();
            SynackStack client = side(link, MemoryLink.Side.B, "client").start())
        {
            server.listen(7, (connection, buffer, offset, length) -> connection.send(buffer, offset, length));
            assertEquals("NORMAL: tapped", EchoClient.echo(client, A, "tapped"));
            server.stop();
            assertEquals(server.counters().get(StackCounter.FRAMES_IN), in.get(), "every frame in");
            assertTrue(out.get() >= 3, "ARP reply, SYN-ACK, the echo (its FIN may ride along) at least: " + out.get());
        }
    }

    @Test
    void stopJoinsTheThreadsAndControlAfterItFails()
    {
        final MemoryLink link = MemoryLink.create();
        final SynackStack stack = side(link, MemoryLink.Side.A, "stopper").cpus(0).start();
        final Thread thread = stack.call(s -> Thread.currentThread());
        assertTrue(thread.isAlive());
        assertTrue(stack.pinned(), "pinned to CPU 0");
        stack.stop();
        stack.stop();
        assertFalse(thread.isAlive(), "joined");
        assertFalse(stack.isRunning());
        assertEquals("the stack is stopped", assertThrows(IllegalStateException.class, () -> stack.listen(7,
            (connection, buffer, offset, length) -> length)).getMessage());
        stack.close();
        stack.close();
        side(link, MemoryLink.Side.A, "again").start().close(); // the side is free again
    }

    @Test
    void aStartThatFailsHalfWayReleasesEverything() throws Exception
    {
        final MemoryLink link = MemoryLink.create();
        final Path file = dir.resolve("failed.counters");
        for (final SynackBuilder.Stage stage : SynackBuilder.Stage.values())
        {
            final SynackBuilder builder = side(link, MemoryLink.Side.A, "inject" + stage.ordinal()).countersFile(file)
                .threading(Threading.TWO_THREADS);
            builder.hook = reached ->
            {
                if (reached == stage)
                {
                    throw new IllegalStateException("injected at " + stage);
                }
            };
            final SynackConfigException ex = assertThrows(SynackConfigException.class, builder::start);
            assertEquals("start-up failed: injected at " + stage, ex.getMessage());
            assertEquals(List.of(), synackThreads("inject" + stage.ordinal()), "every thread joined");
        }
        try (SynackStack stack = side(link, MemoryLink.Side.A, "after").countersFile(file).start())
        {
            assertTrue(stack.isRunning(), "side A and the counters file were released");
        }
    }

    /** @return the live threads whose names carry the stack's name. */
    static List<String> synackThreads(final String name)
    {
        final List<String> names = new ArrayList<>();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.isAlive() && thread.getName().contains("synack-stack-" + name))
            {
                names.add(thread.getName());
            }
        }
        return names;
    }

    /** Counts its duty cycles into its own counter. */
    private static final class TickAgent implements Agent
    {
        private final AtomicCounter ticks;

        TickAgent(final AtomicCounter ticks)
        {
            this.ticks = ticks;
        }

        @Override
        public int doWork()
        {
            ticks.incrementRelease();
            return 0;
        }

        @Override
        public String roleName()
        {
            return "ticks";
        }
    }

    /** An echo service on a channel, polled by the test thread; records control events as text. */
    private static final class ChannelEcho implements EventHandler
    {
        private final StackChannel channel;
        private final List<String> events = new ArrayList<>();
        private volatile String reply;

        ChannelEcho(final StackChannel channel)
        {
            this.channel = channel;
        }

        void pollUntil(final String event)
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (events.stream().noneMatch(e -> e.startsWith(event)))
            {
                assertTrue(System.nanoTime() - deadline < 0, "no '" + event + "' in " + events);
                channel.poll(this, 16);
            }
        }

        @Override
        public void onListening(final long correlationId, final int port)
        {
            events.add("listening " + correlationId);
        }

        @Override
        public void onUnlistened(final long correlationId, final int port)
        {
            events.add("unlistened " + correlationId);
        }

        @Override
        public void onError(final long id, final int commandType, final ChannelError error)
        {
            events.add("error " + error);
        }

        @Override
        public void onOpened(final long handle, final long correlationId, final boolean passive, final int remoteIp,
            final int remotePort, final int localPort)
        {
            events.add("opened " + correlationId);
        }

        @Override
        public void onData(final long handle, final DirectBuffer buffer, final int offset, final int length)
        {
            assertTrue(channel.send(handle, buffer, offset, length), "the command ring is full");
        }

        @Override
        public void onPeerClosed(final long handle)
        {
            channel.close(handle);
        }

        @Override
        public void onClosed(final long handle, final CloseReason reason)
        {
            events.add("closed " + reason);
        }
    }
}
