package dev.synack.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.stream.IntStream;

import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.synack.embed.Synack;
import dev.synack.embed.SynackBuilder;
import dev.synack.embed.SynackConfigException;
import dev.synack.embed.SynackStack;
import dev.synack.ip.Ipv4Address;
import dev.synack.nic.bpf.XskRedirectProgram;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.stack.CongestionControl;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.tools.http.HttpResponder;
import dev.synack.wire.MacAddress;
import dev.synack.workload.EchoServer;

/**
 * {@code synack serve}: synack as a server on an interface the operator names (a real NIC in a perf lab, or one
 * end of a veth pair): a {@link SynackStack} from the embedding API on one queue (NIC agent and stack on one thread,
 * pinned and busy-spinning if asked) with the {@link HttpResponder} and the {@link EchoServer} listening, a status
 * line every second, the counters in a file for {@code synack stat FILE --watch}, and the full counters at the end.
 * <p>
 * It runs until {@code --seconds} elapse or the JVM gets SIGINT/SIGTERM; either way one stop sequence stops the
 * agents, closes the socket (which detaches the XDP program: it is attached through a BPF link, so even a killed
 * JVM leaves none behind), checks with {@code ip link} that no XDP program is left, and prints the final counters.
 * <p>
 * The bound interface's kernel must not also own the address (AF_XDP.md pitfall 6): synack answers ARP and ICMP
 * echo itself, and frames on queues it does not own still reach the kernel. Not thread-safe; runs once.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
    description = {"(root) synack as a server on a named interface (a lab NIC): HTTP and echo over AF_XDP, a status",
        "line per second, counters for `synack stat`; until --seconds or SIGINT/SIGTERM"})
final class ServeCommand implements Callable<Integer>, Cli.Checked
{
    static final String USAGE = "usage: synack serve --dev IFACE [--ns NETNS] --ip A.B.C.D/LEN [--mac MAC]"
        + " [--gateway IP] [--queue N] [--queues N]" + System.lineSeparator()
        + "                [--mode skb|drv] [--zero-copy] [--http PORT] [--echo PORT] [--seconds N]"
        + " [--counters FILE]" + System.lineSeparator()
        + "                [--busy-spin] [--cpu N] [--max-connections N] [--buffer-kib N] [--cc reno|cubic]";
    /** Per-connection send and receive buffer (KiB) unless --buffer-kib says otherwise. */
    static final int DEFAULT_BUFFER_KIB = 16;
    /** The largest IP packet synack sends (a 1514-byte frame, MSS 1460) even on a jumbo-MTU interface. */
    static final int MAX_MTU = SynackBuilder.MAX_MTU;

    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);

    private final PrintStream out;
    @Option(names = "--dev", paramLabel = "IFACE", description = "the interface to bind (a lab NIC, or one end of a"
        + " veth pair)")
    private String devOption;
    @Option(names = "--ns", paramLabel = "NETNS", description = "the network namespace the interface is in")
    private String nsOption;
    @Option(names = "--ip", paramLabel = "A.B.C.D/LEN", description = "synack's address and prefix")
    private String ipOption;
    @Option(names = "--mac", paramLabel = "MAC", description = "synack's MAC (default: the interface's)")
    private String macOption;
    @Option(names = "--gateway", paramLabel = "IP", description = "the next hop for addresses off the subnet")
    private String gatewayOption;
    @Option(names = "--queue", paramLabel = "N", description = "the NIC queue to own (default 0)")
    private Integer queueOption;
    @Option(names = "--queues", paramLabel = "N", description = "own N queues from --queue on: one share-nothing stack"
        + " per queue, each on its own thread (default 1; spreads flows in drv mode only)")
    private Integer queuesOption;
    @Option(names = "--mode", paramLabel = "skb|drv", description = "XDP in generic (skb, default) or driver mode")
    private String modeOption;
    @Option(names = "--zero-copy", description = "ask for zero-copy AF_XDP (drv mode, where the driver allows)")
    private boolean zeroCopyFlag;
    @Option(names = "--http", paramLabel = "PORT", description = "HTTP/1.1 responder port, 0 for none (default 80)")
    private Integer httpOption;
    @Option(names = "--echo", paramLabel = "PORT", description = "echo port, 0 for none (default 7)")
    private Integer echoOption;
    @Option(names = "--seconds", paramLabel = "N", description = "stop after N seconds (default: until SIGINT or"
        + " SIGTERM)")
    private Integer secondsOption;
    @Option(names = "--counters", paramLabel = "FILE", description = "the counters file for synack stat (default: a"
        + " temporary one, removed at the end)")
    private String countersOptionValue;
    @Option(names = "--busy-spin", description = "spin instead of backing off when idle")
    private boolean busySpinFlag;
    @Option(names = "--cpu", paramLabel = "N",
        description = "pin the agent thread to CPU N (with --queues, queue i's thread to CPU N+i)")
    private Integer cpuOption;
    @Option(names = "--max-connections", paramLabel = "N", description = "connection table size (default 4096)")
    private Integer maxConnectionsOption;
    @Option(names = "--buffer-kib", paramLabel = "N", description = "each connection's send and receive buffer in KiB,"
        + " a power of two (default 16); the receive buffer is the largest window synack offers")
    private Integer bufferKibOption;
    @Option(names = "--cc", paramLabel = "reno|cubic", description = "congestion control: RFC 5681 Reno (default) or"
        + " RFC 9438 CUBIC (Linux's default), to compare with the kernel's")
    private String ccOption;
    private String dev;
    private String namespace;
    private String ip;
    private int prefixLength;
    private Long mac;
    private String gateway;
    private int queue;
    private int queues;
    private XdpMode mode;
    private boolean zeroCopy;
    private int httpPort;
    private int echoPort;
    private int seconds;
    private String countersOption;
    private boolean busySpin;
    private int cpu;
    private int maxConnections;
    private int bufferBytes;
    private CongestionControl congestionControl;

    /**
     * @param out where the status and the counters go.
     */
    ServeCommand(final PrintStream out)
    {
        this.out = out;
    }

    @Override
    public Integer call()
    {
        check();
        return run();
    }

    /**
     * @throws UsageException naming the first wrong argument.
     */
    @Override
    public void check()
    {
        this.dev = required(devOption, "dev", "the interface to bind, e.g. --dev eth1");
        if (dev.length() > 15 || dev.contains("/") || dev.isBlank())
        {
            throw new UsageException("serve: --dev must be an interface name of 1..15 characters, not '" + dev + "'");
        }
        this.namespace = nsOption;
        if (namespace != null && (namespace.isEmpty() || namespace.contains("/")))
        {
            throw new UsageException("serve: --ns must be a name from `ip netns list`, not '" + namespace + "'");
        }
        final String cidr = required(ipOption, "ip", "synack's address and prefix, e.g. --ip 198.18.0.1/24");
        final int slash = cidr.indexOf('/');
        if (slash < 0)
        {
            throw new UsageException("serve: --ip needs a prefix length, e.g. 198.18.0.1/24, not '" + cidr + "'");
        }
        this.ip = cidr.substring(0, slash);
        final StackConfig probe = new StackConfig();
        try
        {
            probe.ip(cidr);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("serve: --ip " + cidr + ": " + ex.getMessage());
        }
        this.prefixLength = probe.prefixLength();
        if (prefixLength < 1 || prefixLength > 30)
        {
            throw new UsageException("serve: --ip prefix length must be 1..30, not " + prefixLength);
        }
        this.mac = macOption == null ? null : mac(macOption);
        this.gateway = gatewayOption;
        if (gateway != null)
        {
            final int gw;
            try
            {
                gw = Ipv4Address.parse(gateway);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException("serve: --gateway: " + ex.getMessage());
            }
            final int mask = Ipv4Address.mask(prefixLength);
            if ((gw & mask) != (probe.ip() & mask) || gw == probe.ip())
            {
                throw new UsageException("serve: --gateway " + gateway + " must be another address on " + cidr
                    + "'s subnet");
            }
        }
        this.queue = Cli.intIn("serve", "--queue", queueOption, 0, 0, XskRedirectProgram.MAX_QUEUES - 1);
        this.queues = Cli.intIn("serve", "--queues", queuesOption, 1, 1, XskRedirectProgram.MAX_QUEUES - queue);
        final String modeText = modeOption == null ? "skb" : modeOption;
        this.mode = switch (modeText)
        {
            case "skb" -> XdpMode.GENERIC;
            case "drv" -> XdpMode.NATIVE;
            default -> throw new UsageException("serve: --mode must be skb or drv, not '" + modeText + "'");
        };
        this.zeroCopy = zeroCopyFlag;
        this.httpPort = Cli.intIn("serve", "--http", httpOption, 80, 0, 65535);
        this.echoPort = Cli.intIn("serve", "--echo", echoOption, 7, 0, 65535);
        if (httpPort == 0 && echoPort == 0)
        {
            throw new UsageException("serve: --http 0 and --echo 0 leave nothing to serve");
        }
        if (httpPort == echoPort)
        {
            throw new UsageException("serve: --http and --echo must be different ports, both are " + httpPort);
        }
        this.seconds = Cli.intIn("serve", "--seconds", secondsOption, 0, 0, 365 * 24 * 3600);
        this.countersOption = countersOptionValue;
        if (countersOption != null && (countersOption.isBlank()
            || !Files.isDirectory(Path.of(countersOption).toAbsolutePath().getParent())))
        {
            throw new UsageException("serve: --counters needs a file in an existing directory, not '"
                + countersOption + "'");
        }
        this.busySpin = busySpinFlag;
        this.cpu = Cli.intIn("serve", "--cpu", cpuOption, -1, 0, 1023);
        this.maxConnections = Cli.intIn("serve", "--max-connections", maxConnectionsOption, 4096, 1, 1 << 20);
        final int bufferKib = Cli.intIn("serve", "--buffer-kib", bufferKibOption, DEFAULT_BUFFER_KIB, 1, 1 << 20);
        if ((bufferKib & (bufferKib - 1)) != 0)
        {
            throw new UsageException("serve: --buffer-kib must be a power of two, not " + bufferKib);
        }
        this.bufferBytes = bufferKib * 1024;
        final String ccText = ccOption == null ? "reno" : ccOption;
        this.congestionControl = switch (ccText)
        {
            case "reno" -> CongestionControl.RENO;
            case "cubic" -> CongestionControl.CUBIC;
            default -> throw new UsageException("serve: --cc must be reno or cubic, not '" + ccText + "'");
        };
        try
        {
            builder().validate(); // what the embedding checks beyond the options above (e.g. the buffer slab)
        }
        catch (final SynackConfigException ex)
        {
            throw new UsageException("serve: " + ex.getMessage());
        }
    }

    private static String required(final String value, final String name, final String what)
    {
        if (value == null)
        {
            throw new UsageException("serve: --" + name + " is required (" + what + ")");
        }
        return value;
    }

    private static long mac(final String text)
    {
        final long value;
        try
        {
            value = MacAddress.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("serve: --mac: " + ex.getMessage());
        }
        if (value == 0 || MacAddress.isMulticast(value))
        {
            throw new UsageException("serve: --mac must be a unicast address, not " + text);
        }
        return value;
    }

    /** @return the embedding's builder with every option of the command line (the counters file is added in run). */
    private SynackBuilder builder()
    {
        final SynackBuilder builder = Synack.builder().device(dev).namespace(namespace)
            .queues(IntStream.range(queue, queue + queues).toArray())
            .address(ip + "/" + prefixLength).xdpMode(mode).zeroCopy(zeroCopy).connections(maxConnections)
            .bufferBytes(bufferBytes, bufferBytes).channels(0, 1024);
        final CongestionControl cc = congestionControl;
        builder.tune(config -> config.congestionControl(cc));
        if (mac != null)
        {
            builder.mac(MacAddress.toString(mac));
        }
        if (gateway != null)
        {
            builder.gateway(gateway);
        }
        if (busySpin)
        {
            builder.busySpin();
        }
        if (cpu >= 0)
        {
            builder.cpus(IntStream.range(cpu, cpu + queues).toArray()); // one CPU per queue's thread, from --cpu on
        }
        return builder;
    }

    /**
     * Serves until {@code --seconds} elapse or SIGINT/SIGTERM.
     *
     * @return exit code.
     * @throws NotAvailableException when the interface, the namespace, the privilege or the queue is missing.
     */
    int run()
    {
        NetInterface nif;
        try
        {
            nif = NetInterface.read(dev, namespace);
        }
        catch (final NotAvailableException ex)
        {
            if (mac == null)
            {
                throw ex;
            }
            nif = NetInterface.unread(dev, namespace, ex.getMessage()); // start() will say what is wrong
        }
        final Path countersPath = countersPath();
        final boolean tempCounters = countersOption == null;
        // one responder and one echo server per queue: each queue's stack thread calls only its own
        final HttpResponder[] http = new HttpResponder[queues];
        final EchoServer[] echo = new EchoServer[queues];
        final ServeAgent[] agents = new ServeAgent[queues];
        final int[] made = new int[1];
        for (int q = 0; q < queues; q++)
        {
            http[q] = httpPort == 0 ? null : new HttpResponder();
            echo[q] = echoPort == 0 ? null : new EchoServer();
        }
        final SynackStack stack;
        try
        {
            stack = builder().countersFile(countersPath).agent(counters ->
            {
                final int q = made[0]++;
                agents[q] = new ServeAgent(counters, http[q], echo[q]);
                return agents[q];
            }).start();
        }
        catch (final SynackConfigException ex)
        {
            removeCounters(countersPath, tempCounters);
            throw new NotAvailableException(ex.getMessage(), ex);
        }
        final Session session = new Session(stack, agents, countersPath, tempCounters);
        try
        {
            if (httpPort != 0)
            {
                stack.listenEach(httpPort, q -> http[q]);
            }
            if (echoPort != 0)
            {
                stack.listenEach(echoPort, q -> echo[q]);
            }
        }
        catch (final RuntimeException ex)
        {
            session.stop("set-up failed: " + ex.getMessage());
            throw ex;
        }
        final Thread hook = new Thread(() -> session.stop("signal (SIGINT/SIGTERM)"), "synack-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        header(nif, stack, countersPath);
        final String reason = session.serve();
        session.stop(reason);
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ex)
        {
            // the JVM is shutting down: the hook ran (or runs) the same stop, which has finished or will
        }
        return 0;
    }

    private Path countersPath()
    {
        if (countersOption != null)
        {
            return Path.of(countersOption).toAbsolutePath();
        }
        try
        {
            return Files.createTempDirectory("synack-serve-").resolve("serve.counters");
        }
        catch (final IOException ex)
        {
            throw new NotAvailableException("cannot create a temporary directory for the counters file: "
                + ex.getMessage() + " (give --counters FILE)", ex);
        }
    }

    private static void removeCounters(final Path path, final boolean temporary)
    {
        if (temporary)
        {
            try
            {
                Files.deleteIfExists(path);
                Files.deleteIfExists(path.getParent());
            }
            catch (final IOException ex)
            {
                // a leftover temporary file is harmless
            }
        }
    }

    private void header(final NetInterface nif, final SynackStack stack, final Path countersPath)
    {
        final long ourMac = stack.config().mac();
        final int mtu = stack.config().maxFrameLength() - 14;
        final String where = dev + (namespace == null ? "" : " (namespace " + namespace + ")");
        final String owned = queues == 1 ? ", queue " + queue
            : ", queues " + queue + ".." + (queue + queues - 1) + " (one stack each)";
        out.println("synack serve: " + ip + "/" + prefixLength + " on " + where + owned);
        out.println("  MAC     " + MacAddress.toString(ourMac) + (mac != null ? " (--mac)"
            : " (the interface's own, from " + nif.macSource() + ")"));
        out.println("  MTU     " + mtu + (nif.problem() != null ? " (assumed: " + nif.problem() + ")" : "")
            + (nif.mtu() > MAX_MTU ? " (the interface has " + nif.mtu() + "; synack sends"
            + " at most " + MAX_MTU + ")" : "") + ", MSS " + (mtu - 40));
        out.println("  XDP     " + stack.wire());
        out.println("  route   " + (gateway == null ? "on-link only (no --gateway)" : "default via " + gateway));
        out.println("  serving " + (httpPort == 0 ? "" : "HTTP/1.1 on :" + httpPort + " (HttpResponder)")
            + (httpPort != 0 && echoPort != 0 ? ", " : "") + (echoPort == 0 ? "" : "echo on :" + echoPort
            + " (EchoServer)") + "; up to " + maxConnections + " connections, " + bufferBytes / 1024
            + " KiB buffers each way, congestion control " + congestionControl.name().toLowerCase(Locale.ROOT));
        final String cpus = queues == 1 ? "CPU " + cpu : "CPUs " + cpu + ".." + (cpu + queues - 1);
        out.println("  thread  " + stack.threads() + (cpu < 0 ? ", not pinned" : stack.pinned()
            ? ", pinned to " + cpus : ", pinning to " + cpus + " FAILED (running anywhere)"));
        out.println("  counters " + countersPath + "  (watch: synack stat " + countersPath + " --watch)");
        if (nif.kernelOwns(ip))
        {
            out.println("  WARNING: the kernel also owns " + ip + " on " + dev + " (" + String.join(", ", nif.ipv4())
                + "): it answers what reaches it on other queues; remove it: ip" + (namespace == null ? ""
                : " -n " + namespace) + " addr del " + ip + "/" + prefixLength + " dev " + dev);
        }
        out.println("running " + (seconds == 0 ? "until SIGINT/SIGTERM (Ctrl-C)" : "for " + seconds
            + " s (or until SIGINT/SIGTERM)"));
    }

    /** One run of the server: the status loop and the one stop sequence that the loop or the hook runs. */
    private final class Session
    {
        private final SynackStack stack;
        private final ServeAgent[] agents;
        private final Path countersPath;
        private final boolean tempCounters;
        private final CountDownLatch stopRequested = new CountDownLatch(1);
        private final long startNs = System.nanoTime();
        private boolean stopped;
        private long lastNs;
        private long lastSegmentsIn;
        private long lastSegmentsOut;
        private long lastResponses;
        private long lastEchoBytes;

        Session(final SynackStack stack, final ServeAgent[] agents, final Path countersPath, final boolean tempCounters)
        {
            this.stack = stack;
            this.agents = agents;
            this.countersPath = countersPath;
            this.tempCounters = tempCounters;
            this.lastNs = startNs;
        }

        private long httpResponses()
        {
            return sum(ServeAgent::httpResponses);
        }

        private long echoBytes()
        {
            return sum(ServeAgent::echoBytes);
        }

        /** @return one figure summed over the queues' agents (each queue has its own). */
        private long sum(final ToLongFunction<ServeAgent> figure)
        {
            long sum = 0;
            for (final ServeAgent agent : agents)
            {
                sum += figure.applyAsLong(agent);
            }
            return sum;
        }

        /** @return why it ended: the time limit, or a stop requested by the hook. */
        String serve()
        {
            final long end = startNs + seconds * SECOND_NS;
            long next = startNs + SECOND_NS;
            while (true)
            {
                final long now = System.nanoTime();
                if (seconds > 0 && now - end >= 0)
                {
                    return "--seconds " + seconds + " elapsed";
                }
                final long wakeAt = seconds > 0 && end - next < 0 ? end : next;
                try
                {
                    if (stopRequested.await(Math.max(0, wakeAt - now), TimeUnit.NANOSECONDS))
                    {
                        return "signal (SIGINT/SIGTERM)";
                    }
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return "interrupted";
                }
                if (System.nanoTime() - next >= 0)
                {
                    status();
                    next += SECOND_NS;
                }
            }
        }

        private synchronized void status()
        {
            if (stopped)
            {
                return;
            }
            final long now = System.nanoTime();
            final double dt = (now - lastNs) / 1e9;
            final StackCounters counters = stack.counters();
            final long in = counters.get(StackCounter.TCP_SEGMENTS_IN);
            final long outSegments = counters.get(StackCounter.TCP_SEGMENTS_OUT);
            final long responses = httpResponses();
            final long echoed = echoBytes();
            out.printf("%5.0f s  connections %,d (TIME-WAIT %,d)  segments in %,.0f/s out %,.0f/s  retransmits %,d"
                + "  drops %,d  HTTP responses %,.0f/s (%,d)  echo %,.0f B/s%n", (now - startNs) / 1e9,
                counters.get(StackCounter.TCP_CONNECTIONS), counters.get(StackCounter.TCP_TIME_WAIT),
                (in - lastSegmentsIn) / dt, (outSegments - lastSegmentsOut) / dt,
                counters.get(StackCounter.TCP_RETRANSMITS), counters.get(StackCounter.FRAMES_DROPPED),
                (responses - lastResponses) / dt, responses, (echoed - lastEchoBytes) / dt);
            lastNs = now;
            lastSegmentsIn = in;
            lastSegmentsOut = outSegments;
            lastResponses = responses;
            lastEchoBytes = echoed;
        }

        /**
         * Stops the stack (threads joined, last NIC figures published, XDP program detached, socket closed), prints
         * the final counters, then closes the stack (unmapping the counters file). Runs once; a second call (the hook
         * after the loop, or the reverse) waits for the first to finish and returns.
         */
        synchronized void stop(final String reason)
        {
            stopRequested.countDown();
            if (stopped)
            {
                return;
            }
            stopped = true;
            final double elapsed = (System.nanoTime() - startNs) / 1e9;
            out.println("stopping: " + reason);
            try
            {
                stack.stop();
            }
            catch (final RuntimeException ex)
            {
                out.println("  stopping the stack failed: " + ex.getMessage());
            }
            final String link = NetInterface.link(dev, namespace);
            if (link == null)
            {
                out.println("  socket closed; could not run `ip link show " + dev + "` to check the XDP program");
            }
            else if (NetInterface.hasXdp(link))
            {
                out.println("  WARNING: `ip link show " + dev + "` still shows an XDP program (not synack's?): "
                    + link.trim());
            }
            else
            {
                out.println("  socket closed; no XDP program left on " + dev + " (ip link)");
            }
            out.printf("== final counters after %.1f s (non-zero; XDP_STATISTICS as of the stop)%n", elapsed);
            final CountersReader reader = stack.countersReader();
            reader.forEach((value, id, label) ->
            {
                if (value != 0)
                {
                    out.printf("  %-48s %,16d%n", label, value);
                }
            });
            if (httpResponses() > 0)
            {
                out.printf("  HTTP responses: %,.0f/s on average%n", httpResponses() / elapsed);
            }
            stack.close();
            removeCounters(countersPath, tempCounters);
            if (!tempCounters)
            {
                out.println("  counters file kept: " + countersPath);
            }
            out.flush();
        }
    }
}
