package dev.synack.nic.ffi;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * The loaded libc and the one place where errno becomes a {@link NativeException}.
 *
 * <p>Who calls it: every class of nic-binding that makes a native call. Thread-safety: the library handle is
 * immutable and shared; errno is read on the thread that made the call, right after it.
 */
public final class Native
{
    /** The process's libc, loaded once. */
    public static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private static final long SYS_MMAP = 9;
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private Native()
    {
    }

    /**
     * @return errno saved by the last call on this thread.
     */
    public static int errno()
    {
        return LastError.getLastError(RUNTIME);
    }

    /**
     * An exception for the failed call just made on this thread, with errno read now.
     *
     * @param call the call with its arguments.
     * @param fix  the fix for this call's likely errno, or null to use {@link Errno#defaultFix}.
     * @return the exception, to throw.
     */
    public static NativeException fail(final String call, final String fix)
    {
        return fail(call, errno(), fix);
    }

    /**
     * An exception for a failed call with a known errno.
     *
     * @param call  the call with its arguments.
     * @param errno the errno.
     * @param fix   the fix, or null to use {@link Errno#defaultFix}.
     * @return the exception, to throw.
     */
    public static NativeException fail(final String call, final int errno, final String fix)
    {
        final String defaultFix = Errno.defaultFix(errno);
        final String chosen = defaultFix != null && (errno == Errno.EPERM || errno == Errno.EACCES) ?
            defaultFix + uidNote() : fix != null ? fix : defaultFix;
        return new NativeException(call, errno, LIBC.strerror(errno), chosen);
    }

    /**
     * Throws for a negative return value, otherwise returns it.
     *
     * @param result the call's return value.
     * @param call   the call with its arguments (built by the caller; set-up code only, so the string is cheap).
     * @param fix    the fix to suggest, or null.
     * @return {@code result} when it is not negative.
     */
    public static int check(final int result, final String call, final String fix)
    {
        if (result < 0)
        {
            throw fail(call, fix);
        }
        return result;
    }

    /**
     * mmap(2) through {@code syscall(SYS_mmap)} (see {@link LibC#syscall}).
     *
     * @param addr   hint, usually 0.
     * @param length bytes.
     * @param prot   PROT_* bits.
     * @param flags  MAP_* bits.
     * @param fd     file descriptor or -1.
     * @param offset byte offset (page aligned).
     * @return the address, or -1 with errno set.
     */
    public static long mmap(
        final long addr, final long length, final int prot, final int flags, final int fd, final long offset)
    {
        return LIBC.syscall(SYS_MMAP, addr, length, prot, flags, fd, offset);
    }

    private static String uidNote()
    {
        final int uid = LIBC.getuid();
        return uid == 0 ? " (uid 0 but a capability is missing: check the bounding set / container)" :
            " (running as uid " + uid + ")";
    }
}
