package dev.synack.tools;

import dev.synack.time.NanoClock;

/**
 * The demo's clock for one stack: the real time, read once per round by whoever drives that stack, not by every
 * agent of the round. On this machine's `kvm-clock` a read costs 70-240 ns, and a memory-wire round with both
 * stacks and the wire took four of them for well under a microsecond of work: the demo measured the clock more
 * than the stack. A deployed stack reads it once per duty cycle too ({@code StackAgent.doWork}); so does each
 * stack here. Single-threaded: written and read by the thread that drives its stack.
 */
final class RoundClock implements NanoClock
{
    private long now = System.nanoTime();

    /** @return the time now, kept for this round's readers. */
    long tick()
    {
        now = System.nanoTime();
        return now;
    }

    /** @param time this round's time, read already for another stack driven by the same thread. */
    void set(final long time)
    {
        now = time;
    }

    @Override
    public long nanoTime()
    {
        return now;
    }
}
