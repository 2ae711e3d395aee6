package dev.synack.tools;

import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.ip.Ipv4Address;
import dev.synack.tcp.TcpConnection;
import dev.synack.time.NanoClock;
import dev.synack.workload.EchoServer;

/**
 * Keep-alive request/response in real time: one persistent connection A → B:7, {@code inFlight} 64-byte
 * requests outstanding, B echoes each (a 64-byte reply). Each exchange's latency — request handed to
 * {@code send} to the last reply byte delivered — goes into an HdrHistogram while measuring. Each run opens
 * its connection, warms up, measures, stops sending, drains and closes.
 * <p>
 * Not thread-safe: the thread that drives the link.
 */
public final class KeepAliveRun
{
    /** The port B echoes on. */
    public static final int PORT = 7;
    /** Request and reply size. */
    public static final int MESSAGE = 64;
    private static final int B_IP = Ipv4Address.parse("198.18.0.2");
    private static final long WARM_UP_NS = 200_000_000L;

    private final Link link;
    private final NanoClock clock;
    private final int inFlight;
    private final Histogram latency;
    private final UnsafeBuffer request = new UnsafeBuffer(new byte[MESSAGE]);
    private final long[] sentAt = new long[64];
    private final Client client = new Client();
    private boolean sending;
    private boolean recording;
    private boolean open;
    private boolean closed;
    private long requests;
    private long replies;
    private long received;
    private long errors;

    /**
     * @param link the stacks; B must listen on {@link #PORT} with {@link #echo()}.
     * @param clock the clock the stacks read.
     * @param inFlight requests outstanding (1..64).
     * @param latency where latencies (ns) go.
     */
    public KeepAliveRun(final Link link, final NanoClock clock, final int inFlight, final Histogram latency)
    {
        if (inFlight < 1 || inFlight > 64)
        {
            throw new IllegalArgumentException("inFlight must be 1..64: " + inFlight);
        }
        this.link = link;
        this.clock = clock;
        this.inFlight = inFlight;
        this.latency = latency;
        for (int i = 0; i < MESSAGE; i++)
        {
            request.putByte(i, (byte)('a' + i % 26));
        }
    }

    /**
     * @param durationNs how long to measure (after a warm-up).
     * @return exchanges per second in the window.
     */
    public double measure(final long durationNs)
    {
        open = false;
        closed = false;
        sending = true;
        requests = 0;
        replies = 0;
        received = 0;
        final long handle = link.a().tcp().connect(B_IP, PORT, client);
        if (handle < 0)
        {
            throw new IllegalStateException("keep-alive connect refused: A's table is full");
        }
        runFor(WARM_UP_NS);
        if (!open)
        {
            throw new IllegalStateException("keep-alive connection did not open in " + WARM_UP_NS / 1_000_000
                + " ms");
        }
        recording = true;
        final long start = clock.nanoTime();
        final long before = replies;
        final long now = runFor(durationNs);
        recording = false;
        final double rate = (replies - before) * 1e9 / (now - start);
        sending = false;
        final long limit = clock.nanoTime() + 5_000_000_000L;
        while (replies < requests && clock.nanoTime() - limit < 0)
        {
            link.round();
        }
        final TcpConnection c = link.a().tcp().connection(handle);
        if (c != null)
        {
            c.close();
        }
        while (!closed && clock.nanoTime() - limit < 0)
        {
            link.round();
        }
        return rate;
    }

    private long runFor(final long durationNs)
    {
        final long end = clock.nanoTime() + durationNs;
        long now;
        do
        {
            for (int i = 0; i < HandshakeRun.ROUNDS_PER_CLOCK_READ; i++)
            {
                link.round();
            }
            now = clock.nanoTime();
        }
        while (now - end < 0);
        return now;
    }

    /** @return unexpected callbacks or refused sends. */
    public long errors()
    {
        return errors;
    }

    /** @return the echo handler B must listen with. */
    public static TcpHandler echo()
    {
        return new EchoServer();
    }

    private void sendRequest(final TcpConnection connection)
    {
        sentAt[(int)(requests & 63)] = clock.nanoTime();
        if (connection.send(request, 0, MESSAGE) != MESSAGE)
        {
            errors++;
        }
        requests++;
    }

    private final class Client implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection connection)
        {
            open = true;
            for (int i = 0; i < inFlight; i++)
            {
                sendRequest(connection);
            }
        }

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            final long before = received / MESSAGE;
            received += length;
            final long done = received / MESSAGE - before;
            final long now = clock.nanoTime();
            for (long i = 0; i < done; i++)
            {
                if (recording)
                {
                    latency.recordValue(Math.max(0, now - sentAt[(int)(replies & 63)]));
                }
                replies++;
                if (sending)
                {
                    sendRequest(connection);
                }
            }
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
            closed = true;
            if (reason != CloseReason.NORMAL)
            {
                errors++;
            }
        }
    }
}
