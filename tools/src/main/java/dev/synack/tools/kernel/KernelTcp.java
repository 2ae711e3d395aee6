package dev.synack.tools.kernel;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Linux kernel's TCP doing the demo's four workloads, for the side-by-side figures: run in two network
 * namespaces joined by the same veth the AF_XDP figures use ({@code lab-net up NAME --kernel}).
 * <ul>
 *   <li>{@code server}: one NIO selector thread on ports 7 and 80 that echoes whatever arrives and closes on the
 *   peer's FIN — the kernel counterpart of synack's echo and handshake listeners.</li>
 *   <li>{@code http PORT}: {@link KernelHttpServer}, the kernel counterpart of synack's HTTP responder.</li>
 *   <li>{@code client HOST SECONDS RUNS}: per run, the four workloads of {@code synack demo}, each measured for
 *   SECONDS after a 200 ms warm-up, printing {@code result WORKLOAD RUN RATE} lines:
 *   0 = open/close cycles one at a time (connect, half-close, read EOF, close: the full four-way close, like
 *   synack's cycle), 1 = the same on 16 threads, 2 = one connection with one 64-byte request outstanding,
 *   3 = one connection with 16 outstanding. TCP_NODELAY everywhere, as synack's default.</li>
 * </ul>
 * A command-line program started by {@code dev.synack.tools.KernelComparison}; blocking sockets and plain
 * threads, as a Java service on the kernel would use them.
 */
public final class KernelTcp
{
    /** Request and reply size, as in the synack workloads. */
    static final int MESSAGE = 64;
    static final int ECHO_PORT = 7;
    static final int CYCLE_PORT = 80;
    private static final long WARM_UP_NS = 200_000_000L;

    private KernelTcp()
    {
    }

    /**
     * @param args {@code server} or {@code client HOST SECONDS RUNS}.
     * @throws Exception when the workload fails: the parent reports it.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length == 1 && args[0].equals("server"))
        {
            server(System.out);
        }
        else if (args.length == 2 && args[0].equals("http"))
        {
            KernelHttpServer.serve(Integer.parseInt(args[1]), System.out);
        }
        else if (args.length == 4 && args[0].equals("client"))
        {
            client(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), System.out);
        }
        else
        {
            System.err.println("usage: KernelTcp server | KernelTcp http PORT | KernelTcp client HOST SECONDS RUNS");
            System.exit(2);
        }
    }

    private static void server(final PrintStream out) throws IOException
    {
        try (Selector selector = Selector.open())
        {
            for (final int port : new int[] {ECHO_PORT, CYCLE_PORT})
            {
                final ServerSocketChannel listener = ServerSocketChannel.open();
                listener.bind(new InetSocketAddress(port), 4096);
                listener.configureBlocking(false);
                listener.register(selector, SelectionKey.OP_ACCEPT);
            }
            out.println("listening on " + ECHO_PORT + " and " + CYCLE_PORT);
            out.flush();
            final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
            while (true)
            {
                selector.select();
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext())
                {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    if (key.isAcceptable())
                    {
                        accept(key, selector, null);
                    }
                    else if (key.isReadable())
                    {
                        echo((SocketChannel)key.channel(), key, buffer);
                    }
                }
            }
        }
    }

    /**
     * Accepts a connection from a listening key and registers it for reading, non-blocking and TCP_NODELAY, as
     * every kernel-side server of the lab does.
     *
     * @param key the listening key that is acceptable.
     * @param selector the selector to register with.
     * @param attachment the new key's attachment (per-connection state), or null.
     * @throws IOException when accept fails.
     */
    static void accept(final SelectionKey key, final Selector selector, final Object attachment) throws IOException
    {
        final SocketChannel channel = ((ServerSocketChannel)key.channel()).accept();
        if (channel != null)
        {
            channel.configureBlocking(false);
            channel.socket().setTcpNoDelay(true);
            channel.register(selector, SelectionKey.OP_READ, attachment);
        }
    }

    /** Echoes what is there; the requests are small, so a reply that does not fit at once is a failure. */
    private static void echo(final SocketChannel channel, final SelectionKey key, final ByteBuffer buffer)
        throws IOException
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

    private static void client(final String host, final int seconds, final int runs, final PrintStream out)
        throws Exception
    {
        final InetSocketAddress echo = new InetSocketAddress(host, ECHO_PORT);
        final InetSocketAddress cycle = new InetSocketAddress(host, CYCLE_PORT);
        final long durationNs = seconds * 1_000_000_000L;
        for (int run = 1; run <= runs; run++)
        {
            report(out, 0, run, cycles(cycle, 1, durationNs));
            report(out, 1, run, cycles(cycle, 16, durationNs));
            report(out, 2, run, keepAlive(echo, 1, durationNs));
            report(out, 3, run, keepAlive(echo, 16, durationNs));
        }
    }

    private static void report(final PrintStream out, final int workload, final int run, final double rate)
    {
        out.println(String.format(Locale.ROOT, "result %d %d %.1f", workload, run, rate));
        out.flush();
    }

    /** Open/close cycles on {@code threads} threads; returns completed cycles per second while measuring. */
    private static double cycles(final InetSocketAddress address, final int threads, final long durationNs)
        throws InterruptedException
    {
        final AtomicBoolean recording = new AtomicBoolean();
        final AtomicBoolean stop = new AtomicBoolean();
        final LongAdder done = new LongAdder();
        final Throwable[] failure = new Throwable[1];
        final Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() ->
            {
                try
                {
                    while (!stop.get())
                    {
                        cycle(address);
                        if (recording.get())
                        {
                            done.increment();
                        }
                    }
                }
                catch (final IOException ex)
                {
                    synchronized (failure)
                    {
                        failure[0] = ex;
                    }
                    stop.set(true);
                }
            }, "kernel-cycles-" + t);
            workers[t].start();
        }
        Thread.sleep(WARM_UP_NS / 1_000_000);
        recording.set(true);
        final long t0 = System.nanoTime();
        Thread.sleep(durationNs / 1_000_000);
        final long counted = done.sum();
        final long t1 = System.nanoTime();
        stop.set(true);
        for (final Thread worker : workers)
        {
            worker.join();
        }
        if (failure[0] != null)
        {
            throw new IllegalStateException("kernel cycle failed: " + failure[0], failure[0]);
        }
        return counted * 1e9 / (t1 - t0);
    }

    private static void cycle(final InetSocketAddress address) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.setTcpNoDelay(true);
            socket.connect(address, 5000);
            socket.shutdownOutput();
            if (socket.getInputStream().read() != -1)
            {
                throw new IOException("the cycle server sent data");
            }
        }
    }

    /** One connection with {@code inFlight} 64-byte requests outstanding; returns exchanges per second. */
    private static double keepAlive(final InetSocketAddress address, final int inFlight, final long durationNs)
        throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.setTcpNoDelay(true);
            socket.connect(address, 5000);
            final OutputStream out = socket.getOutputStream();
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            final byte[] request = new byte[MESSAGE];
            final byte[] reply = new byte[MESSAGE];
            for (int i = 0; i < inFlight; i++)
            {
                request[0] = (byte)i;
                out.write(request);
            }
            long sent = inFlight;
            long exchanges = 0;
            long counted = 0;
            final long start = System.nanoTime();
            final long measureFrom = start + WARM_UP_NS;
            final long end = measureFrom + durationNs;
            long now = start;
            while (now - end < 0)
            {
                in.readFully(reply);
                if (reply[0] != (byte)exchanges)
                {
                    throw new IOException("reply " + exchanges + " out of order: " + reply[0]);
                }
                exchanges++;
                now = System.nanoTime();
                if (now - measureFrom >= 0)
                {
                    counted++;
                }
                request[0] = (byte)sent;
                out.write(request);
                sent++;
            }
            drain(in, reply, sent - exchanges);
            return counted * 1e9 / (now - measureFrom);
        }
    }

    private static void drain(final InputStream in, final byte[] reply, final long outstanding) throws IOException
    {
        final DataInputStream data = new DataInputStream(in);
        for (long i = 0; i < outstanding; i++)
        {
            data.readFully(reply);
        }
    }
}
