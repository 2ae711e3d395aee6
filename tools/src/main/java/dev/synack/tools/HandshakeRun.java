package dev.synack.tools;

import org.agrona.DirectBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.ip.Ipv4Address;
import dev.synack.tcp.TcpConnection;
import dev.synack.time.NanoClock;

/**
 * Full open + close cycles in real time: A connects to B:80 and closes as soon as it is open, B closes on A's
 * FIN; a cycle counts when B's end is closed. {@code concurrency} cycles are kept in progress. The constructor
 * makes B listen on port 80, so there is one per link. After each
 * measured window the run drains: no new connects, every cycle finishes, and A's TIME-WAIT slots expire
 * (2MSL) before the next run, so every run starts from an empty table.
 * <p>
 * Not thread-safe: the thread that drives the link.
 */
public final class HandshakeRun
{
    /** The port B listens on. */
    public static final int PORT = 80;
    private static final int B_IP = Ipv4Address.parse("198.18.0.2");

    private final Link link;
    private final NanoClock clock;
    private int concurrency;
    private final Client client = new Client();
    private int active;
    private long serverClosed;
    private long refused;
    private long errors;

    /**
     * @param link the stacks; B starts listening on {@link #PORT}.
     * @param clock the clock the stacks read.
     */
    public HandshakeRun(final Link link, final NanoClock clock)
    {
        this.link = link;
        this.clock = clock;
        link.b().tcp().listen(PORT, new Server());
    }

    /**
     * @param durationNs how long to measure.
     * @param inProgress cycles in progress at once.
     * @return completed cycles per second in the window.
     */
    public double measure(final long durationNs, final int inProgress)
    {
        this.concurrency = inProgress;
        final long start = clock.nanoTime();
        final long end = start + durationNs;
        final long before = serverClosed;
        long now = start;
        while (now - end < 0)
        {
            while (active < concurrency)
            {
                if (link.a().tcp().connect(B_IP, PORT, client) < 0)
                {
                    refused++;
                    break;
                }
                active++;
            }
            link.round();
            now = clock.nanoTime();
        }
        final double rate = (serverClosed - before) * 1e9 / (now - start);
        drain();
        return rate;
    }

    private void drain()
    {
        final long limit = clock.nanoTime() + 2 * link.a().config().mslNs() + 5_000_000_000L;
        while ((link.a().tcp().connectionsInUse() > 0 || link.b().tcp().connectionsInUse() > 0)
            && clock.nanoTime() - limit < 0)
        {
            link.round();
        }
    }

    /** @return connects refused because A's table was full (TIME-WAIT too long for the rate). */
    public long refused()
    {
        return refused;
    }

    /** @return unexpected callbacks. */
    public long errors()
    {
        return errors;
    }

    private final class Client implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection connection)
        {
            connection.close();
        }

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            errors++;
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
            active--;
            if (reason != CloseReason.NORMAL)
            {
                errors++;
            }
        }
    }

    private final class Server implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection connection)
        {
        }

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            errors++;
        }

        @Override
        public void onPeerClosed(final TcpConnection connection)
        {
            connection.close();
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
            if (reason == CloseReason.NORMAL)
            {
                serverClosed++;
            }
            else
            {
                errors++;
            }
        }
    }
}
