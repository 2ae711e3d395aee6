package dev.synack.wire;

/**
 * {@link FrameRing}'s per-thread fields, padded apart: the producer's and the consumer's state each sit on cache
 * lines of their own, so the two threads never write to the same line (the JVM lays a superclass's fields out
 * before its subclass's, which is what makes the padding hold).
 */
final class FrameRingFields
{
    private FrameRingFields()
    {
    }

    /** Padding ahead of the producer's fields. */
    abstract static class Padding0
    {
        long p01;
        long p02;
        long p03;
        long p04;
        long p05;
        long p06;
        long p07;
        long p08;
    }

    /** The producer thread's own state. */
    abstract static class Producer extends Padding0
    {
        /** Where the next record goes; equal to the published tail once a claim is committed. */
        long producerTail;
        /** The end of the outstanding claim, or -1. */
        long claimedTail;
        /** The outstanding claim's record index. */
        int claimedIndex;
        /** The consumer's head as last read: space up to {@code headCache + capacity} is known free. */
        long headCache;
    }

    /** Padding between the producer's fields and the consumer's. */
    abstract static class Padding1 extends Producer
    {
        long p11;
        long p12;
        long p13;
        long p14;
        long p15;
        long p16;
        long p17;
        long p18;
    }

    /** The consumer thread's own state, and padding after it. */
    abstract static class Consumer extends Padding1
    {
        /** Where the next record is read. */
        long consumerHead;
        /** The producer's tail as last read: records up to it are complete. */
        long tailCache;
        long p21;
        long p22;
        long p23;
        long p24;
        long p25;
        long p26;
        long p27;
        long p28;
    }
}
