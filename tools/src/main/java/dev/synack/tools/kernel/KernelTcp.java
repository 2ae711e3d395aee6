package dev.synack.tools.kernel;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The Linux kernel's TCP doing the demo's four workloads, for the side-by-side figures: a command-line program
 * that {@code dev.synack.tools.KernelComparison} starts in two network namespaces joined by a veth
 * ({@code lab-net up NAME --kernel}), each end pinned to a core with {@code taskset}.
 * <ul>
 *   <li>{@code server [block|epoll|spin]}: {@link KernelEchoServer}, ONE thread on ports 7 and 80 that echoes
 *   whatever arrives and closes on the peer's FIN — the counterpart of synack's echo and cycle listeners.</li>
 *   <li>{@code http PORT [epoll|spin]}: {@link KernelHttpServer}, the counterpart of synack's HTTP responder;
 *   {@code spin} polls its selector without sleeping (for a server that owns its core).</li>
 *   <li>{@code bulk HOST PORT BYTES}: {@link KernelBulkClient}, one connection echoing BYTES through an echo server
 *   (synack's or {@code server block}'s), every byte checked, with its throughput (tools/bin/echo-loss).</li>
 *   <li>{@code client HOST SECONDS RUNS [block|epoll|spin]}: {@link KernelClient}, ONE thread doing synack's four
 *   workloads per run, printing {@code result WORKLOAD RUN RATE} lines and at the end
 *   {@code latency WORKLOAD P50 P99 P99.9 MAX COUNT} (ns) for the keep-alive workloads 2 and 3.</li>
 * </ul>
 * How each end waits is a {@link KernelWait}: on one shared core {@code block} (the thread sleeps in {@code read},
 * the peer runs) measured fastest; on a core of its own each end spins ({@code spin}). Neither end ever uses more
 * than one thread, so the kernel gets exactly the CPU synack gets: the cores it is pinned to (softirqs of the veth
 * run on the sender's core, inside its syscall).
 */
public final class KernelTcp
{
    /** Request and reply size, as in the synack workloads. */
    static final int MESSAGE = 64;
    static final int ECHO_PORT = 7;
    static final int CYCLE_PORT = 80;

    private KernelTcp()
    {
    }

    /**
     * @param args {@code server [WAIT]}, {@code http PORT [WAIT]}, {@code bulk HOST PORT BYTES} or
     *     {@code client HOST SECONDS RUNS [WAIT]}.
     * @throws Exception when the workload fails: the parent reports it.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length >= 1 && args.length <= 2 && args[0].equals("server"))
        {
            KernelEchoServer.serve(args.length == 2 ? KernelWait.parse(args[1]) : KernelWait.EPOLL, System.out);
        }
        else if (args.length >= 2 && args.length <= 3 && args[0].equals("http"))
        {
            final boolean spin = args.length == 3 && KernelWait.parse(args[2]) == KernelWait.SPIN;
            KernelHttpServer.serve(Integer.parseInt(args[1]), spin, System.out);
        }
        else if (args.length == 4 && args[0].equals("bulk"))
        {
            KernelBulkClient.run(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]), System.out);
        }
        else if (args.length >= 4 && args.length <= 5 && args[0].equals("client"))
        {
            final KernelWait wait = args.length == 5 ? KernelWait.parse(args[4]) : KernelWait.EPOLL;
            new KernelClient(args[1], wait).run(Integer.parseInt(args[2]), Integer.parseInt(args[3]), System.out);
        }
        else
        {
            System.err.println("usage: KernelTcp server [block|epoll|spin] | KernelTcp http PORT [epoll|spin]"
                + " | KernelTcp bulk HOST PORT BYTES | KernelTcp client HOST SECONDS RUNS [block|epoll|spin]");
            System.exit(2);
        }
    }

    /**
     * Accepts a connection from a listening key and registers it for reading, non-blocking and TCP_NODELAY, as
     * every kernel-side selector server of the lab does.
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
}
