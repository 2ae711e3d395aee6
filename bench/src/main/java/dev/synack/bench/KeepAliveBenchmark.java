package dev.synack.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Keep-alive exchanges per second: 64-byte request, 64-byte reply, on persistent connections, both ends synack
 * over the in-memory wire, one thread. {@code inFlight} is the number of requests outstanding on each
 * connection (pipelined). Replies are not byte-checked here (the harness test checks them).
 * <p>
 * Each invocation drives until {@link #BATCH} more exchanges have completed, carrying any overshoot to the
 * next invocation, so the score is exactly exchanges/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class KeepAliveBenchmark
{
    /** Exchanges per invocation. */
    public static final int BATCH = 64;

    /** Requests outstanding per connection. */
    @Param({"1", "16"})
    public int inFlight;

    /** Persistent connections. */
    @Param({"1", "64"})
    public int connections;

    private KeepAliveLoad load;
    private long target;

    /** Opens the connections and starts the first requests. */
    @Setup(Level.Trial)
    public void setUp()
    {
        load = new KeepAliveLoad(connections, inFlight, false);
        target = load.exchanges();
    }

    /**
     * @return exchanges so far.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long exchanges()
    {
        target += BATCH;
        return load.driveUntil(target);
    }

    /** Fails the run if any send was refused or a connection closed. */
    @TearDown(Level.Trial)
    public void check()
    {
        if (load.errors() != 0)
        {
            throw new IllegalStateException("keep-alive load: " + load.errors() + " errors");
        }
    }
}
