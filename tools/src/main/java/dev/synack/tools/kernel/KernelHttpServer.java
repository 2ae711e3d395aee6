package dev.synack.tools.kernel;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * The kernel-socket counterpart of synack's {@code HttpResponder} for the HTTP lab: one NIO selector thread,
 * every request answered {@code 200 OK} with the same body and headers; HTTP/1.1 keeps the connection unless the
 * request says {@code Connection: close}, which gets {@code Connection: close} and a close after the response
 * (RFC 9112 §9.3). Requests are counted by their blank line, so pipelined requests get one response each.
 * <p>
 * A command-line server (via {@link KernelTcp}); one thread, not thread-safe.
 */
final class KernelHttpServer
{
    private static final byte[] BODY = "hello from synack\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP = response(false);
    private static final byte[] CLOSE = response(true);
    private static final byte[] CLOSE_HEADER = "connection: close".getBytes(StandardCharsets.US_ASCII);

    private KernelHttpServer()
    {
    }

    private static byte[] response(final boolean close)
    {
        return ("HTTP/1.1 200 OK\r\nServer: kernel\r\nContent-Type: text/plain\r\nContent-Length: " + BODY.length
            + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n" + new String(BODY, StandardCharsets.US_ASCII))
            .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param port the port.
     * @param spin poll the selector without sleeping ({@code selectNow}), as a busy-polling server that owns its core
     *     does; else sleep in {@code select}.
     * @param out where "listening" goes.
     * @throws IOException when the socket fails.
     */
    static void serve(final int port, final boolean spin, final PrintStream out) throws IOException
    {
        try (Selector selector = Selector.open(); ServerSocketChannel listener = ServerSocketChannel.open())
        {
            listener.bind(new InetSocketAddress(port), 4096);
            listener.configureBlocking(false);
            listener.register(selector, SelectionKey.OP_ACCEPT);
            out.println("listening on " + port);
            out.flush();
            final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
            while (true)
            {
                if ((spin ? selector.selectNow() : selector.select()) == 0)
                {
                    continue;
                }
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext())
                {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    if (key.isAcceptable())
                    {
                        KernelTcp.accept(key, selector, new Parser());
                    }
                    else if (key.isReadable())
                    {
                        read((SocketChannel)key.channel(), key, (Parser)key.attachment(), in);
                    }
                }
            }
        }
    }

    private static void read(final SocketChannel channel, final SelectionKey key, final Parser parser,
        final ByteBuffer in) throws IOException
    {
        in.clear();
        int n;
        try
        {
            n = channel.read(in);
        }
        catch (final IOException ex)
        {
            n = -1;
        }
        if (n < 0)
        {
            key.cancel();
            channel.close();
            return;
        }
        for (int i = 0; i < n; i++)
        {
            final int request = parser.accept(in.get(i));
            if (request != Parser.MORE)
            {
                final ByteBuffer reply = ByteBuffer.wrap(request == Parser.CLOSE ? CLOSE : KEEP);
                while (reply.hasRemaining())
                {
                    if (channel.write(reply) == 0)
                    {
                        throw new IOException("HTTP response did not fit the socket buffer");
                    }
                }
                if (request == Parser.CLOSE)
                {
                    key.cancel();
                    channel.close();
                    return;
                }
            }
        }
    }

    /** Finds the end of each request header (CRLF CRLF) and whether a {@code Connection: close} line was in it. */
    private static final class Parser
    {
        static final int MORE = 0;
        static final int KEEP_ALIVE = 1;
        static final int CLOSE = 2;

        private final byte[] line = new byte[CLOSE_HEADER.length];
        private int lineLength;
        private int endRun;
        private boolean close;

        int accept(final byte b)
        {
            if (b == '\r' || b == '\n')
            {
                if (lineLength == CLOSE_HEADER.length && matches())
                {
                    close = true;
                }
                lineLength = 0;
                endRun++;
                if (endRun == 4)
                {
                    endRun = 0;
                    final int result = close ? CLOSE : KEEP_ALIVE;
                    close = false;
                    return result;
                }
                return MORE;
            }
            endRun = 0;
            if (lineLength < line.length)
            {
                line[lineLength] = (byte)Character.toLowerCase(b);
            }
            lineLength++;
            return MORE;
        }

        private boolean matches()
        {
            for (int i = 0; i < CLOSE_HEADER.length; i++)
            {
                if (line[i] != CLOSE_HEADER[i])
                {
                    return false;
                }
            }
            return true;
        }
    }
}
