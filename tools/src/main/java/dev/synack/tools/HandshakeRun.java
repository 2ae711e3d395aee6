package dev.synack.tools;

import dev.synack.ip.Ipv4Address;
import dev.synack.time.NanoClock;
import dev.synack.workload.CycleWorkload;

/**
 * Full open + close cycles ({@link CycleWorkload}) in real time: A connects to B:80 and closes as soon as it is
 * open, B closes on A's FIN; a cycle counts when A's end is closed (B's FIN received and acknowledged, A in
 * TIME-WAIT) — counted on the client, as the kernel baseline must count it, and readable while B runs on a
 * thread of its own. The constructor makes B listen on port 80,
 * so there is one per link. After each
 * measured window the run drains: no new connects, every cycle finishes, and A's TIME-WAIT slots expire
 * (2MSL) before the next run, so every run starts from an empty table.
 * <p>
 * Not thread-safe: the thread that drives the link.
 */
public final class HandshakeRun
{
    /** Rounds between two reads of the real time while measuring (also used by {@link KeepAliveRun}). */
    static final int ROUNDS_PER_CLOCK_READ = 16;

    /** The port B listens on. */
    public static final int PORT = 80;
    private static final int B_IP = Ipv4Address.parse("198.18.0.2");

    private final Link link;
    private final NanoClock clock;
    private final CycleWorkload cycles;

    /**
     * @param link the stacks; B starts listening on {@link #PORT}.
     * @param clock the clock the stacks read.
     */
    public HandshakeRun(final Link link, final NanoClock clock)
    {
        this.link = link;
        this.clock = clock;
        cycles = new CycleWorkload(link.a().tcp(), link.b().tcp(), B_IP, PORT);
    }

    /**
     * @param durationNs how long to measure.
     * @param inProgress cycles in progress at once.
     * @return completed cycles per second in the window.
     */
    public double measure(final long durationNs, final int inProgress)
    {
        final long start = clock.nanoTime();
        final long end = start + durationNs;
        final long before = cycles.clientClosed();
        long now = start;
        while (now - end < 0)
        {
            // the real time is read every ROUNDS_PER_CLOCK_READ rounds: a memory-wire round is a few hundred
            // nanoseconds and a kvm-clock read 70-240 ns; the rate divides by the time actually elapsed
            for (int i = 0; i < ROUNDS_PER_CLOCK_READ; i++)
            {
                cycles.topUp(inProgress);
                link.round();
            }
            now = clock.nanoTime();
        }
        final double rate = (cycles.clientClosed() - before) * 1e9 / (now - start);
        drain();
        return rate;
    }

    private void drain()
    {
        final long limit = clock.nanoTime() + 2 * link.a().config().mslNs() + 5_000_000_000L;
        while ((link.a().tcp().connectionsInUse() > 0 || link.connectionsInUseB() > 0)
            && clock.nanoTime() - limit < 0)
        {
            link.round();
        }
    }

    /** @return connects refused because A's table was full (TIME-WAIT too long for the rate). */
    public long refused()
    {
        return cycles.refused();
    }

    /** @return unexpected callbacks. */
    public long errors()
    {
        return cycles.errors();
    }
}
