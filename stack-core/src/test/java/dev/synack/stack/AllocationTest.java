package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;


import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.stat.StackCounter;
import dev.synack.test.Allocations;
import dev.synack.test.TestStack;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.FrameOutput;

/**
 * The receive path allocates nothing: ICMP echo requests and ARP requests written to the rx ring are parsed,
 * checksum-validated and answered into the tx ring, 100,000 frames at a time, with zero bytes allocated by
 * this thread (measured by the JVM's per-thread allocation counter, minimum of three warmed-up runs).
 */
class AllocationTest
{
    private static final int FRAMES = 100_000;

    private final ManualNanoClock clock = new ManualNanoClock();
    private final TestStack stack = new TestStack(Frames.config(), clock, 1 << 16);
    private final UnsafeBuffer echo = new UnsafeBuffer(Frames.echoRequest(56));
    private final UnsafeBuffer arp = new UnsafeBuffer(Frames.arpRequest());
    private final Drain drain = new Drain();

    /** Counts and checks the replies; created before measuring. */
    private static final class Drain implements MessageHandler
    {
        long frames;
        long bytes;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            frames++;
            bytes += length;
        }
    }

    @Test
    void echoAndArpRepliesAllocateNothing()
    {
        stack.agent.neighbours().addStatic(Frames.PEER_IP, Frames.PEER_MAC);
        assertEquals(0, Allocations.leastOf(5, 3, this::run), "bytes allocated while answering " + FRAMES + " frames");
        final long total = 8L * FRAMES;
        assertEquals(total, drain.frames, "every frame answered");
        assertEquals(total, stack.counters.get(StackCounter.FRAMES_IN));
        assertEquals(0, stack.counters.get(StackCounter.FRAMES_DROPPED));
        assertEquals(total / 2, stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT));
        assertEquals(total / 2, stack.counters.get(StackCounter.ARP_REPLIES_SENT));
    }

    private void run()
    {
        for (int i = 0; i < FRAMES; i += 2)
        {
            stack.rx.write(FrameOutput.MSG_TYPE_FRAME, echo, 0, echo.capacity());
            stack.rx.write(FrameOutput.MSG_TYPE_FRAME, arp, 0, arp.capacity());
            clock.advanceNs(1_000);
            stack.agent.doWork();
            stack.tx.read(drain);
        }
    }
}
