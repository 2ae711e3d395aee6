package dev.synack.interop;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpEngine;

/**
 * A workload agent on a synack stack's thread: {@code concurrency} client connections to an echo server, each
 * doing {@code exchangesPerConnection} request/response exchanges of {@code size} bytes (every byte checked)
 * and then closing, until {@code connections} have been opened. One exchange per connection is the
 * connection-cycle test; many is the keep-alive test. Counters are volatile for the test thread to watch.
 */
final class EchoClients implements Agent
{
    private final TcpEngine engine;
    private final int remoteIp;
    private final int port;
    private final int connections;
    private final long exchangesPerConnection;
    private final int size;
    private final Client[] clients;
    private final UnsafeBuffer message;
    private int started;
    volatile int completed;
    volatile int failed;
    volatile long exchanges;
    volatile String firstFailure;

    EchoClients(
        final TcpEngine engine, final int remoteIp, final int port, final int concurrency, final int connections,
        final long exchangesPerConnection, final int size)
    {
        this.engine = engine;
        this.remoteIp = remoteIp;
        this.port = port;
        this.connections = connections;
        this.exchangesPerConnection = exchangesPerConnection;
        this.size = size;
        this.message = new UnsafeBuffer(new byte[size]);
        clients = new Client[concurrency];
        for (int i = 0; i < concurrency; i++)
        {
            clients[i] = new Client();
        }
    }

    boolean done()
    {
        return completed + failed >= connections;
    }

    @Override
    public int doWork()
    {
        int work = 0;
        for (final Client c : clients)
        {
            if (!c.busy && started < connections && failed == 0)
            {
                c.start(started++);
                work++;
            }
        }
        return work;
    }

    @Override
    public String roleName()
    {
        return "echo-clients";
    }

    private void fail(final String why)
    {
        if (firstFailure == null)
        {
            firstFailure = why;
        }
        failed++;
    }

    private final class Client implements TcpHandler
    {
        boolean busy;
        int id;
        long done;
        int received;

        void start(final int id)
        {
            busy = true;
            this.id = id;
            done = 0;
            received = 0;
            if (engine.connect(remoteIp, port, this) < 0)
            {
                busy = false;
                fail("connect " + id + " refused: table full or no port");
            }
        }

        private void sendOne(final TcpConnection connection)
        {
            for (int i = 0; i < size; i++)
            {
                message.putByte(i, KernelPeer.pattern(id * 131L + done * 17 + i));
            }
            if (connection.send(message, 0, size) != size)
            {
                fail("connection " + id + ": send buffer full for " + size + " B");
                connection.abort();
            }
        }

        @Override
        public void onOpen(final TcpConnection connection)
        {
            sendOne(connection);
        }

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            for (int i = 0; i < length; i++)
            {
                if (received + i >= size ||
                    buffer.getByte(offset + i) != KernelPeer.pattern(id * 131L + done * 17 + received + i))
                {
                    fail("connection " + id + " exchange " + done + ": byte " + (received + i) + " differs");
                    connection.abort();
                    return;
                }
            }
            received += length;
            if (received == size)
            {
                received = 0;
                done++;
                exchanges++;
                if (done == exchangesPerConnection)
                {
                    connection.close();
                }
                else
                {
                    sendOne(connection);
                }
            }
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
            if (!busy)
            {
                return;
            }
            busy = false;
            if (reason == CloseReason.NORMAL && done == exchangesPerConnection)
            {
                completed++;
            }
            else if (reason != CloseReason.ABORTED || firstFailure == null)
            {
                fail("connection " + id + " closed " + reason + " after " + done + " exchanges");
            }
        }
    }
}
