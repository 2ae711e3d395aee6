package dev.synack.workload;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.ip.Ipv4Address;
import dev.synack.memwire.FaultPlan;
import dev.synack.memwire.MemoryWire;
import dev.synack.stack.StackAgent;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpEngine;
import dev.synack.tcp.TcpState;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.FrameRing;
import dev.synack.wire.MacAddress;

/**
 * Many concurrent connections between two synack stacks over the memory wire: a client stack opens them all, a
 * sample exchanges a few bytes, all of them are held ESTABLISHED while manual time passes, then the client closes
 * every one (four-way close), waits out 2MSL on the manual clock, and both tables must be empty. Every step is
 * checked: counts, states, counters, timers, drops. What a million connections costs is measured on the way: heap
 * and direct memory before and after the stacks are built.
 * <p>
 * One client address and one server address give 16,384 ephemeral ports per server port, so the server listens on
 * as many ports as it takes and the client fills them one after another (a fresh server port finds every ephemeral
 * port free, so each connect takes its first try). Connects and closes go out in batches no larger than the
 * server's listen backlog, and the stacks run until the wire is quiet between batches.
 * <p>
 * Single-threaded: both stacks and the wire run on the caller's thread, on a {@link ManualNanoClock} that moves
 * {@link #STEP_NS} per round (protocol time passes at a fixed pace, so no retransmission timer fires however slow
 * the machine). Allocates only at construction and for its report.
 */
public final class ScaleRun
{
    /** The server's first listening port. */
    public static final int FIRST_SERVER_PORT = 10_000;
    /** Ephemeral ports a client has per server address and port. */
    public static final int PORTS_PER_SERVER_PORT = 65_536 - StackConfig.DEFAULT_EPHEMERAL_FIRST;
    /** Manual time per round. */
    public static final long STEP_NS = TimeUnit.MICROSECONDS.toNanos(1);
    /** Bytes each sampled connection sends and gets back. */
    public static final int ECHO_LENGTH = 16;

    private static final int CLIENT_IP = Ipv4Address.parse("198.18.0.1");
    private static final int SERVER_IP = Ipv4Address.parse("198.18.0.2");
    private static final String CLIENT_MAC = "02:00:00:00:00:01";
    private static final String SERVER_MAC = "02:00:00:00:00:02";
    private static final int RING_BYTES = 1 << 22;
    private static final int BATCH = 1024;
    private static final int QUIET_ROUNDS = 4;
    private static final long ROUND_LIMIT = 10_000_000L;
    private static final long HOLD_STEP_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long TAG_MARK = 0x5CA1_E000_0000_0000L;

    private final int connections;
    private final int serverPorts;
    private final int sample;
    private final long holdNs;
    private final StackConfig clientConfig;
    private final StackConfig serverConfig;
    private final ManualNanoClock clock = new ManualNanoClock();
    private final long[] handles;
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[ECHO_LENGTH]);
    private final Client client = new Client();
    private final Server server = new Server();
    private final ScaleReport report;
    private StackAgent a;
    private StackAgent b;
    private MemoryWire wire;
    private long clientOpened;
    private long serverOpened;
    private long echoErrors;
    private long unexpected;
    private long startWallNs;
    private long startCpuNs;
    private long lastWallNs;
    private long lastCpuNs;

    /**
     * @param connections how many connections, 1..4,194,304 (the most a table holds).
     * @param bufferSize each connection's send and receive ring, bytes: a power of two, at least 1024.
     * @param sample connections that exchange bytes, spread evenly over all of them.
     * @param holdNs manual time the connections are held open.
     */
    public ScaleRun(final int connections, final int bufferSize, final int sample, final long holdNs)
    {
        if (sample < 0 || sample > connections || holdNs < 0)
        {
            throw new IllegalArgumentException("sample must be 0.." + connections + " and the hold not negative");
        }
        this.connections = connections;
        this.serverPorts = (connections + PORTS_PER_SERVER_PORT - 1) / PORTS_PER_SERVER_PORT;
        this.sample = sample;
        this.holdNs = holdNs;
        clientConfig = config(connections, bufferSize).name("client").mac(CLIENT_MAC).ip("198.18.0.1/24").validate();
        serverConfig = config(connections, bufferSize).name("server").mac(SERVER_MAC).ip("198.18.0.2/24").validate();
        handles = new long[connections];
        report = new ScaleReport(connections, serverPorts, bufferSize, bufferSize);
    }

    private static StackConfig config(final int connections, final int bufferSize)
    {
        // Defaults everywhere but the table, the rings and the backlog (a batch of SYNs lands on one listener).
        return new StackConfig().maxConnections(connections).sendBufferSize(bufferSize).receiveBufferSize(bufferSize)
            .listenBacklog(BATCH).isnSecret(42L);
    }

    /**
     * Runs every phase; a phase that finds something wrong records it and the run goes on, so one report lists
     * everything.
     *
     * @param progress told of each phase as it ends, one line.
     * @return what was seen.
     */
    public ScaleReport run(final Consumer<String> progress)
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        build();
        mark(ScaleReport.Phase.BUILD, threads, progress);
        connect();
        mark(ScaleReport.Phase.CONNECT, threads, progress);
        exchange();
        mark(ScaleReport.Phase.EXCHANGE, threads, progress);
        hold();
        mark(ScaleReport.Phase.HOLD, threads, progress);
        close();
        mark(ScaleReport.Phase.CLOSE, threads, progress);
        timeWait();
        mark(ScaleReport.Phase.TIME_WAIT, threads, progress);
        checkCounters();
        return report;
    }

    /** Ends a phase: its wall time, and this thread's CPU time (what counts on a machine shared with others). */
    private void mark(final ScaleReport.Phase phase, final ThreadMXBean threads, final Consumer<String> progress)
    {
        final long wall = System.nanoTime();
        final long cpu = threads.getCurrentThreadCpuTime();
        final int i = phase.ordinal();
        report.phaseNs[i] = wall - (i == 0 ? startWallNs : lastWallNs);
        report.phaseCpuNs[i] = cpu - (i == 0 ? startCpuNs : lastCpuNs);
        lastWallNs = wall;
        lastCpuNs = cpu;
        progress.accept(String.format("%-10s %,9.3f s (CPU %,.3f s)  client %,d in use, server %,d in use",
            phase.label(), report.phaseNs[i] / 1e9, report.phaseCpuNs[i] / 1e9, a.tcp().connectionsInUse(),
            b.tcp().connectionsInUse()));
    }

    private void build()
    {
        startWallNs = System.nanoTime();
        startCpuNs = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        final RingBuffer aRx = ring();
        final RingBuffer aTx = ring();
        final RingBuffer bRx = ring();
        final RingBuffer bTx = ring();
        final StackCounters aCounters = StackCounters.onHeap("client: ");
        final StackCounters bCounters = StackCounters.onHeap("server: ");
        // Meaningful in a JVM of its own (synack scale): in a shared one, others' garbage may be freed in between.
        final long heapBefore = heapUsed();
        final long directBefore = quietDirectUsed();
        a = new StackAgent(clientConfig, aRx, aTx, clock, aCounters);
        b = new StackAgent(serverConfig, bRx, bTx, clock, bCounters);
        report.heapBytes = heapUsed() - heapBefore;
        report.directBytes = quietDirectUsed() - directBefore;
        a.neighbours().addStatic(SERVER_IP, MacAddress.parse(SERVER_MAC));
        b.neighbours().addStatic(CLIENT_IP, MacAddress.parse(CLIENT_MAC));
        wire = new MemoryWire(aTx, aRx, bTx, bRx, clock, FaultPlan.none(), FaultPlan.none(),
            clientConfig.maxFrameLength());
        for (int p = 0; p < serverPorts; p++)
        {
            b.tcp().listen(FIRST_SERVER_PORT + p, server);
        }
    }

    private void connect()
    {
        final TcpEngine tcp = a.tcp();
        int refused = 0;
        for (int i = 0; i < connections; i++)
        {
            final long handle = tcp.connect(SERVER_IP, FIRST_SERVER_PORT + i / PORTS_PER_SERVER_PORT, client);
            handles[i] = handle;
            refused += handle < 0 ? 1 : 0;
            if ((i + 1) % BATCH == 0)
            {
                settle();
            }
        }
        settle();
        report.established = Math.min(clientOpened, serverOpened);
        report.check(refused == 0, refused + " connects refused");
        report.check(clientOpened == connections && serverOpened == connections, "opened: client " + clientOpened
            + ", server " + serverOpened + " of " + connections);
        checkAllIn(TcpState.ESTABLISHED, "after the handshakes");
    }

    private void exchange()
    {
        final TcpEngine tcp = a.tcp();
        for (int k = 0; k < sample; k++)
        {
            final TcpConnection c = tcp.connection(handles[(int)((long)k * connections / sample)]);
            if (c == null)
            {
                report.check(false, "sampled connection " + k + " is gone");
                continue;
            }
            final long tag = tag(c);
            message.putLong(0, tag);
            message.putLong(8, ~tag);
            report.check(c.send(message, 0, ECHO_LENGTH) == ECHO_LENGTH, "send refused on " + c);
            report.sampled++;
            if ((k + 1) % BATCH == 0)
            {
                settle();
            }
        }
        settle();
        report.check(report.echoed == sample && echoErrors == 0, "echoes: " + report.echoed + " intact of "
            + sample + ", " + echoErrors + " wrong");
    }

    private void hold()
    {
        // Manual time in steps well below the delayed ACK and the RTO, so each timer fires in its turn (a jump past
        // both would let the sender's RTO race the receiver's delayed ACK); nothing else may happen to an idle
        // connection.
        for (long held = 0; held < holdNs; held += HOLD_STEP_NS)
        {
            clock.advanceNs(Math.min(HOLD_STEP_NS, holdNs - held));
            settle();
        }
        report.held = Math.min(a.tcp().connectionsIn(TcpState.ESTABLISHED),
            b.tcp().connectionsIn(TcpState.ESTABLISHED));
        checkAllIn(TcpState.ESTABLISHED, "after the hold");
        report.check(a.tcp().timersScheduled() == 0 && b.tcp().timersScheduled() == 0, "timers still scheduled"
            + " on idle connections: client " + a.tcp().timersScheduled() + ", server " + b.tcp().timersScheduled());
    }

    private void close()
    {
        final TcpEngine tcp = a.tcp();
        for (int i = 0; i < connections; i++)
        {
            final TcpConnection c = tcp.connection(handles[i]);
            if (c != null)
            {
                c.close();
            }
            if ((i + 1) % BATCH == 0)
            {
                settle();
            }
        }
        settle();
        report.timeWaitPeak = a.tcp().connectionsIn(TcpState.TIME_WAIT);
        report.check(report.clientClosed == connections && report.serverClosed == connections, "closed normally:"
            + " client " + report.clientClosed + ", server " + report.serverClosed + " of " + connections);
        report.check(b.tcp().connectionsInUse() == 0, "server still holds " + b.tcp().connectionsInUse());
        report.check(report.timeWaitPeak == connections, "client TIME-WAITs " + report.timeWaitPeak);
    }

    private void timeWait()
    {
        // RFC 9293 §3.10.8: the 2MSL timeout deletes the TCB.
        clock.advanceNs(2 * clientConfig.mslNs() + STEP_NS);
        settle();
        final TcpEngine client = a.tcp();
        final TcpEngine server = b.tcp();
        report.clientInUse = client.connectionsInUse();
        report.serverInUse = server.connectionsInUse();
        report.check(report.tablesEmpty(), "tables not empty: client " + report.clientInUse + ", server "
            + report.serverInUse);
        report.check(client.connectionsIn(TcpState.CLOSED) == connections
            && server.connectionsIn(TcpState.CLOSED) == connections, "slots not all CLOSED");
        report.check(client.timeWaitQueued() == 0, "TIME-WAIT entries left: " + client.timeWaitQueued());
        report.check(client.timersScheduled() == 0 && server.timersScheduled() == 0, "timers left: client "
            + client.timersScheduled() + ", server " + server.timersScheduled());
    }

    private void checkCounters()
    {
        final StackCounters client = a.counters();
        final StackCounters server = b.counters();
        report.check(client.get(StackCounter.TCP_ACTIVE_OPENS) == connections, "client active opens "
            + client.get(StackCounter.TCP_ACTIVE_OPENS));
        report.check(server.get(StackCounter.TCP_PASSIVE_OPENS) == connections, "server passive opens "
            + server.get(StackCounter.TCP_PASSIVE_OPENS));
        for (final StackCounters counters : new StackCounters[] {client, server})
        {
            report.check(counters.get(StackCounter.TCP_ESTABLISHED) == connections
                && counters.get(StackCounter.TCP_CLOSED) == connections
                && counters.get(StackCounter.TCP_CONNECTIONS) == 0 && counters.get(StackCounter.TCP_TIME_WAIT) == 0,
                "counters do not add up:\n" + counters.appendNonZero(new StringBuilder()));
            for (final StackCounter none : new StackCounter[] {StackCounter.FRAMES_DROPPED,
                StackCounter.TCP_RETRANSMITS, StackCounter.TCP_RESETS_SENT, StackCounter.TCP_RESETS_RECEIVED,
                StackCounter.TCP_TABLE_FULL, StackCounter.TCP_TIMEOUTS, StackCounter.TCP_TIME_WAIT_EVICTED})
            {
                report.check(counters.get(none) == 0, none.label() + ": " + counters.get(none) + ", in all:\n"
                    + counters.appendNonZero(new StringBuilder()));
            }
        }
        report.check(wire.overflows() == 0, "frames lost to full rings: " + wire.overflows());
        report.check(unexpected == 0, unexpected + " unexpected callbacks");
    }

    private void checkAllIn(final TcpState state, final String when)
    {
        final int client = a.tcp().connectionsIn(state);
        final int server = b.tcp().connectionsIn(state);
        report.check(client == connections && server == connections, when + ": " + state + " client " + client
            + ", server " + server + " of " + connections);
    }

    /** Rounds until nothing has moved for a few in a row (an Agrona ring read at the wrap point moves nothing). */
    private void settle()
    {
        int quiet = 0;
        for (long rounds = 0; quiet < QUIET_ROUNDS; rounds++)
        {
            if (rounds == ROUND_LIMIT)
            {
                throw new IllegalStateException("the stacks did not settle in " + ROUND_LIMIT + " rounds");
            }
            clock.advanceNs(STEP_NS);
            final int work = a.doWork() + wire.doWork() + b.doWork() + wire.doWork();
            quiet = work == 0 ? quiet + 1 : 0;
        }
    }

    /** What a sampled connection sends: its own ports, so the echo can be checked without a map. */
    private static long tag(final TcpConnection c)
    {
        return TAG_MARK | ((long)c.localPort() << 16) | c.remotePort();
    }

    private static RingBuffer ring()
    {
        return FrameRing.allocate(RING_BYTES);
    }

    private static long heapUsed()
    {
        for (int i = 0; i < 3; i++)
        {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * The direct pool once garbage direct buffers (earlier runs', other tests' in the same JVM) are freed: a GC finds
     * them, the cleaner thread frees them a little later, so read until two reads a moment apart agree.
     */
    private static long quietDirectUsed()
    {
        System.gc();
        long used = directUsed();
        for (int i = 0; i < 100; i++)
        {
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
            final long again = directUsed();
            if (again == used)
            {
                break;
            }
            used = again;
        }
        return used;
    }

    private static long directUsed()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    private final class Client implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection connection)
        {
            clientOpened++;
        }

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            final long tag = tag(connection);
            if (length == ECHO_LENGTH && buffer.getLong(offset) == tag && buffer.getLong(offset + 8) == ~tag)
            {
                report.echoed++;
            }
            else
            {
                echoErrors++;
            }
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
            if (reason == CloseReason.NORMAL)
            {
                report.clientClosed++;
            }
            else
            {
                unexpected++;
            }
        }
    }

    private final class Server implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection connection)
        {
            serverOpened++;
        }

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            if (connection.send(buffer, offset, length) != length)
            {
                unexpected++;
            }
        }

        @Override
        public void onPeerClosed(final TcpConnection connection)
        {
            connection.close();
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
            if (reason == CloseReason.NORMAL)
            {
                report.serverClosed++;
            }
            else
            {
                unexpected++;
            }
        }
    }
}
