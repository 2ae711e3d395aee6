package dev.synack.interop;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.tcp.TcpConnection;

/**
 * A synack client for one connection: sends {@code total} bytes of {@link KernelPeer#pattern}, checks every
 * echoed byte, half-closes once everything is sent. Runs on the stack thread; its fields are read by the test.
 */
final class BulkClient implements TcpHandler
{
    final int total;
    private final UnsafeBuffer chunk = new UnsafeBuffer(new byte[16384]);
    volatile long sent;
    volatile long received;
    volatile String failure;
    volatile CloseReason closed;
    volatile boolean peerClosed;
    volatile long openedNs;
    volatile long doneNs;

    BulkClient(final int total)
    {
        this.total = total;
    }

    @Override
    public void onOpen(final TcpConnection connection)
    {
        openedNs = System.nanoTime();
        onWritable(connection);
    }

    @Override
    public void onWritable(final TcpConnection connection)
    {
        while (sent < total)
        {
            final int n = (int)Math.min(chunk.capacity(), total - sent);
            for (int i = 0; i < n; i++)
            {
                chunk.putByte(i, KernelPeer.pattern(sent + i));
            }
            final int accepted = connection.send(chunk, 0, n);
            if (accepted <= 0)
            {
                return;
            }
            sent += accepted;
        }
        connection.shutdownOutput();
    }

    @Override
    public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(offset + i) != KernelPeer.pattern(received + i))
            {
                failure = "byte " + (received + i) + " differs";
                connection.abort();
                return;
            }
        }
        received += length;
        if (received == total)
        {
            doneNs = System.nanoTime();
        }
    }

    @Override
    public void onPeerClosed(final TcpConnection connection)
    {
        peerClosed = true;
    }

    @Override
    public void onClosed(final TcpConnection connection, final CloseReason reason)
    {
        closed = reason;
    }
}
