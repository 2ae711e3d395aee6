package dev.synack.wire;

/**
 * The one switch for the flyweights' extra bounds assertions: on in tests ({@code -Dsynack.bounds.checks=true},
 * set by the build), off in benchmarks and production, where {@code wrapChecked} has already proved that
 * every accessor stays inside the frame.
 */
public final class Bounds
{
    /** Whether plain {@code wrap} calls assert their ranges. */
    public static final boolean CHECKS = Boolean.getBoolean("synack.bounds.checks");

    private Bounds()
    {
    }

    /**
     * Asserts {@code [offset, offset + length)} lies within {@code capacity}, when checks are on.
     *
     * @param capacity the buffer capacity.
     * @param offset the start.
     * @param length the length.
     */
    public static void check(final int capacity, final int offset, final int length)
    {
        if (CHECKS && (offset < 0 || length < 0 || offset + length > capacity || offset + length < 0))
        {
            throw new IndexOutOfBoundsException(
                "range [" + offset + ", " + offset + " + " + length + ") outside capacity " + capacity);
        }
    }
}
