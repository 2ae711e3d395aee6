package dev.synack.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.test.StackPair;

/**
 * A real application thread: it connects through stack A's channel, does 2,000 request/response exchanges
 * with an echo application on stack B's channel, closes, and waits for CLOSED, while the test thread runs both
 * stacks, their channel agents and the wire (one stack thread for both, on a manual clock).
 */
class ChannelThreadTest
{
    private static final int EXCHANGES = 2_000;
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(30);

    @Test
    void anApplicationThreadConnectsSendsPollsAndCloses() throws InterruptedException
    {
        final ChannelPair pair = new ChannelPair();
        final PingClient client = new PingClient(pair.agentA.newChannel(ChannelAgent.eventRing(1 << 16)));
        final EchoApp echo = new EchoApp(pair.agentB.newChannel(ChannelAgent.eventRing(1 << 16)));
        assertTrue(echo.channel.listen(1, 7));
        pair.settle();
        echo.channel.poll(echo, 10);

        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread app = new Thread(() ->
        {
            try
            {
                final long end = System.nanoTime() + DEADLINE_NS;
                while (!client.channel.connect(99, StackPair.B_IP, 7))
                {
                    Thread.onSpinWait();
                }
                while (client.exchanges < EXCHANGES && System.nanoTime() < end && client.errors == 0)
                {
                    client.channel.poll(client, 16);
                    if (client.exchanges < EXCHANGES)
                    {
                        client.request();
                    }
                }
                client.channel.close(client.handle);
                while (client.closed == null && System.nanoTime() < end)
                {
                    client.channel.poll(client, 16);
                    Thread.onSpinWait();
                }
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "channel-app");
        app.start();
        final long end = System.nanoTime() + DEADLINE_NS;
        while (app.isAlive() && System.nanoTime() < end)
        {
            if (pair.doWork() == 0)
            {
                pair.pair.clock.advanceNs(10_000);
            }
            echo.channel.poll(echo, 16);
        }
        app.join(TimeUnit.SECONDS.toMillis(5));
        assertFalse(app.isAlive(), "the application thread finished in time");
        assertNull(failure.get());
        assertEquals(0, client.errors);
        assertEquals(EXCHANGES, client.exchanges);
        assertEquals(CloseReason.NORMAL, client.closed);
        pair.settle();
        echo.channel.poll(echo, 16);
        assertEquals(0, echo.errors);
        assertEquals(CloseReason.NORMAL, echo.closed);
        assertEquals(0, pair.pair.b.agent.tcp().connectionsInUse());
    }
}
