package dev.synack.tools.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.synack.wire.RingFrameTap;

/**
 * A capture closed before its agent's thread ever ran (Agrona's {@code AgentRunner} then calls {@code onClose} on
 * the closing thread, without {@code onStart}) still writes every frame its tap took: `synack demo --capture` on a
 * loaded machine ran its two short parts before the capture thread was scheduled, and left an empty journal.
 */
class CaptureAgentCloseTest
{
    @TempDir
    Path dir;

    @Test
    void framesTappedBeforeTheAgentEverRanAreWrittenWhenItCloses()
    {
        final RingFrameTap tap = new RingFrameTap(new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect((1 << 16) + RingBufferDescriptor.TRAILER_LENGTH))));
        final CaptureAgent agent = new CaptureAgent(dir, 0).source("A", tap);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[60]);
        for (int i = 0; i < 3; i++)
        {
            frame.putByte(0, (byte)i);
            tap.onFrame(i == 1, frame, 0, 60, 1_000 + i);
        }
        agent.onClose();
        final List<CapturedFrame> frames = CaptureJournal.read(dir);
        assertEquals(3, frames.size());
        assertEquals(3, agent.written());
    }
}
