package dev.synack.channel;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;

/**
 * An application that connects through its channel and does request/response exchanges of 64 bytes, each
 * request numbered and each reply checked; allocation-free, for the thread and allocation tests.
 */
final class PingClient implements EventHandler
{
    static final int SIZE = 64;

    final StackChannel channel;
    final UnsafeBuffer request = new UnsafeBuffer(new byte[SIZE]);
    volatile long handle = -1;
    volatile long exchanges;
    volatile int errors;
    volatile CloseReason closed;
    boolean outstanding;
    int received;

    PingClient(final StackChannel channel)
    {
        this.channel = channel;
    }

    /** Sends the next request if none is outstanding; false when the command ring was full. */
    boolean request()
    {
        if (outstanding || handle == -1)
        {
            return true;
        }
        request.putLong(0, exchanges);
        request.putLong(SIZE - 8, ~exchanges);
        if (!channel.send(handle, request, 0, SIZE))
        {
            return false;
        }
        outstanding = true;
        received = 0;
        return true;
    }

    @Override
    public void onOpened(final long h, final long correlationId, final boolean passive, final int remoteIp,
        final int remotePort, final int localPort)
    {
        handle = h;
    }

    @Override
    public void onConnectFailed(final long correlationId, final CloseReason reason, final ChannelError error)
    {
        errors++;
    }

    @Override
    public void onData(final long h, final DirectBuffer buffer, final int offset, final int length)
    {
        // 64 bytes may come in pieces; check the two longs where they land.
        for (int i = 0; i < length; i++)
        {
            final int at = received + i;
            if (at < 8 && buffer.getByte(offset + i) != request.getByte(at)
                || at >= SIZE - 8 && at < SIZE && buffer.getByte(offset + i) != request.getByte(at))
            {
                errors++;
            }
        }
        received += length;
        if (received == SIZE)
        {
            outstanding = false;
            exchanges++;
        }
        else if (received > SIZE)
        {
            errors++;
        }
    }

    @Override
    public void onError(final long id, final int commandType, final ChannelError error)
    {
        errors++;
    }

    @Override
    public void onSendPartial(final long h, final long position, final int accepted, final int requested)
    {
        errors++;
    }

    @Override
    public void onClosed(final long h, final CloseReason reason)
    {
        closed = reason;
    }
}
