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
 *   <li>{@code server PORT}: an echo server (one thread per connection) that half-closes after the peer's
 *   FIN; prints "listening" once bound.</li>
 * </ul>
 * Prints one "OK ..." line and exits 0 on success; anything else exits 1.
 */
public final class KernelPeer
{
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
        final byte[] message = new byte[size];
        for (int c = 0; c < count; c++)
        {
            for (int i = 0; i < size; i++)
            {
                message[i] = pattern(c + i);
            }
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(host, port), 5000);
                socket.setSoTimeout(5000);
                socket.getOutputStream().write(message);
                final byte[] echo = new byte[size];
                new DataInputStream(socket.getInputStream()).readFully(echo);
                if (!Arrays.equals(message, echo))
                {
                    throw new IllegalStateException("connection " + c + ": echo differs");
                }
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
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("OK loop %d connections in %.3f s (%.0f connections/s)%n", count, seconds,
            count / seconds);
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
