package dev.synack.bench;

import java.util.SplittableRandom;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.stack.StackConfig;
import dev.synack.tcp.TcpConnection;

/**
 * Bulk transfer, one direction: A writes a seeded pseudo-random 64 KiB pattern over and over into one
 * connection as fast as its send buffer takes it; B counts (and with {@code verify} on, checks) every byte.
 * <p>
 * Single-threaded; allocation-free after construction.
 */
public final class BulkLoad
{
    static final int PORT = 9;
    private static final int PATTERN = 1 << 16;

    private final InMemoryPair pair;
    private final boolean verify;
    private final UnsafeBuffer pattern = new UnsafeBuffer(new byte[PATTERN]);
    private long sent;
    private long received;
    private long errors;

    /**
     * @param verify whether B checks every byte.
     */
    public BulkLoad(final boolean verify)
    {
        this.verify = verify;
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < PATTERN; i++)
        {
            pattern.putByte(i, (byte)random.nextInt());
        }
        pair = new InMemoryPair(new StackConfig(), new StackConfig(), 1 << 22);
        pair.b.tcp().listen(PORT, new Receiver());
        if (pair.a.tcp().connect(InMemoryPair.B_IP, PORT, new Sender()) < 0)
        {
            throw new IllegalStateException("connect refused");
        }
    }

    /**
     * Drives until B has received at least {@code target} bytes since construction.
     *
     * @param target the byte count to reach.
     * @return bytes received so far.
     */
    public long driveUntil(final long target)
    {
        long last = received;
        int idle = 0;
        while (received < target)
        {
            pair.round();
            if (received != last)
            {
                last = received;
                idle = 0;
            }
            else if (++idle > Stall.LIMIT)
            {
                throw Stall.stuck("bulk transfer", pair);
            }
        }
        return received;
    }

    /** @return bytes B received. */
    public long received()
    {
        return received;
    }

    /** @return bytes A's send buffer accepted. */
    public long sent()
    {
        return sent;
    }

    /** @return wrong bytes and unexpected callbacks. */
    public long errors()
    {
        return errors;
    }

    /** @return the pair, for inspection. */
    public InMemoryPair pair()
    {
        return pair;
    }

    private final class Sender implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection connection)
        {
            onWritable(connection);
        }

        @Override
        public void onWritable(final TcpConnection connection)
        {
            while (true)
            {
                final int at = (int)(sent & (PATTERN - 1));
                final int offered = PATTERN - at;
                final int accepted = connection.send(pattern, at, offered);
                if (accepted < 0)
                {
                    errors++;
                    return;
                }
                sent += accepted;
                if (accepted < offered)
                {
                    return;
                }
            }
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
            errors++;
        }
    }

    private final class Receiver implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection connection)
        {
        }

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            if (verify)
            {
                for (int i = 0; i < length; i++)
                {
                    if (buffer.getByte(offset + i) != pattern.getByte((int)((received + i) & (PATTERN - 1))))
                    {
                        errors++;
                    }
                }
            }
            received += length;
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
            errors++;
        }
    }
}
