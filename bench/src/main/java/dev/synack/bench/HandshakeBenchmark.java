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
 * Full connection cycles per second (connect → accept → both close → TIME-WAIT freed), both ends synack over
 * the in-memory wire, one thread driving both stacks and the wire. See {@link HandshakeLoad} for the clock and
 * the TIME-WAIT sizing (manual MSL 250 µs, 1 µs per round, 8192-slot tables).
 * <p>
 * Each invocation drives until {@link #BATCH} more cycles have completed; a cycle that completes past the
 * target counts towards the next invocation, so over a run the score is exactly cycles/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class HandshakeBenchmark
{
    /** Cycles per invocation. */
    public static final int BATCH = 16;

    /** Cycles kept in progress at once. */
    @Param({"1", "16"})
    public int concurrency;

    private HandshakeLoad load;
    private long target;

    /** Builds the pair and the listener. */
    @Setup(Level.Trial)
    public void setUp()
    {
        load = new HandshakeLoad(concurrency);
        target = load.cycles();
    }

    /**
     * @return cycles so far (consumed so the loop cannot be elided).
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long cycles()
    {
        target += BATCH;
        return load.driveUntil(target);
    }

    /** Fails the run if any cycle went wrong. */
    @TearDown(Level.Trial)
    public void check()
    {
        if (load.errors() != 0 || load.refused() != 0)
        {
            throw new IllegalStateException("handshake load: " + load.errors() + " errors, " + load.refused()
                + " refused connects");
        }
    }
}
