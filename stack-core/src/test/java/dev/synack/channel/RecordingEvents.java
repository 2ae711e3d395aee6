package dev.synack.channel;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.agrona.DirectBuffer;

import dev.synack.api.CloseReason;
import dev.synack.ip.Ipv4Address;

/** Records every event as a line of text, and each connection's bytes, for assertions (allocates: tests only). */
class RecordingEvents implements EventHandler
{
    final List<String> events = new ArrayList<>();
    final Map<Long, ByteArrayOutputStream> data = new HashMap<>();
    long lastHandle = -1;
    int dataEvents;

    @Override
    public void onListening(final long correlationId, final int port)
    {
        events.add("listening " + correlationId + " " + port);
    }

    @Override
    public void onListenFailed(final long correlationId, final int port, final ChannelError error)
    {
        events.add("listenFailed " + correlationId + " " + port + " " + error);
    }

    @Override
    public void onUnlistened(final long correlationId, final int port)
    {
        events.add("unlistened " + correlationId + " " + port);
    }

    @Override
    public void onOpened(final long handle, final long correlationId, final boolean passive, final int remoteIp,
        final int remotePort, final int localPort)
    {
        lastHandle = handle;
        events.add("opened " + correlationId + (passive ? " passive " : " active ") + Ipv4Address.toString(remoteIp)
            + ":" + remotePort + " -> " + localPort);
    }

    @Override
    public void onConnectFailed(final long correlationId, final CloseReason reason, final ChannelError error)
    {
        events.add("connectFailed " + correlationId + " " + reason + " " + error);
    }

    @Override
    public void onData(final long handle, final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        data.computeIfAbsent(handle, h -> new ByteArrayOutputStream()).write(bytes, 0, length);
        dataEvents++;
    }

    @Override
    public void onWritable(final long handle)
    {
        events.add("writable");
    }

    @Override
    public void onSendPartial(final long handle, final long position, final int accepted, final int requested)
    {
        events.add("sendPartial " + position + " " + accepted + "/" + requested);
    }

    @Override
    public void onPeerClosed(final long handle)
    {
        events.add("peerClosed");
    }

    @Override
    public void onClosed(final long handle, final CloseReason reason)
    {
        events.add("closed " + reason);
    }

    @Override
    public void onError(final long id, final int commandType, final ChannelError error)
    {
        events.add("error " + ChannelCommands.name(commandType) + " " + error);
    }

    String text(final long handle)
    {
        final ByteArrayOutputStream bytes = data.get(handle);
        return bytes == null ? "" : bytes.toString(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** @return the events recorded since the last call, and forgets them. */
    List<String> take()
    {
        final List<String> all = new ArrayList<>(events);
        events.clear();
        return all;
    }
}
