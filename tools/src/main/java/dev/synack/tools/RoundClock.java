package dev.synack.tools;

import dev.synack.time.NanoClock;

/**
 * The demo's clock for one stack: the real time, read once per round by whoever drives that stack, not by every
 * agent of the round. On this machine's `kvm-clock` a read costs 70-240 ns, and a memory-wire round with both
 * stacks and the wire took four of them for well under a microsecond of work: the demo measured the clock more
 * than the stack. A deployed stack reads it once per duty cycle too ({@code StackAgent.doWork}); so does each
 * stack here. Between rounds (a ping, a connect or a send the demo makes from outside a round) it reads the real
 * time: a value kept from the last round would be stale by however long the demo spent elsewhere, and an ARP
 * request stamped that far back is retried at once. Single-threaded: used by the thread that drives its stack.
 */
final class RoundClock implements NanoClock
{
    private long now;
    private boolean inRound;

    /** @return the time now, kept for this round's readers until {@link #endRound()}. */
    long tick()
    {
        now = System.nanoTime();
        inRound = true;
        return now;
    }

    /** @param time this round's time, read already for another stack driven by the same thread. */
    void set(final long time)
    {
        now = time;
        inRound = true;
    }

    /** The round is over: readers get the real time again. */
    void endRound()
    {
        inRound = false;
    }

    @Override
    public long nanoTime()
    {
        return inRound ? now : System.nanoTime();
    }
}
