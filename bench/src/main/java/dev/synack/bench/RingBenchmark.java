package dev.synack.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.synack.wire.FrameRing;

/**
 * Nanoseconds per frame through one ring hop on one thread: a 130-byte frame (a 64 B keep-alive request with its
 * headers and timestamps) written with a copy, as the NIC agent and the memory wire do, then read by a handler that
 * touches its first and last byte. Agrona's {@code OneToOneRingBuffer} against synack's {@link FrameRing}, one
 * frame per hop and sixteen per batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RingBenchmark implements MessageHandler
{
    private static final int FRAME = 130;
    private static final int RING_BYTES = 1 << 20;

    /** Which ring. */
    @Param({"agrona", "frame"})
    public String ring;

    private RingBuffer buffer;
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAME));
    private long seen;

    /** Allocates the ring and the frame. */
    @Setup
    public void setUp()
    {
        final UnsafeBuffer memory = new UnsafeBuffer(
            ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH));
        buffer = "agrona".equals(ring) ? new OneToOneRingBuffer(memory) : new FrameRing(memory);
        for (int i = 0; i < FRAME; i++)
        {
            frame.putByte(i, (byte)i);
        }
    }

    /**
     * @return what the handler saw.
     */
    @Benchmark
    public long oneFrame()
    {
        buffer.write(1, frame, 0, FRAME);
        buffer.read(this, 64);
        return seen;
    }

    /**
     * @return what the handler saw.
     */
    @Benchmark
    @OperationsPerInvocation(16)
    public long sixteenFrames()
    {
        for (int i = 0; i < 16; i++)
        {
            buffer.write(1, frame, 0, FRAME);
        }
        buffer.read(this, 64);
        return seen;
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer b, final int index, final int length)
    {
        seen += b.getByte(index) + b.getByte(index + length - 1);
    }
}
