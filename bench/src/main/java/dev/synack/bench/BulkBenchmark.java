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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Bulk throughput, one direction, one connection, both ends synack over the in-memory wire, one thread;
 * default buffers (64 KiB) and 1500-byte MTU. One operation is one byte delivered to B's application, so the
 * score is bytes/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class BulkBenchmark
{
    /** Bytes per invocation. */
    public static final int BATCH = 64 * 1024;

    private BulkLoad load;
    private long target;

    /** Opens the connection. */
    @Setup(Level.Trial)
    public void setUp()
    {
        load = new BulkLoad(false);
        target = load.received();
    }

    /**
     * @return bytes received so far.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long bytes()
    {
        target += BATCH;
        return load.driveUntil(target);
    }

    /** Fails the run on any unexpected callback. */
    @TearDown(Level.Trial)
    public void check()
    {
        if (load.errors() != 0)
        {
            throw new IllegalStateException("bulk load: " + load.errors() + " errors");
        }
    }
}
