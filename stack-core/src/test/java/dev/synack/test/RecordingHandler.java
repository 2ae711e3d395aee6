package dev.synack.test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.tcp.TcpConnection;

/** A handler that records every event, for assertions. */
public class RecordingHandler implements TcpHandler
{
    public final List<String> events = new ArrayList<>();
    public final ByteArrayOutputStream data = new ByteArrayOutputStream();
    public TcpConnection last;
    public CloseReason closeReason;
    public long handle = -1;

    @Override
    public void onOpen(final TcpConnection connection)
    {
        last = connection;
        handle = connection.handle();
        events.add("open");
    }

    @Override
    public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        data.write(bytes, 0, length);
        events.add("data " + length);
    }

    @Override
    public void onWritable(final TcpConnection connection)
    {
        events.add("writable");
    }

    @Override
    public void onPeerClosed(final TcpConnection connection)
    {
        events.add("peerClosed");
    }

    @Override
    public void onClosed(final TcpConnection connection, final CloseReason reason)
    {
        closeReason = reason;
        events.add("closed " + reason);
    }
}
