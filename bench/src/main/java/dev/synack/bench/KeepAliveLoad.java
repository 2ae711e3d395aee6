package dev.synack.bench;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.stack.StackConfig;
import dev.synack.tcp.TcpConnection;
import dev.synack.workload.EchoServer;

/**
 * Request/response on persistent connections: A keeps {@code inFlight} 64-byte requests outstanding on each of
 * {@code connections} connections, B echoes every byte back (a 64-byte reply per 64-byte request). One
 * exchange is counted per 64 reply bytes A receives; A sends the next request at once.
 * <p>
 * Every request carries a pattern that depends on its connection and its position in the stream, so with
 * {@code verify} on, every reply byte is checked against what was sent (wrong, lost, duplicated or crossed
 * bytes are counted in {@link #errors()}).
 * <p>
 * Single-threaded; allocation-free after construction.
 */
public final class KeepAliveLoad
{
    /** Request and reply size. */
    public static final int MESSAGE = 64;
    static final int PORT = 7;
    private static final int ROWS = 256;

    private final InMemoryPair pair;
    private final boolean verify;
    private final int inFlight;
    private final UnsafeBuffer template = new UnsafeBuffer(new byte[ROWS * MESSAGE]);
    private final ClientConnection[] clients;
    private final EchoServer echo = new EchoServer();
    private long exchanges;
    private long errors;
    private int open;

    /**
     * @param connections persistent connections.
     * @param inFlight requests outstanding per connection.
     * @param verify whether to check every reply byte.
     */
    public KeepAliveLoad(final int connections, final int inFlight, final boolean verify)
    {
        this.inFlight = inFlight;
        this.verify = verify;
        for (int i = 0; i < template.capacity(); i++)
        {
            template.putByte(i, (byte)(i * 31 + (i >>> 6) * 7 + 1));
        }
        pair = new InMemoryPair(new StackConfig(), new StackConfig(), 1 << 22);
        pair.b.tcp().listen(PORT, echo);
        clients = new ClientConnection[connections];
        for (int i = 0; i < connections; i++)
        {
            clients[i] = new ClientConnection(i);
            if (pair.a.tcp().connect(InMemoryPair.B_IP, PORT, clients[i]) < 0)
            {
                throw new IllegalStateException("connect " + i + " refused");
            }
        }
        for (int i = 0; i < 100_000 && open < connections; i++)
        {
            pair.round();
        }
        if (open != connections)
        {
            throw new IllegalStateException("only " + open + " of " + connections + " connections opened");
        }
    }

    /**
     * Drives until at least {@code target} exchanges have completed since construction.
     *
     * @param target the exchange count to reach.
     * @return exchanges completed so far.
     */
    public long driveUntil(final long target)
    {
        long last = exchanges;
        int idle = 0;
        while (exchanges < target)
        {
            pair.round();
            if (exchanges != last)
            {
                last = exchanges;
                idle = 0;
            }
            else if (++idle > Stall.LIMIT)
            {
                throw Stall.stuck("keep-alive exchanges", pair);
            }
        }
        return exchanges;
    }

    /** @return exchanges completed. */
    public long exchanges()
    {
        return exchanges;
    }

    /** @return wrong bytes, refused sends, unexpected closes. */
    public long errors()
    {
        return errors + echo.abnormalCloses();
    }

    /** @return bytes A has sent and B has echoed back, summed over all connections. */
    public long bytesVerified()
    {
        long total = 0;
        for (final ClientConnection c : clients)
        {
            total += c.received;
        }
        return total;
    }

    /** @return the pair, for inspection. */
    public InMemoryPair pair()
    {
        return pair;
    }

    private final class ClientConnection implements TcpHandler
    {
        private final int index;
        private long requests;
        private long received;

        ClientConnection(final int index)
        {
            this.index = index;
        }

        private void sendRequest(final TcpConnection connection)
        {
            final int row = (int)((requests + index) & (ROWS - 1));
            if (connection.send(template, row * MESSAGE, MESSAGE) != MESSAGE)
            {
                errors++;
            }
            requests++;
        }

        @Override
        public void onOpen(final TcpConnection connection)
        {
            open++;
            for (int i = 0; i < inFlight; i++)
            {
                sendRequest(connection);
            }
        }

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            if (verify)
            {
                for (int i = 0; i < length; i++)
                {
                    final long at = received + i;
                    final int row = (int)(((at >>> 6) + index) & (ROWS - 1));
                    if (buffer.getByte(offset + i) != template.getByte(row * MESSAGE + (int)(at & (MESSAGE - 1))))
                    {
                        errors++;
                    }
                }
            }
            final long before = received / MESSAGE;
            received += length;
            final long done = received / MESSAGE - before;
            exchanges += done;
            for (long i = 0; i < done; i++)
            {
                sendRequest(connection);
            }
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
            errors++;
        }
    }
}
