package dev.synack.wire;

import org.agrona.DirectBuffer;

/**
 * Sees every Ethernet frame a stack takes from its rx ring and every frame it commits to its tx ring
 * (including frames that waited for ARP, when they actually leave): the capture hook. Off by default
 * ({@code StackAgent.tap(null)}), so the stack pays one null check per frame when no one listens.
 * <p>
 * Called on the stack thread, in wire order. An implementation must not allocate, block or throw, and must
 * not keep the buffer after returning: copy what it needs (as {@link RingFrameTap} does, into a ring that
 * another thread drains).
 */
@FunctionalInterface
public interface FrameTap
{
    /**
     * @param outbound true for a frame the stack sends, false for one it received.
     * @param buffer the frame's buffer (read only).
     * @param offset where the frame starts.
     * @param length its length in bytes.
     * @param timeNs the stack's clock ({@code NanoClock}) when the frame was seen.
     */
    void onFrame(boolean outbound, DirectBuffer buffer, int offset, int length, long timeNs);
}
