package dev.synack.nic.ffi;

/**
 * Runs set-up code inside a named network namespace by moving the calling thread there and back (setns(2)
 * acts on one thread only). An AF_XDP socket, an interface index and a BPF link all belong to the namespace
 * of the thread that made them and keep working from any thread afterwards.
 *
 * <p>Who calls it: {@code XdpSocket.open} when the config names a namespace. Thread-safety: affects only the
 * calling thread; always {@link #close()} it (try-with-resources) or the thread stays in the namespace.
 */
public final class NetNamespace implements AutoCloseable
{
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    private final String name;
    private int originalFd;

    private NetNamespace(final String name, final int originalFd)
    {
        this.name = name;
        this.originalFd = originalFd;
    }

    /**
     * Moves the calling thread into {@code /var/run/netns/NAME}; a null name does nothing.
     *
     * @param name the namespace, or null.
     * @return the handle that moves the thread back on close.
     */
    public static NetNamespace enter(final String name)
    {
        if (name == null)
        {
            return new NetNamespace(null, -1);
        }
        final int original = Native.LIBC.open("/proc/thread-self/ns/net", O_RDONLY_CLOEXEC);
        if (original < 0)
        {
            throw Native.fail("open(\"/proc/thread-self/ns/net\")", "is /proc mounted?");
        }
        final String path = "/var/run/netns/" + name;
        final int target = Native.LIBC.open(path, O_RDONLY_CLOEXEC);
        if (target < 0)
        {
            final NativeException ex = Native.fail("open(\"" + path + "\")",
                "no such network namespace " + name + ": create it with `ip netns add " + name + "`");
            Native.LIBC.close(original);
            throw ex;
        }
        final int rc = Native.LIBC.setns(target, CLONE_NEWNET);
        final NativeException ex = rc < 0 ? Native.fail("setns(\"" + path + "\", CLONE_NEWNET)", null) : null;
        Native.LIBC.close(target);
        if (ex != null)
        {
            Native.LIBC.close(original);
            throw ex;
        }
        return new NetNamespace(name, original);
    }

    /** @return the namespace name, or null. */
    public String name()
    {
        return name;
    }

    /** Moves the thread back to the namespace it came from. */
    @Override
    public void close()
    {
        if (originalFd >= 0)
        {
            final int rc = Native.LIBC.setns(originalFd, CLONE_NEWNET);
            final NativeException ex = rc < 0 ? Native.fail("setns(original, CLONE_NEWNET)", null) : null;
            Native.LIBC.close(originalFd);
            originalFd = -1;
            if (ex != null)
            {
                throw ex;
            }
        }
    }
}
