package dev.synack.tools.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A kernel-socket bulk echo client: one connection, {@code bytes} of a position-dependent pattern written by one
 * thread while the calling thread reads the echo back and checks every byte, a half-close once all is written,
 * then the echo read to the server's FIN. Prints
 * {@code OK bulk BYTES bytes echoed byte-exact in SECONDS s: MBIT Mbit/s each way} — from the start of the connect
 * to the last echoed byte — or throws naming the first byte that differs or the byte count that came back.
 */
final class KernelBulkClient
{
    private static final int CHUNK = 64 * 1024;
    private static final int TIMEOUT_MS = 30_000;

    private KernelBulkClient()
    {
    }

    /** @return the byte at stream position {@code i}: not periodic over a window, so a misplaced segment shows. */
    static byte pattern(final long i)
    {
        return (byte)(i * 7 + (i >>> 8) + (i >>> 16));
    }

    /**
     * @param host the echo server's address.
     * @param port its port.
     * @param bytes how many bytes to send (and get back).
     * @param out where the result line goes.
     * @throws Exception when the connection fails, times out, or the echo differs.
     */
    static void run(final String host, final int port, final long bytes, final PrintStream out) throws Exception
    {
        final long start = System.nanoTime();
        final long received;
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            final AtomicReference<IOException> writeFailure = new AtomicReference<>();
            final Thread writer = new Thread(() -> write(socket, bytes, writeFailure), "bulk-writer");
            writer.start();
            received = readAndCheck(socket.getInputStream());
            writer.join();
            if (writeFailure.get() != null)
            {
                throw writeFailure.get();
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        if (received != bytes)
        {
            throw new IllegalStateException("echoed " + received + " of " + bytes + " bytes");
        }
        out.printf("OK bulk %d bytes echoed byte-exact in %.3f s: %.0f Mbit/s each way%n", bytes, seconds,
            bytes * 8 / seconds / 1e6);
    }

    private static void write(final Socket socket, final long bytes, final AtomicReference<IOException> failure)
    {
        try
        {
            final OutputStream out = socket.getOutputStream();
            final byte[] chunk = new byte[CHUNK];
            for (long sent = 0; sent < bytes; )
            {
                final int n = (int)Math.min(chunk.length, bytes - sent);
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
            failure.set(ex);
        }
    }

    private static long readAndCheck(final InputStream in) throws IOException
    {
        final byte[] buf = new byte[CHUNK];
        long received = 0;
        int n;
        while ((n = in.read(buf)) > 0)
        {
            for (int i = 0; i < n; i++)
            {
                if (buf[i] != pattern(received + i))
                {
                    throw new IllegalStateException("echoed byte " + (received + i) + " differs");
                }
            }
            received += n;
        }
        return received;
    }
}
