package dev.synack.channel;

import org.agrona.DirectBuffer;

import dev.synack.api.CloseReason;

/** An application that echoes every byte back through its channel; allocation-free. */
final class EchoApp implements EventHandler
{
    final StackChannel channel;
    long handle = -1;
    int errors;
    CloseReason closed;

    EchoApp(final StackChannel channel)
    {
        this.channel = channel;
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
        if (!channel.send(h, buffer, offset, length))
        {
            errors++;
        }
    }

    @Override
    public void onPeerClosed(final long h)
    {
        channel.close(h);
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
