package dev.synack.nic.tool;

import dev.synack.nic.ffi.Affinity;
import org.agrona.concurrent.Agent;

/**
 * Runs another agent on a thread pinned to one CPU: pins in {@link #onStart()}, which AgentRunner calls on the
 * agent's own thread. Who calls it: {@link Reflect}. Thread-safety: as the wrapped agent.
 */
public final class PinnedAgent implements Agent
{
    private final Agent delegate;
    private final int cpu;
    private volatile boolean pinned;

    /**
     * @param delegate the agent.
     * @param cpu      the CPU, or -1 for no pinning.
     */
    public PinnedAgent(final Agent delegate, final int cpu)
    {
        this.delegate = delegate;
        this.cpu = cpu;
    }

    @Override
    public void onStart()
    {
        pinned = cpu >= 0 && Affinity.pinCurrentThread(cpu);
        delegate.onStart();
    }

    @Override
    public int doWork() throws Exception
    {
        return delegate.doWork();
    }

    @Override
    public void onClose()
    {
        delegate.onClose();
    }

    @Override
    public String roleName()
    {
        return delegate.roleName();
    }

    /** @return whether the pin took. */
    public boolean pinned()
    {
        return pinned;
    }
}
