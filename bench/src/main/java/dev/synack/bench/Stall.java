package dev.synack.bench;

/**
 * Guards a workload's drive loop against a hang: the engine misbehaving (a lost segment never
 * retransmitted, a livelock) must fail the benchmark loudly, not spin forever.
 * <p>
 * One per workload; single-threaded.
 */
final class Stall
{
    /** Rounds without progress before the workload is declared stuck (a full RTO is 200 000 rounds). */
    static final int LIMIT = 2_000_000;

    private Stall()
    {
    }

    static IllegalStateException stuck(final String what, final InMemoryPair pair)
    {
        return new IllegalStateException(what + ": no progress in " + LIMIT + " rounds; A has "
            + pair.a.tcp().connectionsInUse() + " connections, B has " + pair.b.tcp().connectionsInUse()
            + "\nA counters:\n" + pair.a.counters().appendNonZero(new StringBuilder())
            + "B counters:\n" + pair.b.counters().appendNonZero(new StringBuilder()));
    }
}
