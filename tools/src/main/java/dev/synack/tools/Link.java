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
    @Override
    void close();
}
