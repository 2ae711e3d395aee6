package dev.synack.workload;

import org.agrona.DirectBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpEngine;

/**
 * Full connection cycles between a client and a server stack: the client connects and closes as soon as it is
 * open, the server closes on the client's FIN; a cycle counts when the server's end is closed (the last ACK
 * arrived: handshake and four-way close complete), and the client's end waits out TIME-WAIT. Whoever drives the
 * stacks (a benchmark on a manual clock, the demo in real time) calls {@link #topUp} between rounds.
 * <p>
 * Allocation-free after construction. Stack thread(s) only: both engines must be driven by the calling thread.
 */
public final class CycleWorkload
{
    private final TcpEngine client;
    private final int serverIp;
    private final int port;
    private final Client clientHandler = new Client();
    private int active;
    private long clientClosed;
    private long serverClosed;
    private long refused;
    private long errors;

    /**
     * Makes the server stack listen on {@code port}.
     *
     * @param client the stack that connects.
     * @param server the stack that accepts.
     * @param serverIp the server stack's address.
     * @param port the port it listens on.
     */
    public CycleWorkload(final TcpEngine client, final TcpEngine server, final int serverIp, final int port)
    {
        this.client = client;
        this.serverIp = serverIp;
        this.port = port;
        server.listen(port, new Server());
    }

    /**
     * Opens connections until {@code inProgress} cycles are under way; stops at the first refused connect
     * (counted: the client's table or its ephemeral ports are full of TIME-WAIT).
     *
     * @param inProgress cycles to keep in progress.
     * @return connects made.
     */
    public int topUp(final int inProgress)
    {
        int made = 0;
        while (active < inProgress)
        {
            if (client.connect(serverIp, port, clientHandler) < 0)
            {
                refused++;
                break;
            }
            active++;
            made++;
        }
        return made;
    }

    /** @return cycles whose server end closed normally. */
    public long cycles()
    {
        return serverClosed;
    }

    /** @return client ends closed normally (entered TIME-WAIT). */
    public long clientClosed()
    {
        return clientClosed;
    }

    /** @return cycles under way. */
    public int active()
    {
        return active;
    }

    /** @return connects refused. */
    public long refused()
    {
        return refused;
    }

    /** @return callbacks that should not happen in a cycle (data, abnormal closes). */
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
            if (reason == CloseReason.NORMAL)
            {
                clientClosed++;
            }
            else
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
