package dev.synack.memwire;

import org.agrona.DirectBuffer;

/**
 * Sees every frame a {@link MemoryWire} carries, with its fate: the hook for scenario-test assertions,
 * captures and ladder diagrams. Called on the wire's thread; must not keep the buffer after returning.
 */
@FunctionalInterface
public interface WireTap
{
    /** What happened to a frame. */
    enum Fate
    {
        /** Delivered (possibly late). */
        DELIVERED,
        /** Lost on the wire. */
        DROPPED,
        /** Delivered twice. */
        DUPLICATED,
        /** Delivered with one byte flipped. */
        CORRUPTED,
        /** Delivered after a later frame. */
        REORDERED,
        /** Held back on the wire's clock. */
        DELAYED
    }

    /**
     * @param fromA true for the A → B direction.
     * @param index 1-based frame index in that direction.
     * @param fate what the wire did.
     * @param buffer the frame as sent.
     * @param offset where it starts.
     * @param length its length.
     */
    void onFrame(boolean fromA, int index, Fate fate, DirectBuffer buffer, int offset, int length);
}
