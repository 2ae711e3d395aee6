package dev.synack.nic.ffi;

/**
 * The one exception nic-binding throws when a native call fails: it names the call, its arguments, the errno
 * (name, number and libc's text) and what to do about it.
 *
 * <p>Who makes it: {@link Native#fail}, in one place, so every message reads the same. Who catches it: the
 * application at start-up (everything that can throw it runs while opening a socket or loading the XDP
 * program, never on the data path). Caveat: {@link #errno()} is 0 when the failure was not a syscall error
 * (e.g. an unknown interface name).
 */
public final class NativeException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * A failure of one native call.
     *
     * @param call  the call with its arguments, e.g. {@code "bind(fd=7, ifindex=3, queue=0, flags=0x8)"}.
     * @param errno the errno (0 if none).
     * @param text  libc's text for it, or a description when errno is 0.
     * @param fix   what the operator should do, or null when we have no advice.
     */
    public NativeException(final String call, final int errno, final String text, final String fix)
    {
        super(message(call, errno, text, fix));
        this.call = call;
        this.errno = errno;
    }

    /**
     * @return the call and its arguments.
     */
    public String call()
    {
        return call;
    }

    /**
     * @return the errno, 0 when the failure had none.
     */
    public int errno()
    {
        return errno;
    }

    private static String message(final String call, final int errno, final String text, final String fix)
    {
        final StringBuilder sb = new StringBuilder(128).append(call).append(" failed: ");
        if (errno != 0)
        {
            sb.append(Errno.name(errno)).append(" (errno ").append(errno).append(", ").append(text).append(')');
        }
        else
        {
            sb.append(text);
        }
        if (fix != null)
        {
            sb.append(": ").append(fix);
        }
        return sb.toString();
    }
}
