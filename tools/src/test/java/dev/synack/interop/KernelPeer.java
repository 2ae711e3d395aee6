package dev.synack.interop;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;

/**
 * Kernel-side programs for the interop tests, run in a child JVM under {@code ip netns exec <ns_b>}:
 * <ul>
 *   <li>{@code bulk HOST PORT BYTES}: one connection, sends BYTES of a pattern (while reading the echo on
 *   another thread), half-closes, reads the echo to EOF and checks every byte;</li>
 *   <li>{@code loop HOST PORT COUNT SIZE}: COUNT sequential connections, each sending SIZE bytes, reading the
 *   echo, half-closing and waiting for EOF;</li>
 *   <li>{@code connects HOST PORT COUNT SIZE}: as {@code loop}, timing each connect; prints the connect latency's
 *   median, 99th percentile and maximum, and how many took longer than {@link #SYN_RETRY_MS};</li>
 *   <li>{@code reconnect HOST PORT COUNT SIZE}: COUNT sequential connections all from one local port (bound with
 *   SO_REUSEADDR), each sending SIZE bytes and reading the echo and the server's FIN (the server closes first and
 *   holds TIME-WAIT) before closing; prints the slowest connect and how many took longer than
 *   {@link #SYN_RETRY_MS} (the kernel's first SYN retransmission comes after 1 s);</li>
 *   <li>{@code server PORT}: an echo server (one thread per connection) that half-closes after the peer's
 *   FIN; prints "listening" once bound.</li>
 * </ul>
 * Prints one "OK ..." line and exits 0 on success; anything else exits 1.
 */
public final class KernelPeer
{
    /** A connect slower than this waited for a SYN retransmission (Linux's initial RTO is 1 s). */
    static final long SYN_RETRY_MS = 500;

    private KernelPeer()
    {
    }

    static byte pattern(final long i)
    {
        return (byte)(i * 7 + (i >>> 8) + (i >>> 16));
    }

    public static void main(final String[] args) throws Exception
    {
        switch (args[0])
        {
            case "bulk" -> bulk(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "loop" -> loop(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]));
            case "connects" -> connects(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]));
            case "reconnect" -> reconnect(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]));
            case "server" -> server(Integer.parseInt(args[1]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void bulk(final String host, final int port, final int bytes) throws Exception
    {
        final long start = System.nanoTime();
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(20_000);
            final OutputStream out = socket.getOutputStream();
            final Thread writer = new Thread(() ->
            {
                try
                {
                    final byte[] chunk = new byte[8192];
                    for (int sent = 0; sent < bytes; )
                    {
                        final int n = Math.min(chunk.length, bytes - sent);
                        for (int i = 0; i < n; i++)
                        {
                            chunk[i] = pattern(sent + i);
                        }
                        out.write(chunk, 0, n);
                        sent += n;
                    }
                    socket.shutdownOutput();
                }
                catch (final IOException ex)
                {
                    ex.printStackTrace();
                }
            });
            writer.start();
            final long received = readAndCheck(socket.getInputStream(), 0);
            writer.join();
            if (received != bytes)
            {
                throw new IllegalStateException("echoed " + received + " of " + bytes + " bytes");
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("OK bulk %d bytes echoed byte-exact in %.3f s (%.1f MB/s each way)%n",
            bytes, seconds, bytes / seconds / 1e6);
    }

    private static long readAndCheck(final InputStream in, final long base) throws IOException
    {
        final byte[] buf = new byte[16384];
        long received = 0;
        int n;
        while ((n = in.read(buf)) > 0)
        {
            for (int i = 0; i < n; i++)
            {
                if (buf[i] != pattern(base + received + i))
                {
                    throw new IllegalStateException("byte " + (received + i) + " differs");
                }
            }
            received += n;
        }
        return received;
    }

    private static void loop(final String host, final int port, final int count, final int size) throws Exception
    {
        final long start = System.nanoTime();
        echoEach(host, port, count, size, 5000);
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("OK loop %d connections in %.3f s (%.0f connections/s)%n", count, seconds,
            count / seconds);
    }

    private static void connects(final String host, final int port, final int count, final int size)
        throws Exception
    {
        final long start = System.nanoTime();
        final long[] connectNs = echoEach(host, port, count, size, 10_000);
        final double seconds = (System.nanoTime() - start) / 1e9;
        int slow = 0;
        for (int c = 0; c < count; c++)
        {
            if (connectNs[c] > SYN_RETRY_MS * 1_000_000)
            {
                slow++;
                System.out.printf("connection %d: connect took %.1f ms%n", c, connectNs[c] / 1e6);
            }
        }
        Arrays.sort(connectNs);
        System.out.printf("OK connects %d echoed in %.3f s: connect p50 %.3f ms, p99 %.3f ms, max %.3f ms, %d over %d"
            + " ms%n", count, seconds, connectNs[count / 2] / 1e6, connectNs[(int)Math.ceil(count * 0.99) - 1] / 1e6,
            connectNs[count - 1] / 1e6, slow, SYN_RETRY_MS);
    }

    /**
     * {@code count} connections one after another, each echoing {@code size} bytes, then closed by us first (the
     * server must then end with nothing more).
     *
     * @return each connection's connect time, in order.
     */
    private static long[] echoEach(final String host, final int port, final int count, final int size,
        final int timeoutMs) throws Exception
    {
        final long[] connectNs = new long[count];
        final byte[] message = new byte[size];
        final byte[] echo = new byte[size];
        for (int c = 0; c < count; c++)
        {
            fill(message, c);
            try (Socket socket = new Socket())
            {
                final long connectStart = System.nanoTime();
                socket.connect(new InetSocketAddress(host, port), timeoutMs);
                connectNs[c] = System.nanoTime() - connectStart;
                socket.setSoTimeout(timeoutMs);
                echoOnce(socket, message, echo, c);
                socket.shutdownOutput();
                if (socket.getInputStream().read() != -1)
                {
                    throw new IllegalStateException("connection " + c + ": data after the echo");
                }
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("connection " + c + " of " + count + ": " + ex, ex);
            }
        }
        return connectNs;
    }

    /** Connection {@code c}'s message: the pattern from {@code c}, so a byte from another connection shows. */
    private static void fill(final byte[] message, final int c)
    {
        for (int i = 0; i < message.length; i++)
        {
            message[i] = pattern(c + i);
        }
    }

    /** Writes the message and reads back exactly as many bytes, which must be the same. */
    private static void echoOnce(final Socket socket, final byte[] message, final byte[] echo, final int c)
        throws IOException
    {
        socket.getOutputStream().write(message);
        new DataInputStream(socket.getInputStream()).readFully(echo);
        if (!Arrays.equals(message, echo))
        {
            throw new IllegalStateException("connection " + c + ": echo differs");
        }
    }

    private static void reconnect(final String host, final int port, final int count, final int size)
        throws Exception
    {
        final long start = System.nanoTime();
        final byte[] message = new byte[size];
        final byte[] echo = new byte[size];
        int localPort = 0;
        long slowest = 0;
        int slow = 0;
        int busy = 0;
        for (int c = 0; c < count; c++)
        {
            fill(message, c);
            final Socket socket = new Socket();
            try (socket)
            {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(localPort));
                localPort = socket.getLocalPort();
                final long connectStart = System.nanoTime();
                socket.connect(new InetSocketAddress(host, port), 5000);
                final long connectNs = System.nanoTime() - connectStart;
                slowest = Math.max(slowest, connectNs);
                if (connectNs > SYN_RETRY_MS * 1_000_000)
                {
                    slow++;
                    System.out.printf("connection %d: connect took %.1f ms%n", c, connectNs / 1e6);
                }
                socket.setSoTimeout(5000);
                echoOnce(socket, message, echo, c);
                if (socket.getInputStream().read() != -1)
                {
                    throw new IllegalStateException("connection " + c + ": data after the echo, no FIN");
                }
            }
            catch (final java.net.BindException ex)
            {
                // the previous incarnation is still in LAST-ACK here (our FIN not yet ACKed): not a SYN retry
                busy++;
                c--;
                Thread.sleep(1);
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("connection " + c + " of " + count + ": " + ex, ex);
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("OK reconnect %d connections from port %d in %.3f s: slowest connect %.2f ms, %d over %d ms,"
            + " %d waits for the previous incarnation's LAST-ACK%n", count, localPort, seconds, slowest / 1e6, slow,
            SYN_RETRY_MS, busy);
    }

    private static void server(final int port) throws Exception
    {
        try (ServerSocket server = new ServerSocket())
        {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(port));
            System.out.println("listening");
            System.out.flush();
            while (true)
            {
                final Socket socket = server.accept();
                final Thread t = new Thread(() -> echo(socket));
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void echo(final Socket socket)
    {
        try (socket)
        {
            final InputStream in = socket.getInputStream();
            final OutputStream out = socket.getOutputStream();
            final byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0)
            {
                out.write(buf, 0, n);
            }
            socket.shutdownOutput();
        }
        catch (final IOException ex)
        {
            ex.printStackTrace();
        }
    }
}
