package dev.synack.nic.ffi;

/**
 * Linux errno numbers (x86_64, asm-generic) by name, and the fix we suggest for the ones that need no context.
 *
 * <p>Who calls it: {@link NativeException} to print names, and the set-up code of this module to branch on a
 * failure (e.g. {@link #EOPNOTSUPP} from a zero-copy bind). Thread-safety: constants and pure functions.
 */
public final class Errno
{
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** No such device or address. */
    public static final int ENXIO = 6;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Try again. */
    public static final int EAGAIN = 11;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** File exists. */
    public static final int EEXIST = 17;
    /** No such device. */
    public static final int ENODEV = 19;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** No space left on device. */
    public static final int ENOSPC = 28;
    /** Function not implemented. */
    public static final int ENOSYS = 38;
    /** Protocol not supported. */
    public static final int EPROTONOSUPPORT = 93;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** ENOTSUPP (kernel-internal 524): some drivers leak it for unsupported zero-copy. */
    public static final int ENOTSUP_ALIAS = 524;
    /** Address family not supported. */
    public static final int EAFNOSUPPORT = 97;
    /** Network is down. */
    public static final int ENETDOWN = 100;
    /** No buffer space available. */
    public static final int ENOBUFS = 105;

    private Errno()
    {
    }

    /**
     * The symbolic name of an errno.
     *
     * @param errno the number.
     * @return its name, e.g. {@code "EPERM"}, or {@code "E?"} when we do not know it.
     */
    public static String name(final int errno)
    {
        switch (errno)
        {
            case EPERM: return "EPERM";
            case ENOENT: return "ENOENT";
            case EINTR: return "EINTR";
            case ENXIO: return "ENXIO";
            case EBADF: return "EBADF";
            case EAGAIN: return "EAGAIN";
            case ENOMEM: return "ENOMEM";
            case EACCES: return "EACCES";
            case EFAULT: return "EFAULT";
            case EBUSY: return "EBUSY";
            case EEXIST: return "EEXIST";
            case ENODEV: return "ENODEV";
            case EINVAL: return "EINVAL";
            case ENOSPC: return "ENOSPC";
            case ENOSYS: return "ENOSYS";
            case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
            case EOPNOTSUPP: return "EOPNOTSUPP";
            case EAFNOSUPPORT: return "EAFNOSUPPORT";
            case ENETDOWN: return "ENETDOWN";
            case ENOBUFS: return "ENOBUFS";
            default: return "E?";
        }
    }

    /**
     * The fix for an errno that means the same whatever the call: missing privileges, mostly.
     *
     * @param errno the number.
     * @return the fix, or null when the caller must say it (the meaning depends on the call).
     */
    public static String defaultFix(final int errno)
    {
        switch (errno)
        {
            case EPERM:
            case EACCES:
                return "needs CAP_NET_ADMIN/CAP_BPF/CAP_NET_RAW: run as root";
            case EAFNOSUPPORT:
                return "this kernel has no AF_XDP (CONFIG_XDP_SOCKETS): use Linux >= 5.4 built with it";
            case ENOSYS:
                return "this kernel has no bpf() syscall (CONFIG_BPF_SYSCALL)";
            default:
                return null;
        }
    }
}
