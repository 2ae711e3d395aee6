package dev.synack.memwire;

import java.util.SplittableRandom;

import org.agrona.DirectBuffer;
import org.agrona.collections.IntHashSet;

/**
 * What one direction of a {@link MemoryWire} does to frames: loss, duplication, reordering, delay and
 * corruption by rate, from a seeded generator so every run is repeatable; or exact faults — drop the Nth
 * frame (1-based, counted per direction), or the first N frames a predicate matches.
 * <p>
 * Configured before use; then owned by the wire's thread. Deciding a fate never allocates.
 */
public final class FaultPlan
{
    /** A frame matcher for exact faults ("the first FIN"). */
    @FunctionalInterface
    public interface FrameMatcher
    {
        /**
         * @param buffer the frame's buffer.
         * @param offset where it starts.
         * @param length its length.
         * @return whether it matches.
         */
        boolean matches(DirectBuffer buffer, int offset, int length);
    }

    private final long seed;
    private final SplittableRandom random;
    private double loss;
    private double duplicate;
    private double reorder;
    private double corrupt;
    private double delayRate;
    private long delayNs;
    private final IntHashSet dropIndices = new IntHashSet();
    private FrameMatcher dropMatcher;
    private int dropMatchesLeft;

    /**
     * @param seed the generator seed; print it when a randomized test fails.
     */
    public FaultPlan(final long seed)
    {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** @return a plan that changes nothing. */
    public static FaultPlan none()
    {
        return new FaultPlan(0);
    }

    /** @return the seed. */
    public long seed()
    {
        return seed;
    }

    /**
     * @param rate probability a frame is lost, 0..1.
     * @return this.
     */
    public FaultPlan loss(final double rate)
    {
        loss = checkRate(rate);
        return this;
    }

    /**
     * @param rate probability a frame is delivered twice.
     * @return this.
     */
    public FaultPlan duplicate(final double rate)
    {
        duplicate = checkRate(rate);
        return this;
    }

    /**
     * @param rate probability a frame is held back and delivered after the next one.
     * @return this.
     */
    public FaultPlan reorder(final double rate)
    {
        reorder = checkRate(rate);
        return this;
    }

    /**
     * @param rate probability one byte of a frame is flipped (the receiver's checksums must catch it).
     * @return this.
     */
    public FaultPlan corrupt(final double rate)
    {
        corrupt = checkRate(rate);
        return this;
    }

    /**
     * @param rate probability a frame is delayed.
     * @param delayNanos by how long, on the wire's clock.
     * @return this.
     */
    public FaultPlan delay(final double rate, final long delayNanos)
    {
        delayRate = checkRate(rate);
        delayNs = delayNanos;
        return this;
    }

    /**
     * @param index which frame to drop, 1-based, counted in this direction.
     * @return this.
     */
    public FaultPlan dropFrame(final int index)
    {
        if (index < 1)
        {
            throw new IllegalArgumentException("frame indices start at 1: " + index);
        }
        dropIndices.add(index);
        return this;
    }

    /**
     * @param matcher which frames.
     * @param count how many of the matching frames to drop, from the first.
     * @return this.
     */
    public FaultPlan dropMatching(final FrameMatcher matcher, final int count)
    {
        dropMatcher = matcher;
        dropMatchesLeft = count;
        return this;
    }

    boolean dropExact(final int index, final DirectBuffer buffer, final int offset, final int length)
    {
        if (!dropIndices.isEmpty() && dropIndices.contains(index))
        {
            return true;
        }
        if (dropMatchesLeft > 0 && dropMatcher.matches(buffer, offset, length))
        {
            dropMatchesLeft--;
            return true;
        }
        return false;
    }

    boolean lose()
    {
        return loss > 0 && random.nextDouble() < loss;
    }

    boolean duplicate()
    {
        return duplicate > 0 && random.nextDouble() < duplicate;
    }

    boolean reorder()
    {
        return reorder > 0 && random.nextDouble() < reorder;
    }

    boolean corrupt()
    {
        return corrupt > 0 && random.nextDouble() < corrupt;
    }

    boolean delay()
    {
        return delayRate > 0 && random.nextDouble() < delayRate;
    }

    long delayNs()
    {
        return delayNs;
    }

    int nextInt(final int bound)
    {
        return random.nextInt(bound);
    }

    private static double checkRate(final double rate)
    {
        if (!(rate >= 0 && rate <= 1))
        {
            throw new IllegalArgumentException("a rate is a probability in 0..1: " + rate);
        }
        return rate;
    }
}
