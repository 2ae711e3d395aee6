package dev.synack.nic;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Where a received frame goes when one NIC queue's frames may belong to several stacks (one stack per queue, flows
 * whose queue the NIC cannot be told): the {@link NicAgent} hands it each frame, still in the UMEM, and the steering
 * copies it into the ring of the stack that owns it — its own queue's stack, another's, or several.
 * <p>
 * Knows nothing of the agent; the agent knows nothing of what is in the frame. Called on the NIC agent's thread for
 * every frame, in order: it must not block or allocate.
 */
@FunctionalInterface
public interface RxSteering
{
    /**
     * @param umem the UMEM holding the frame (valid only during the call).
     * @param offset where the frame starts.
     * @param length its length (an Ethernet frame without FCS).
     * @return true when the frame was written somewhere; false when its ring was full (counted by the agent).
     */
    boolean onFrame(UnsafeBuffer umem, int offset, int length);
}
