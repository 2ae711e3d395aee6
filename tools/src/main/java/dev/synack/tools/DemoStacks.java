package dev.synack.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.stack.StackAgent;
import dev.synack.stack.StackConfig;
import dev.synack.stat.CountersFile;
import dev.synack.stat.StackCounters;
import dev.synack.wire.FrameRing;

/**
 * Builds the demo's two stacks the same way for every link: addresses, sizes, MSL, and counters in
 * memory-mapped files under one temporary directory (so {@code synack stat} can watch a running demo).
 * <p>
 * Not thread-safe; used at start-up only.
 */
public final class DemoStacks implements AutoCloseable
{
    /** A's MAC (the same as lab-net gives sa*). */
    public static final String A_MAC = "02:00:00:00:00:01";
    /** B's MAC. */
    public static final String B_MAC = "02:00:00:00:00:02";
    /** Ring size between each stack and its wire. */
    public static final int RING_BYTES = 1 << 22;
    /**
     * Connection table size: the TIME-WAITs of the handshake workloads (rate × 2MSL: 1 M/s × 40 ms at the default
     * MSL) fit. The receive pool backs only {@link #RECEIVE_POOL_CONNECTIONS} of them, as TIME-WAIT needs none.
     */
    public static final int MAX_CONNECTIONS = 65536;
    /** Connections whose receive buffers the shared page pool can back at once. */
    public static final int RECEIVE_POOL_CONNECTIONS = 16384;
    /** Ports A's active opens take: the kernel side's range ({@code ip_local_port_range 1024 65535}). */
    public static final int EPHEMERAL_FIRST = 1024;
    /** How many ports that is. */
    public static final int EPHEMERAL_PORTS = 0x10000 - EPHEMERAL_FIRST;
    /** The range as the demo prints it. */
    public static final String EPHEMERAL_RANGE = EPHEMERAL_FIRST + "-65535";
    private static final int BUFFER = 4096;

    private final Path directory;
    private final CountersFile aFile;
    private final CountersFile bFile;
    /** A's rx ring. */
    public final RingBuffer aRx = ring();
    /** A's tx ring. */
    public final RingBuffer aTx = ring();
    /** B's rx ring. */
    public final RingBuffer bRx = ring();
    /** B's tx ring. */
    public final RingBuffer bTx = ring();
    /** Stack A. */
    public final StackAgent a;
    /** Stack B. */
    public final StackAgent b;
    /** A's clock: ticked once per round by the thread driving A. */
    final RoundClock clockA = new RoundClock();
    /** B's clock: set from A's when one thread drives both, ticked by B's own thread otherwise. */
    final RoundClock clockB = new RoundClock();

    /**
     * @param mslMs the MSL in milliseconds.
     */
    public DemoStacks(final long mslMs)
    {
        try
        {
            directory = Files.createTempDirectory("synack-demo-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create the counters directory", ex);
        }
        aFile = CountersFile.create(directory.resolve("A.counters"), StackCounters.COUNT);
        bFile = CountersFile.create(directory.resolve("B.counters"), StackCounters.COUNT);
        a = new StackAgent(config("A", A_MAC, "198.18.0.1/24", mslMs), aRx, aTx, clockA,
            new StackCounters(aFile.newManager(), ""));
        b = new StackAgent(config("B", B_MAC, "198.18.0.2/24", mslMs), bRx, bTx, clockB,
            new StackCounters(bFile.newManager(), ""));
    }

    private static StackConfig config(final String name, final String mac, final String ip, final long mslMs)
    {
        return new StackConfig().name(name).mac(mac).ip(ip).maxConnections(MAX_CONNECTIONS).listenBacklog(4096)
            .ephemeralPorts(EPHEMERAL_FIRST, 0xFFFF).sendBufferSize(BUFFER).receiveBufferSize(BUFFER)
            .receivePoolBytes((long)RECEIVE_POOL_CONNECTIONS * BUFFER).msl(mslMs, TimeUnit.MILLISECONDS)
            .arpRetryInterval(100, TimeUnit.MILLISECONDS);
    }

    /** @return where the counters files are. */
    public Path directory()
    {
        return directory;
    }

    private static RingBuffer ring()
    {
        return FrameRing.allocate(RING_BYTES);
    }

    @Override
    public void close()
    {
        aFile.close();
        bFile.close();
        try
        {
            Files.deleteIfExists(directory.resolve("A.counters"));
            Files.deleteIfExists(directory.resolve("B.counters"));
            Files.deleteIfExists(directory);
        }
        catch (final IOException ex)
        {
            // a leftover temporary file is harmless; the demo's result does not depend on it
        }
    }
}
