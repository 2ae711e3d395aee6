package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;


import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.test.Allocations;
import dev.synack.test.TestStack;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.FrameOutput;
import dev.synack.wire.RingFrameTap;

/**
 * With the {@link RingFrameTap} on, the stack still allocates nothing: 100,000 echo and ARP requests are
 * answered, every frame in and out is copied into the capture ring, and the ring is drained, with zero bytes
 * allocated by this thread (minimum of three warmed-up runs), no frame dropped by the tap.
 */
class TapAllocationTest
{
    private static final int FRAMES = 100_000;

    private final ManualNanoClock clock = new ManualNanoClock();
    private final TestStack stack = new TestStack(Frames.config(), clock, 1 << 16);
    private final RingBuffer captureRing = TestStack.ring(1 << 16);
    private final RingFrameTap tap = new RingFrameTap(captureRing);
    private final UnsafeBuffer echo = new UnsafeBuffer(Frames.echoRequest(56));
    private final UnsafeBuffer arp = new UnsafeBuffer(Frames.arpRequest());
    private final Count replies = new Count();
    private final Count captured = new Count();

    /** Counts records; created before measuring. */
    private static final class Count implements MessageHandler
    {
        long frames;
        long outbound;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            frames++;
            if (msgTypeId == RingFrameTap.MSG_OUTBOUND)
            {
                outbound++;
            }
        }
    }

    @Test
    void tappingEveryFrameIntoTheCaptureRingAllocatesNothing()
    {
        stack.agent.neighbours().addStatic(Frames.PEER_IP, Frames.PEER_MAC);
        stack.agent.tap(tap);
        assertEquals(0, Allocations.leastOf(5, 3, this::run),
            "bytes allocated while answering and capturing " + FRAMES + " frames");
        final long total = 8L * FRAMES;
        assertEquals(total, replies.frames, "every frame answered");
        assertEquals(2 * total, captured.frames, "every frame in and out captured");
        assertEquals(total, captured.outbound);
        assertEquals(2 * total, tap.captured());
        assertEquals(0, tap.dropped());
    }

    private void run()
    {
        for (int i = 0; i < FRAMES; i += 2)
        {
            stack.rx.write(FrameOutput.MSG_TYPE_FRAME, echo, 0, echo.capacity());
            stack.rx.write(FrameOutput.MSG_TYPE_FRAME, arp, 0, arp.capacity());
            clock.advanceNs(1_000);
            stack.agent.doWork();
            stack.tx.read(replies);
            captureRing.read(captured);
        }
    }
}
