package dev.synack.embed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's side of the multi-queue tests, as small python3 programs run in the lab's kernel namespace: a client
 * that opens many echo connections from several threads (so the kernel spreads them over its tx queues, and veth
 * over synack's rx queues), and an asyncio echo server.
 */
final class KernelPeer
{
    /** argv: host port connections threads bytes. Prints "ok=N bytes=B failed=F [first failures]". */
    static final String ECHO_CLIENT = """
        import os, socket, sys, threading
        host = sys.argv[1]
        port, total, threads, size = (int(a) for a in sys.argv[2:6])
        lock = threading.Lock()
        ok, moved, bad = [0], [0], []
        def work(n):
            for _ in range(n):
                data = os.urandom(size)
                try:
                    s = socket.create_connection((host, port), timeout=10)
                    s.sendall(data)
                    s.shutdown(socket.SHUT_WR)
                    got = bytearray()
                    while True:
                        b = s.recv(65536)
                        if not b:
                            break
                        got += b
                    s.close()
                    with lock:
                        if got == data:
                            ok[0] += 1
                            moved[0] += len(got)
                        else:
                            bad.append('%d of %d bytes back' % (len(got), size))
                except Exception as e:
                    with lock:
                        bad.append(repr(e))
        ts = [threading.Thread(target=work, args=(total // threads + (1 if i < total % threads else 0),))
              for i in range(threads)]
        for t in ts: t.start()
        for t in ts: t.join()
        print('ok=%d bytes=%d failed=%d %s' % (ok[0], moved[0], len(bad), bad[:3]), flush=True)
        """;

    /** argv: host port. Echoes every byte; closes when the client does. */
    static final String ECHO_SERVER = """
        import asyncio, sys
        async def handle(r, w):
            try:
                while True:
                    d = await r.read(65536)
                    if not d:
                        break
                    w.write(d)
                    await w.drain()
            finally:
                w.close()
        async def main():
            srv = await asyncio.start_server(handle, sys.argv[1], int(sys.argv[2]), backlog=4096)
            async with srv:
                await srv.serve_forever()
        asyncio.run(main())
        """;

    private KernelPeer()
    {
    }

    /**
     * Runs a command to its end (at most {@code seconds}) and returns its output; throws on a timeout or a failure.
     */
    static String run(final List<String> command, final long seconds) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final Thread reader = new Thread(() -> copy(process.getInputStream(), out));
        reader.start();
        if (!process.waitFor(seconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            process.waitFor();
            reader.join();
            throw new IllegalStateException(command.get(command.size() - 1) + " timed out after " + seconds + " s: "
                + out.toString(StandardCharsets.UTF_8));
        }
        reader.join();
        final String text = out.toString(StandardCharsets.UTF_8);
        if (process.exitValue() != 0)
        {
            throw new IllegalStateException("exit " + process.exitValue() + ": " + text);
        }
        return text;
    }

    /** @return {@code ip netns exec NS python3 -c PROGRAM ARGS...}. */
    static List<String> python(final String namespace, final String program, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace, "python3", "-c",
            program));
        command.addAll(List.of(args));
        return command;
    }

    private static void copy(final InputStream in, final ByteArrayOutputStream out)
    {
        try
        {
            in.transferTo(out);
        }
        catch (final IOException ignored)
        {
            // the process ended
        }
    }
}
