package dev.synack.tcp;

import java.util.SplittableRandom;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.test.StackPair;

/**
 * Many concurrent echo connections between two stacks: each client sends one message of a random size,
 * checks every echoed byte against the pattern it sent, and closes; the server echoes and closes when the
 * client does. Allocation-free once built, so the same workload serves the soak and the allocation test.
 */
final class EchoWorkload
{
    /** The byte at position {@code i} of message {@code m}: any corruption or reordering shows. */
    static byte pattern(final int message, final int i)
    {
        return (byte)(message * 31 + i * 7 + (i >>> 8));
    }

    final StackPair pair;
    final int concurrency;
    final int total;
    final int maxSize;
    final SplittableRandom random;
    final Client[] clients;
    final UnsafeBuffer source;
    int started;
    int completed;
    int failures;
    long bytesEchoed;
    String firstFailure;

    EchoWorkload(final StackPair pair, final int concurrency, final int total, final int maxSize, final long seed)
    {
        this.pair = pair;
        this.concurrency = concurrency;
        this.total = total;
        this.maxSize = maxSize;
        this.random = new SplittableRandom(seed);
        this.clients = new Client[concurrency];
        this.source = new UnsafeBuffer(new byte[maxSize]);
        for (int i = 0; i < concurrency; i++)
        {
            clients[i] = new Client();
        }
        pair.b.agent.tcp().listen(7, new dev.synack.workload.EchoServer());
    }

    /** Log-uniform size in [1, maxSize]: small and large messages alike. */
    int nextSize()
    {
        final double bits = random.nextDouble() * (Math.log(maxSize) / Math.log(2));
        return Math.max(1, Math.min(maxSize, (int)Math.pow(2, bits)));
    }

    /** Starts clients until {@code concurrency} run or {@code total} have started. */
    void topUp()
    {
        for (final Client c : clients)
        {
            if (!c.busy && started < total)
            {
                c.start(started++, nextSize());
            }
        }
    }

    boolean done()
    {
        return completed + failures == total;
    }

    final class Client implements TcpHandler
    {
        boolean busy;
        int message;
        int size;
        int sent;
        int received;

        void start(final int message, final int size)
        {
            this.busy = true;
            this.message = message;
            this.size = size;
            this.sent = 0;
            this.received = 0;
            if (pair.a.agent.tcp().connect(StackPair.B_IP, 7, this) < 0)
            {
                fail("connect refused: table full");
            }
        }

        @Override
        public void onOpen(final TcpConnection connection)
        {
            onWritable(connection);
        }

        @Override
        public void onWritable(final TcpConnection connection)
        {
            while (sent < size)
            {
                final int chunk = Math.min(size - sent, source.capacity());
                for (int i = 0; i < chunk; i++)
                {
                    source.putByte(i, pattern(message, sent + i));
                }
                final int n = connection.send(source, 0, chunk);
                if (n <= 0)
                {
                    return;
                }
                sent += n;
            }
            if (sent == size)
            {
                connection.shutdownOutput();
            }
        }

        @Override
        public void onData(
            final TcpConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            for (int i = 0; i < length; i++)
            {
                if (buffer.getByte(offset + i) != pattern(message, received + i))
                {
                    fail("message " + message + " byte " + (received + i) + " differs");
                    connection.abort();
                    return;
                }
            }
            received += length;
            bytesEchoed += length;
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
            busy = false;
            if (reason == CloseReason.NORMAL && received == size)
            {
                completed++;
            }
            else if (firstFailure == null || reason != CloseReason.ABORTED)
            {
                fail("message " + message + " of " + size + " B closed " + reason + " after " + received + " B");
            }
        }

        private void fail(final String why)
        {
            failures++;
            if (firstFailure == null)
            {
                firstFailure = why;
            }
        }
    }
}
