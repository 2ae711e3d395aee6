package dev.synack.interop;

import java.util.HashSet;
import java.util.Set;

import org.agrona.DirectBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.tcp.TcpConnection;

/** Echoes everything with backpressure (keepUnread / resumeReading); half-closes when the peer does. */
final class EchoHandler implements TcpHandler
{
    volatile long closedNormal;
    volatile long closedOther;
    private final Set<Long> holding = new HashSet<>();
    private final Set<Long> finPending = new HashSet<>();

    @Override
    public void onOpen(final TcpConnection connection)
    {
    }

    @Override
    public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final int n = Math.max(0, connection.send(buffer, offset, length));
        if (n < length)
        {
            holding.add(connection.handle());
            connection.keepUnread(length - n);
        }
        else if (holding.remove(connection.handle()) && finPending.remove(connection.handle()))
        {
            connection.shutdownOutput(); // the peer's FIN came while we held bytes: echo them first
        }
    }

    @Override
    public void onWritable(final TcpConnection connection)
    {
        connection.resumeReading();
    }

    @Override
    public void onPeerClosed(final TcpConnection connection)
    {
        if (holding.contains(connection.handle()))
        {
            finPending.add(connection.handle());
            return;
        }
        connection.shutdownOutput();
    }

    @Override
    public void onClosed(final TcpConnection connection, final CloseReason reason)
    {
        holding.remove(connection.handle());
        finPending.remove(connection.handle());
        if (reason == CloseReason.NORMAL)
        {
            closedNormal++;
        }
        else
        {
            closedOther++;
        }
    }
}
