package dev.synack.embed;

import java.util.concurrent.CountDownLatch;

import org.agrona.concurrent.Agent;

import dev.synack.nic.ffi.Affinity;

/**
 * The agent an {@code AgentRunner} thread runs: pins the thread to its CPU (if one was given) and starts the agents
 * it carries, then tells {@link SynackStack} it has started — or why it could not — so that {@code start()} returns
 * a stack whose threads run, and reports a failed start as an exception rather than a dead thread.
 * <p>
 * Delegates the duty cycle unchanged (one virtual call). The start-up fields are written on the runner thread
 * before the latch opens, read after it by the starting thread.
 */
final class ThreadAgent implements Agent
{
    private final Agent delegate;
    private final String roleName;
    private final int cpu;
    private final CountDownLatch started;
    private volatile boolean pinned;
    private volatile Throwable failure;
    private volatile Thread thread;

    /**
     * @param delegate the agents of this thread (a composite, or the duty cycle).
     * @param roleName the thread's name.
     * @param cpu the CPU to pin the thread to, or -1.
     * @param started counted down once this thread has started, or failed to.
     */
    ThreadAgent(final Agent delegate, final String roleName, final int cpu, final CountDownLatch started)
    {
        this.delegate = delegate;
        this.roleName = roleName;
        this.cpu = cpu;
        this.started = started;
    }

    @Override
    public void onStart()
    {
        thread = Thread.currentThread();
        try
        {
            pinned = cpu >= 0 && Affinity.pinCurrentThread(cpu);
            delegate.onStart();
        }
        catch (final RuntimeException | Error ex)
        {
            failure = ex;
            throw ex;
        }
        finally
        {
            started.countDown();
        }
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
        return roleName;
    }

    /** @return whether the thread is pinned to its CPU (false when none was asked or the kernel refused). */
    boolean pinned()
    {
        return pinned;
    }

    /** @return the CPU asked for, or -1. */
    int cpu()
    {
        return cpu;
    }

    /** @return what stopped the thread from starting, or null. */
    Throwable failure()
    {
        return failure;
    }

    /** @return the runner thread, once started. */
    Thread thread()
    {
        return thread;
    }
}
