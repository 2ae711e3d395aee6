package dev.synack.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.tcp.TcpConnection;
import dev.synack.test.StackPair;

/**
 * A slow application behind a tiny event ring: 1 MiB goes from stack B to the application on stack A, which
 * echoes it back through its channel; B must get back exactly what it sent. The bytes the application cannot
 * take yet stay in stack A and its receive window closes (B sees a zero window), and A's small send buffer makes
 * the echo run into SEND_PARTIAL / WRITABLE / RESUME_SEND again and again.
 */
class ChannelBackpressureTest
{
    private static final int TOTAL = 1 << 20;
    private static final long ROUND_NS = 50_000;

    /** Stack B's side: writes the 1 MiB as the send buffer allows, keeps what comes back. */
    static final class Source implements TcpHandler
    {
        final byte[] out = new byte[TOTAL];
        final byte[] back = new byte[TOTAL];
        final UnsafeBuffer outBuffer = new UnsafeBuffer(out);
        TcpConnection connection;
        int sent;
        int received;
        long leastWindowSeen = Long.MAX_VALUE;
        CloseReason closed;

        Source()
        {
            new Random(7).nextBytes(out);
        }

        void pump()
        {
            if (connection != null && closed == null)
            {
                while (sent < TOTAL)
                {
                    final int n = connection.send(outBuffer, sent, Math.min(TOTAL - sent, 16 * 1024));
                    if (n <= 0)
                    {
                        break;
                    }
                    sent += n;
                }
                if (sent > 0)
                {
                    leastWindowSeen = Math.min(leastWindowSeen, connection.sndWnd());
                }
            }
        }

        @Override
        public void onOpen(final TcpConnection c)
        {
            connection = c;
            pump();
        }

        @Override
        public void onData(final TcpConnection c, final DirectBuffer buffer, final int offset, final int length)
        {
            buffer.getBytes(offset, back, received, length);
            received += length;
        }

        @Override
        public void onWritable(final TcpConnection c)
        {
            pump();
        }

        @Override
        public void onClosed(final TcpConnection c, final CloseReason reason)
        {
            closed = reason;
        }
    }

    /** The application on A: reads a couple of events per round, echoes every byte, resends after partials. */
    static final class SlowEcho implements EventHandler
    {
        final StackChannel channel;
        final byte[] stream = new byte[TOTAL];
        final UnsafeBuffer streamBuffer = new UnsafeBuffer(stream);
        long handle = -1;
        int received;
        int submitted;
        boolean waitingWritable;
        int partials;
        int resumes;
        int largestDataEvent;
        CloseReason closed;

        SlowEcho(final StackChannel channel)
        {
            this.channel = channel;
        }

        void pump()
        {
            // Echo in bursts of two 3000-byte sends, more than the 4 KiB send buffer takes at once.
            if (received - submitted < 6000 && received < TOTAL)
            {
                return;
            }
            while (handle != -1 && !waitingWritable && submitted < received)
            {
                final int n = Math.min(received - submitted, 3000);
                if (!channel.send(handle, streamBuffer, submitted, n))
                {
                    break;
                }
                submitted += n;
            }
        }

        @Override
        public void onOpened(final long h, final long correlationId, final boolean passive, final int remoteIp,
            final int remotePort, final int localPort)
        {
            handle = h;
        }

        @Override
        public void onData(final long h, final DirectBuffer buffer, final int offset, final int length)
        {
            buffer.getBytes(offset, stream, received, length);
            received += length;
            largestDataEvent = Math.max(largestDataEvent, length);
        }

        @Override
        public void onSendPartial(final long h, final long position, final int accepted, final int requested)
        {
            partials++;
            submitted = (int)position;
            waitingWritable = true;
        }

        @Override
        public void onWritable(final long h)
        {
            if (waitingWritable)
            {
                waitingWritable = false;
                resumes++;
                if (!channel.resumeSend(h))
                {
                    throw new IllegalStateException("command ring full");
                }
            }
        }

        @Override
        public void onClosed(final long h, final CloseReason reason)
        {
            closed = reason;
        }
    }

    @Test
    void oneMebibyteEchoedByteExactThroughATinyEventRing()
    {
        final ChannelPair pair = new ChannelPair(
            StackPair.configA().sendBufferSize(4096).receiveBufferSize(16 * 1024), StackPair.configB());
        final StackChannel channel = pair.agentA.newChannel(ChannelAgent.eventRing(1024));
        final SlowEcho app = new SlowEcho(channel);
        final Source source = new Source();
        assertTrue(channel.listen(1, 80));
        pair.settle();
        pair.pair.b.agent.tcp().connect(StackPair.A_IP, 80, source);
        int leastWindowA = Integer.MAX_VALUE;
        int rounds = 0;
        while (source.received < TOTAL && rounds < 2_000_000 && source.closed == null)
        {
            rounds++;
            pair.settle();
            channel.poll(app, 2);
            app.pump();
            source.pump();
            if (app.handle != -1)
            {
                final TcpConnection a = pair.pair.a.agent.tcp().connection(app.handle);
                if (a != null)
                {
                    leastWindowA = Math.min(leastWindowA, a.rcvWnd());
                }
            }
            pair.pair.clock.advanceNs(ROUND_NS);
        }
        System.out.printf("backpressure: %,d rounds, data kept %,d times, %,d partial sends, %,d refused, "
            + "%,d events backlogged, least window A %d, least window seen by B %d, largest DATA %d%n", rounds,
            pair.agentA.dataKept(), app.partials, pair.agentA.sendsRefused(), pair.agentA.eventsBacklogged(),
            leastWindowA, source.leastWindowSeen, app.largestDataEvent);
        assertEquals(TOTAL, source.sent);
        assertEquals(TOTAL, app.received, "every byte reached the application");
        assertEquals(TOTAL, source.received, "every byte came back");
        assertArrayEquals(source.out, source.back, "echoed byte-exact");
        assertTrue(Arrays.equals(source.out, app.stream));
        assertEquals(null, source.closed);
        assertEquals(null, app.closed);
        assertTrue(pair.agentA.dataKept() > 0, "the event ring filled and data was kept in the stack");
        assertEquals(0, leastWindowA, "A's receive window closed while the application lagged");
        assertEquals(0, source.leastWindowSeen, "B saw the zero window");
        assertTrue(app.partials > 0 && app.resumes == app.partials, "the echo ran into the send buffer's limit");
        assertEquals(1024 / 8 - ChannelEvents.DATA_OFFSET, app.largestDataEvent, "DATA split to fit the ring");
        assertEquals(0, pair.agentA.errors(ChannelError.EVENT_LOST));
        for (final ChannelError error : ChannelError.values())
        {
            assertEquals(0, pair.agentA.errors(error), error.name());
        }
    }
}
