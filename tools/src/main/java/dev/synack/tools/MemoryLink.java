package dev.synack.tools;

import dev.synack.memwire.FaultPlan;
import dev.synack.memwire.MemoryWire;
import dev.synack.memwire.WireTap;
import dev.synack.stack.StackAgent;

/**
 * The demo's default link: the two stacks joined by an in-process {@link MemoryWire} (no faults), one
 * thread running A, the wire, B, the wire.
 */
public final class MemoryLink implements Link
{
    private final DemoStacks stacks;
    private final MemoryWire wire;

    /**
     * @param stacks the two stacks.
     * @param printer told of every frame.
     */
    public MemoryLink(final DemoStacks stacks, final FramePrinter printer)
    {
        this.stacks = stacks;
        wire = new MemoryWire(stacks.aTx, stacks.aRx, stacks.bTx, stacks.bRx, stacks.clockA, FaultPlan.none(),
            FaultPlan.none(), stacks.a.config().maxFrameLength());
        final WireTap tap = (fromA, index, fate, buffer, offset, length) ->
            printer.frame(fromA, buffer, offset, length);
        wire.tap(tap);
    }

    @Override
    public StackAgent a()
    {
        return stacks.a;
    }

    @Override
    public StackAgent b()
    {
        return stacks.b;
    }

    @Override
    public int round()
    {
        stacks.clockB.set(stacks.clockA.tick()); // one clock read for the round: both stacks and the wire
        try
        {
            int work = stacks.a.doWork();
            work += wire.doWork();
            work += stacks.b.doWork();
            work += wire.doWork();
            return work;
        }
        finally
        {
            stacks.clockA.endRound();
            stacks.clockB.endRound();
        }
    }

    @Override
    public String describe()
    {
        return "memory (in-process MemoryWire, both stacks and the wire on one thread)";
    }

    @Override
    public void close()
    {
        stacks.close();
    }
}
