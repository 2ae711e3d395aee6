package dev.synack.bench;

import java.util.concurrent.TimeUnit;

import dev.synack.stack.StackConfig;
import dev.synack.workload.CycleWorkload;

/**
 * Full connection cycles, both ends synack: A connects, B accepts, A closes as soon as it is open, B closes
 * when A's FIN arrives, A sits in TIME-WAIT for 2MSL and its slot is freed. One cycle is counted when B's
 * end is gone (the last ACK arrived: both sides closed); freeing TIME-WAIT slots is part of the steady state.
 * <p>
 * TIME-WAIT sizing: MSL is {@link #MSL_NS} of manual time (250 µs, 250 rounds of
 * {@link InMemoryPair#STEP_NS}), so 2MSL is 500 rounds; a cycle takes a handful of rounds, so at most a few
 * thousand connections wait in TIME-WAIT at once, well inside {@link #MAX_CONNECTIONS}. The peak is kept in
 * {@link #peakTimeWait()} and reported by the harness test.
 * <p>
 * Single-threaded; allocation-free after construction.
 */
public final class HandshakeLoad
{
    /** Manual-time MSL: 2MSL = 500 rounds. */
    public static final long MSL_NS = TimeUnit.MICROSECONDS.toNanos(250);
    /** Connection table size of each stack. */
    public static final int MAX_CONNECTIONS = 8192;
    static final int PORT = 80;

    private final InMemoryPair pair;
    private final int concurrency;
    private final CycleWorkload cycles;
    private int peakTimeWait;

    /**
     * @param concurrency cycles kept in progress at once.
     */
    public HandshakeLoad(final int concurrency)
    {
        this.concurrency = concurrency;
        pair = new InMemoryPair(config(), config(), 1 << 22);
        cycles = new CycleWorkload(pair.a.tcp(), pair.b.tcp(), InMemoryPair.B_IP, PORT);
    }

    private static StackConfig config()
    {
        return new StackConfig().maxConnections(MAX_CONNECTIONS).listenBacklog(1024)
            .sendBufferSize(4096).receiveBufferSize(4096).msl(MSL_NS, TimeUnit.NANOSECONDS);
    }

    /**
     * Drives until at least {@code target} cycles have completed since construction.
     *
     * @param target the cycle count to reach.
     * @return cycles completed so far.
     */
    public long driveUntil(final long target)
    {
        long last = cycles.cycles();
        int idle = 0;
        while (cycles.cycles() < target)
        {
            cycles.topUp(concurrency);
            pair.round();
            final int timeWait = pair.a.tcp().timeWaitQueued();
            if (timeWait > peakTimeWait)
            {
                peakTimeWait = timeWait;
            }
            if (cycles.cycles() != last)
            {
                last = cycles.cycles();
                idle = 0;
            }
            else if (++idle > Stall.LIMIT)
            {
                throw Stall.stuck("handshake cycles", pair);
            }
        }
        return cycles.cycles();
    }

    /** @return cycles whose server end closed normally. */
    public long cycles()
    {
        return cycles.cycles();
    }

    /** @return client ends closed normally (entered TIME-WAIT). */
    public long clientClosed()
    {
        return cycles.clientClosed();
    }

    /** @return connects refused for a full table (must stay 0: the table is sized for the run). */
    public long refused()
    {
        return cycles.refused();
    }

    /** @return callbacks that should not have happened (data, abnormal close reasons). */
    public long errors()
    {
        return cycles.errors();
    }

    /** @return the most TIME-WAIT entries queued on A at once. */
    public int peakTimeWait()
    {
        return peakTimeWait;
    }

    /** @return the pair, for inspection. */
    public InMemoryPair pair()
    {
        return pair;
    }
}
