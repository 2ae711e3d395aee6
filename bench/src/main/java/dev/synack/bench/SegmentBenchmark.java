package dev.synack.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per segment through the stack agent: a pre-built valid ACK for an established connection
 * written into the rx ring and processed by {@code StackAgent.doWork()} (ring read, Ethernet/IPv4/TCP
 * validation with checksums, lookup, ACK processing, timer poll). See {@link SegmentLoad}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class SegmentBenchmark
{
    private SegmentLoad load;
    private long droppedBefore;
    private long outBefore;

    /** Establishes the connection and captures the ACK. */
    @Setup(Level.Trial)
    public void setUp()
    {
        load = new SegmentLoad();
        droppedBefore = load.framesDropped();
        outBefore = load.framesOut();
    }

    /**
     * @return the work B reported (1 frame).
     */
    @Benchmark
    public int ack()
    {
        return load.feed();
    }

    /** Fails the run if any fed segment was dropped or answered. */
    @TearDown(Level.Trial)
    public void check()
    {
        if (load.framesDropped() != droppedBefore || load.framesOut() != outBefore)
        {
            throw new IllegalStateException("segment load: fed ACKs were dropped or answered: dropped "
                + (load.framesDropped() - droppedBefore) + ", sent " + (load.framesOut() - outBefore));
        }
    }
}
