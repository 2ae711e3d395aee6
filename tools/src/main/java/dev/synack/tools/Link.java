package dev.synack.tools;

import dev.synack.stack.StackAgent;

/**
 * Two synack stacks, A (198.18.0.1) and B (198.18.0.2), and whatever carries frames between them, driven by
 * one thread: the in-memory wire ({@link MemoryLink}) or AF_XDP on a veth pair ({@link XdpLink}).
 * <p>
 * Not thread-safe: every call on the thread that drives it.
 */
public interface Link extends AutoCloseable
{
    /** @return stack A (the client side in the demo). */
    StackAgent a();

    /** @return stack B (the server side). */
    StackAgent b();

    /**
     * One duty cycle of every agent.
     *
     * @return work done.
     */
    int round();

    /** @return one line saying what carries the frames. */
    String describe();

    /**
     * @return frames per second this link carried with no stack on it (both directions, measured in this run
     *     before the stacks started), or 0 when not measured.
     */
    default double ceilingFramesPerSecond()
    {
        return 0;
    }

    /** @return the NIC agents' own counters (frames, kicks, wake-ups), or null when there are none. */
    default String nicCounters()
    {
        return null;
    }

    /** @return how the ceiling was measured, or null when it was not. */
    default String ceilingDetail()
    {
        return null;
    }

    /** Releases everything (sockets, XDP programs, the lab network, counters files); never throws. */
    /**
     * @param window frames in flight.
     * @return round trips per second the raw reflect tool measured on this link at that window (0 when not
     *     measured): the ceiling of a request/response workload with that many requests outstanding.
     */
    default double reflectRoundTrips(final int window)
    {
        return 0;
    }

    /** Stops narrating frames (before the measurements), where narrating costs something per frame. */
    default void quiet()
    {
    }

    /** @return whether {@link #threadPerEnd(boolean)} can move B's end to a thread of its own. */
    default boolean supportsThreadPerEnd()
    {
        return false;
    }

    /**
     * Runs B's end on a pinned, busy-polling thread of its own (on), or back on the driving thread (off). While on,
     * the driving thread (pinned too) runs only A: read nothing of B but {@link #connectionsInUseB()}.
     *
     * @param on thread per end, or both ends on the driving thread.
     */
    default void threadPerEnd(final boolean on)
    {
        if (on)
        {
            throw new UnsupportedOperationException("this link runs both ends on one thread only");
        }
    }

    /** @return B's connections in use, safe to read from the driving thread in either mode. */
    default int connectionsInUseB()
    {
        return b().tcp().connectionsInUse();
    }

    @Override
    void close();
}
