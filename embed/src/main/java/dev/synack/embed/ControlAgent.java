package dev.synack.embed;

import java.util.function.Consumer;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * Runs other threads' control commands (listen, connect, unlisten, inspection) on the stack thread, between duty
 * cycles, so the stack itself never needs a lock. The commands are {@link Runnable}s: they allocate, and are for
 * set-up and control, not for data — data from other threads goes through the {@code StackChannel}.
 */
final class ControlAgent implements Agent
{
    private static final int CAPACITY = 1024;
    private static final int LIMIT = 64;
    /** Runs a command; one constant object, so draining allocates nothing. */
    private static final Consumer<Runnable> RUN = Runnable::run;

    private final ManyToOneConcurrentArrayQueue<Runnable> commands = new ManyToOneConcurrentArrayQueue<>(CAPACITY);
    private volatile Thread thread;

    @Override
    public void onStart()
    {
        thread = Thread.currentThread();
    }

    @Override
    public int doWork()
    {
        return commands.drain(RUN, LIMIT);
    }

    @Override
    public String roleName()
    {
        return "synack-control";
    }

    /**
     * @param command to run on the stack thread.
     * @return false when the queue is full.
     */
    boolean offer(final Runnable command)
    {
        return commands.offer(command);
    }

    /** @return the stack thread, once it started. */
    Thread thread()
    {
        return thread;
    }
}
