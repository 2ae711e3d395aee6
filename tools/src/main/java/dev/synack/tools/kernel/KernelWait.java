package dev.synack.tools.kernel;

/**
 * How a kernel-side end of the demo's baselines waits for its sockets: the choice that, with the kernel's TCP,
 * decides whether a measurement shows TCP or the scheduler.
 * <p>
 * Immutable; shared freely.
 */
public enum KernelWait
{
    /**
     * Blocking sockets: a {@code read} that sleeps in the kernel until data or a FIN arrives (one syscall per
     * wait). A one-thread end that must watch many sockets at once (16 cycles in progress) uses a Selector
     * ({@code epoll_wait}) that sleeps, for that workload only.
     */
    BLOCK,
    /** Non-blocking sockets and a Java NIO Selector ({@code epoll_wait}) that sleeps until one is ready. */
    EPOLL,
    /** Non-blocking sockets polled without ever sleeping: {@code read} or {@code selectNow} in a loop. */
    SPIN;

    /**
     * @param text the name, any case.
     * @return the wait strategy it names.
     */
    public static KernelWait parse(final String text)
    {
        return valueOf(text.toUpperCase(java.util.Locale.ROOT));
    }
}
