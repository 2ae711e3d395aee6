package dev.synack.embed;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import dev.synack.stack.StackAgent;

/**
 * Feeds a queue's stack the frames other queues' NIC agents handed over to it (see {@link QueueSteering}): drains
 * the stack's handover ring into the stack as one corked batch, like the stack's own rx ring. Runs on the stack
 * thread, right after the stack in its duty cycle (so the stack's clock reading is this cycle's); allocation-free.
 */
final class HandoverAgent implements Agent
{
    private static final int LIMIT = 64;

    private final RingBuffer ring;
    private final StackAgent stack;
    private final AtomicCounter takenOver;

    /**
     * @param ring this stack's handover ring.
     * @param stack the stack.
     * @param takenOver counts frames taken from the ring.
     */
    HandoverAgent(final RingBuffer ring, final StackAgent stack, final AtomicCounter takenOver)
    {
        this.ring = ring;
        this.stack = stack;
        this.takenOver = takenOver;
    }

    @Override
    public int doWork()
    {
        if (ring.size() == 0)
        {
            return 0;
        }
        stack.tcp().cork();
        final int frames = ring.read(stack, LIMIT);
        stack.tcp().flushCorked();
        if (frames > 0)
        {
            takenOver.getAndAddRelease(frames);
        }
        return frames;
    }

    @Override
    public String roleName()
    {
        return "synack-handover";
    }
}
