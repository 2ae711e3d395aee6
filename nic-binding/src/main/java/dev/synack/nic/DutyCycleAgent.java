package dev.synack.nic;

import org.agrona.concurrent.Agent;

/**
 * One NIC queue and the stack it feeds on one thread, run to completion: each {@link #doWork()} is one duty cycle —
 * {@link NicAgent#receivePhase()} (received frames into the stack's rx ring), the stack's own {@code doWork()}
 * (it handles the batch and writes every answer to its tx ring), then {@link NicAgent#transmitPhase()}: all the
 * answers of the cycle go out behind one TX kick, and a request is answered in the cycle it arrived in.
 * <p>
 * Who calls it: an {@code AgentRunner} (one pinned, busy-polling thread per stack is the deployed shape) or a
 * caller's own loop. Not thread-safe: one thread runs both agents. Allocation-free.
 */
public final class DutyCycleAgent implements Agent
{
    private final NicAgent nic;
    private final Agent stack;
    private final String roleName;

    /**
     * @param nic the NIC agent of the queue.
     * @param stack the stack (or a composite of the stack and its application agents) fed by that queue.
     */
    public DutyCycleAgent(final NicAgent nic, final Agent stack)
    {
        this.nic = nic;
        this.stack = stack;
        this.roleName = nic.roleName() + "+" + stack.roleName();
    }

    @Override
    public void onStart()
    {
        nic.onStart();
        stack.onStart();
    }

    @Override
    public int doWork() throws Exception
    {
        int work = nic.receivePhase();
        work += stack.doWork();
        work += nic.transmitPhase();
        return work;
    }

    @Override
    public void onClose()
    {
        stack.onClose();
        nic.onClose();
    }

    @Override
    public String roleName()
    {
        return roleName;
    }
}
