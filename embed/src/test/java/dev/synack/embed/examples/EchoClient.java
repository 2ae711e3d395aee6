package dev.synack.embed.examples;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.embed.Synack;
import dev.synack.embed.SynackStack;
import dev.synack.tcp.TcpConnection;

/** Sends text to an echo service, half-closes, and returns what came back by the time both sides closed. */
public final class EchoClient implements TcpHandler
{
    private final UnsafeBuffer request;
    private final ExpandableArrayBuffer reply = new ExpandableArrayBuffer();
    private final CompletableFuture<String> done = new CompletableFuture<>();
    private int sent;
    private int replyLength;

    private EchoClient(final String text)
    {
        request = new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    public static String echo(final SynackStack stack, final String server, final String text) throws Exception
    {
        final EchoClient client = new EchoClient(text);
        stack.connect(server, 7, client);
        return client.done.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void onOpen(final TcpConnection connection)
    {
        onWritable(connection);
    }

    @Override
    public void onWritable(final TcpConnection connection)
    {
        if (sent < request.capacity())
        {
            sent += Math.max(0, connection.send(request, sent, request.capacity() - sent)); // what fits now
            if (sent == request.capacity())
            {
                connection.close(); // FIN after the text: the service echoes it, then closes too
            }
        }
    }

    @Override
    public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        reply.putBytes(replyLength, buffer, offset, length);
        replyLength += length;
    }

    @Override
    public void onClosed(final TcpConnection connection, final CloseReason reason)
    {
        done.complete(reason + ": " + reply.getStringWithoutLengthAscii(0, replyLength));
    }

    public static void main(final String[] args) throws Exception // e.g. eth1 198.18.0.2/24 198.18.0.1 hello
    {
        try (SynackStack stack = Synack.builder().device(args[0]).address(args[1]).start())
        {
            System.out.println(echo(stack, args[2], args[3]));
        }
    }
}
