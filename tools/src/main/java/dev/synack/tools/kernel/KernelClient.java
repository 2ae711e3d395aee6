package dev.synack.tools.kernel;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.HdrHistogram.Histogram;

import dev.synack.tools.report.HistogramText;

/**
 * The kernel-side client of the demo's baselines: synack's four workloads ({@code HandshakeRun},
 * {@code KeepAliveRun}) on the kernel's TCP, all from ONE thread.
 * <ul>
 *   <li>0 and 1: connection cycles, 1 and 16 in progress: connect to port 80, send FIN as soon as the connection is
 *   open ({@code shutdownOutput}), the server closes on it; a cycle counts when the server's FIN arrives (its end
 *   is closed once the kernel ACKs it, at once), and the client's end holds TIME-WAIT. 16 in progress are 16
 *   non-blocking sockets on one Selector, not 16 threads.</li>
 *   <li>2 and 3: one persistent connection to port 7, 1 or 16 64-byte requests outstanding, each request its own
 *   {@code write}; each exchange's latency (request written to the last reply byte read) goes into an
 *   HdrHistogram.</li>
 * </ul>
 * Each workload warms up for 200 ms, then counts for the measured window (as synack's runs do). TCP_NODELAY
 * everywhere. Not thread-safe; one instance per process.
 */
final class KernelClient implements Consumer<SelectionKey>
{
    private static final long WARM_UP_NS = 200_000_000L;

    private final InetSocketAddress echo;
    private final InetSocketAddress cycle;
    private final KernelWait wait;
    private final Selector selector;
    private final ByteBuffer request = ByteBuffer.allocateDirect(KernelTcp.MESSAGE);
    private final ByteBuffer reply = ByteBuffer.allocateDirect(64 * 1024);
    private final long[] sentAt = new long[64];
    private final Histogram[] latency = {new Histogram(TimeUnit.SECONDS.toNanos(10), 3),
        new Histogram(TimeUnit.SECONDS.toNanos(10), 3)};
    private int active;
    private boolean counting;
    private long cycles;

    KernelClient(final String host, final KernelWait wait) throws IOException
    {
        this.echo = new InetSocketAddress(host, KernelTcp.ECHO_PORT);
        this.cycle = new InetSocketAddress(host, KernelTcp.CYCLE_PORT);
        this.wait = wait;
        this.selector = Selector.open();
        for (int i = 0; i < KernelTcp.MESSAGE; i++)
        {
            request.put(i, (byte)('a' + i % 26));
        }
    }

    /**
     * Runs the four workloads {@code runs} times, printing {@code result WORKLOAD RUN RATE} per workload and run,
     * then {@code latency WORKLOAD P50 P99 P99.9 MAX COUNT} (ns, all runs) and {@code histogram WORKLOAD BASE64}
     * ({@link HistogramText}) for workloads 2 and 3.
     *
     * @param seconds measured window per workload and run.
     * @param runs how many runs.
     * @param out where the lines go.
     * @throws IOException when a workload fails.
     */
    void run(final int seconds, final int runs, final PrintStream out) throws IOException
    {
        final long durationNs = TimeUnit.SECONDS.toNanos(seconds);
        for (int run = 1; run <= runs; run++)
        {
            report(out, 0, run, cycles(1, durationNs));
            report(out, 1, run, cycles(16, durationNs));
            report(out, 2, run, keepAlive(1, durationNs, latency[0]));
            report(out, 3, run, keepAlive(16, durationNs, latency[1]));
        }
        for (int i = 0; i < 2; i++)
        {
            final Histogram h = latency[i];
            out.println(String.format(Locale.ROOT, "latency %d %d %d %d %d %d", 2 + i, h.getValueAtPercentile(50),
                h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(), h.getTotalCount()));
            // the whole distribution too, for the parent's .hgrm files and percentile plot
            out.println("histogram " + (2 + i) + " " + HistogramText.encode(h));
        }
        out.flush();
    }

    private static void report(final PrintStream out, final int workload, final int run, final double rate)
    {
        out.println(String.format(Locale.ROOT, "result %d %d %.1f", workload, run, rate));
        out.flush();
    }

    /** Connection cycles with {@code inProgress} under way; returns cycles completed per second in the window. */
    private double cycles(final int inProgress, final long durationNs) throws IOException
    {
        final long measureFrom = System.nanoTime() + WARM_UP_NS;
        final long end = measureFrom + durationNs;
        cycles = 0;
        if (wait == KernelWait.BLOCK && inProgress == 1)
        {
            long now = System.nanoTime();
            while (now - end < 0)
            {
                try (SocketChannel channel = SocketChannel.open())
                {
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    channel.connect(cycle);
                    channel.shutdownOutput();
                    reply.clear();
                    if (channel.read(reply) != -1)
                    {
                        throw new IOException("the cycle server sent data");
                    }
                }
                now = System.nanoTime();
                if (now - measureFrom >= 0 && now - end < 0)
                {
                    cycles++;
                }
            }
            return cycles * 1e9 / durationNs;
        }
        active = 0;
        long now = System.nanoTime();
        while (true)
        {
            while (active < inProgress && now - end < 0)
            {
                final SocketChannel channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (channel.connect(cycle))
                {
                    channel.shutdownOutput();
                    channel.register(selector, SelectionKey.OP_READ);
                }
                else
                {
                    channel.register(selector, SelectionKey.OP_CONNECT);
                }
                active++;
            }
            if (active == 0)
            {
                break;
            }
            counting = now - measureFrom >= 0 && now - end < 0;
            select();
            now = System.nanoTime();
        }
        selector.selectNow();
        return cycles * 1e9 / durationNs;
    }

    private void select() throws IOException
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

    /** One cycle socket is ready: its connect completed (send FIN) or the server's FIN arrived (done). */
    @Override
    public void accept(final SelectionKey key)
    {
        final SocketChannel channel = (SocketChannel)key.channel();
        try
        {
            if (key.isConnectable())
            {
                channel.finishConnect();
                channel.shutdownOutput();
                key.interestOps(SelectionKey.OP_READ);
            }
            else if (key.isReadable())
            {
                reply.clear();
                final int n = channel.read(reply);
                if (n > 0)
                {
                    throw new IOException("the cycle server sent data");
                }
                if (n < 0)
                {
                    channel.close();
                    active--;
                    if (counting)
                    {
                        cycles++;
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /** One connection with {@code inFlight} requests outstanding; returns exchanges per second in the window. */
    private double keepAlive(final int inFlight, final long durationNs, final Histogram histogram)
        throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(echo))
        {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            SelectionKey key = null;
            if (wait != KernelWait.BLOCK)
            {
                channel.configureBlocking(false);
                if (wait == KernelWait.EPOLL)
                {
                    key = channel.register(selector, SelectionKey.OP_READ);
                }
            }
            long requests = 0;
            long replies = 0;
            long received = 0;
            long counted = 0;
            for (int i = 0; i < inFlight; i++)
            {
                send(channel, requests++);
            }
            final long measureFrom = System.nanoTime() + WARM_UP_NS;
            final long end = measureFrom + durationNs;
            boolean sending = true;
            while (replies < requests)
            {
                if (key != null)
                {
                    selector.select();
                    selector.selectedKeys().clear();
                }
                reply.clear();
                final int n = channel.read(reply);
                if (n < 0)
                {
                    throw new IOException("the echo server closed the connection");
                }
                if (n == 0)
                {
                    continue;
                }
                final long before = received / KernelTcp.MESSAGE;
                received += n;
                final long done = received / KernelTcp.MESSAGE - before;
                final long now = System.nanoTime();
                final boolean recording = now - measureFrom >= 0 && now - end < 0;
                sending = now - end < 0;
                for (long i = 0; i < done; i++)
                {
                    if (recording)
                    {
                        histogram.recordValue(Math.max(0, now - sentAt[(int)(replies & 63)]));
                        counted++;
                    }
                    replies++;
                    if (sending)
                    {
                        send(channel, requests++);
                    }
                }
            }
            if (key != null)
            {
                key.cancel();
            }
            return counted * 1e9 / durationNs;
        }
    }

    /** One request, its own write; 64 bytes into a socket buffer that holds at most 16 of them always fit. */
    private void send(final SocketChannel channel, final long index) throws IOException
    {
        sentAt[(int)(index & 63)] = System.nanoTime();
        request.clear();
        if (channel.write(request) != KernelTcp.MESSAGE)
        {
            throw new IOException("a 64-byte request did not fit the socket buffer");
        }
    }
}
