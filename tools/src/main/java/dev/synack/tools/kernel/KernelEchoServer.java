package dev.synack.tools.kernel;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * The kernel-side server of the demo's baselines, on ONE thread: echoes whatever arrives on port 7 and closes on
 * the peer's FIN on both 7 and 80 — the counterpart of synack's echo and cycle listeners.
 * <ul>
 *   <li>{@link KernelWait#BLOCK}: a Selector sleeps until a connection is pending on either port; each accepted
 *   connection is then served to its end with blocking reads and writes (read, echo, until EOF, close). The demo's
 *   workloads run one at a time, so one connection at a time is served; 16 cycles in progress queue in the
 *   backlog and are each done in three syscalls (accept, read EOF, close).</li>
 *   <li>{@link KernelWait#EPOLL}: every socket non-blocking on a Selector that sleeps in {@code epoll_wait}.</li>
 *   <li>{@link KernelWait#SPIN}: the same with {@code selectNow} in a loop: the thread never sleeps.</li>
 * </ul>
 * Runs until the process is killed. Not thread-safe; one instance per process.
 */
final class KernelEchoServer implements Consumer<SelectionKey>
{
    private final KernelWait wait;
    private final Selector selector;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);

    private KernelEchoServer(final KernelWait wait) throws IOException
    {
        this.wait = wait;
        this.selector = Selector.open();
    }

    /**
     * Listens on {@link KernelTcp#ECHO_PORT} and {@link KernelTcp#CYCLE_PORT}, prints "listening ..." and serves.
     *
     * @param wait how the thread waits.
     * @param out where the "listening" line goes.
     * @throws IOException when listening fails or a reply does not fit the socket buffer.
     */
    static void serve(final KernelWait wait, final PrintStream out) throws IOException
    {
        final KernelEchoServer server = new KernelEchoServer(wait);
        for (final int port : new int[] {KernelTcp.ECHO_PORT, KernelTcp.CYCLE_PORT})
        {
            final ServerSocketChannel listener = ServerSocketChannel.open();
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(new InetSocketAddress(port), 4096);
            listener.configureBlocking(false);
            listener.register(server.selector, SelectionKey.OP_ACCEPT);
        }
        out.println("listening on " + KernelTcp.ECHO_PORT + " and " + KernelTcp.CYCLE_PORT + " (" + wait + ")");
        out.flush();
        server.run();
    }

    private void run() throws IOException
    {
        while (true)
        {
            if (wait == KernelWait.SPIN)
            {
                selector.selectNow(this);
            }
            else
            {
                selector.select(this);
            }
        }
    }

    @Override
    public void accept(final SelectionKey key)
    {
        try
        {
            if (key.isAcceptable())
            {
                if (wait == KernelWait.BLOCK)
                {
                    final ServerSocketChannel listener = (ServerSocketChannel)key.channel();
                    SocketChannel channel;
                    while ((channel = listener.accept()) != null)
                    {
                        serveBlocking(channel);
                    }
                }
                else
                {
                    KernelTcp.accept(key, selector, null);
                }
            }
            else if (key.isReadable())
            {
                echo((SocketChannel)key.channel(), key);
            }
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /** One connection to its end on blocking reads: accepted channels are blocking whatever the listener is. */
    private void serveBlocking(final SocketChannel channel) throws IOException
    {
        try (channel)
        {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            while (true)
            {
                buffer.clear();
                if (channel.read(buffer) < 0)
                {
                    return;
                }
                buffer.flip();
                while (buffer.hasRemaining())
                {
                    channel.write(buffer);
                }
            }
        }
        catch (final IOException ex)
        {
            // the peer reset: that connection is over, the server is not
        }
    }

    /** Echoes what is there; the requests are small, so a reply that does not fit at once is a failure. */
    private void echo(final SocketChannel channel, final SelectionKey key) throws IOException
    {
        buffer.clear();
        final int n;
        try
        {
            n = channel.read(buffer);
        }
        catch (final IOException ex)
        {
            key.cancel();
            channel.close();
            return;
        }
        if (n < 0)
        {
            key.cancel();
            channel.close();
            return;
        }
        buffer.flip();
        while (buffer.hasRemaining())
        {
            if (channel.write(buffer) == 0)
            {
                throw new IOException("echo reply did not fit the socket buffer");
            }
        }
    }
}
