package dev.synack.nic.ffi;

import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc functions nic-binding calls, with the kernel's names and C signatures.
 *
 * <p>Who calls it: only the classes of this module, through {@link Native#LIBC}; nothing outside
 * nic-binding should see a raw libc call. Pointers are passed as {@code long} addresses of off-heap
 * memory (Agrona {@code UnsafeBuffer}s over direct buffers or mmapped regions), so a call allocates nothing
 * on the Java heap — which matters only for the data-path kick ({@link #sendto}) and {@link #poll}.
 *
 * <p>Thread-safety: libc calls are thread-safe; errno is per thread and JNR saves it right after each call
 * ({@link SaveError}), read it with {@link Native#errno()} on the same thread. Caveat: {@link #syscall} is
 * variadic in C; on x86_64 integer arguments travel in the same registers (and the stack) either way, and
 * glibc's {@code syscall} is plain assembly, so calling it with fixed arguments is safe there (and only there).
 */
@SaveError
public interface LibC
{
    /** socket(2). */
    int socket(int domain, int type, int protocol);

    /** setsockopt(2); {@code optval} is an address. */
    int setsockopt(int fd, int level, int optname, @intptr_t long optval, int optlen);

    /** getsockopt(2); {@code optval} and {@code optlen} are addresses. */
    int getsockopt(int fd, int level, int optname, @intptr_t long optval, @intptr_t long optlen);

    /** bind(2); {@code addr} is the address of a sockaddr. */
    int bind(int fd, @intptr_t long addr, int addrlen);

    /** munmap(2). */
    int munmap(@intptr_t long addr, @size_t long length);

    /** poll(2); {@code fds} is the address of an array of struct pollfd (8 bytes each). */
    int poll(@intptr_t long fds, long nfds, int timeout);

    /** sendto(2); used with a null buffer as the AF_XDP TX kick. */
    @ssize_t long sendto(int fd, @intptr_t long buf, @size_t long len, int flags, @intptr_t long destAddr,
        int addrlen);

    /** recvfrom(2); used with a null buffer as the AF_XDP fill-ring wake-up. */
    @ssize_t long recvfrom(int fd, @intptr_t long buf, @size_t long len, int flags, @intptr_t long srcAddr,
        @intptr_t long addrlen);

    /** close(2). */
    int close(int fd);

    /** open(2), for namespace files. */
    int open(String path, int flags);

    /** setns(2), to enter a network namespace on the calling thread. */
    int setns(int fd, int nstype);

    /** if_nametoindex(3); 0 when there is no such interface (errno ENODEV). */
    int if_nametoindex(String ifname);

    /**
     * ioctl(2) with a pointer argument (SIOCETHTOOL: an ifreq whose data points at an ethtool command).
     *
     * @param fd      a socket.
     * @param request the request number.
     * @param argp    the argument's address.
     * @return 0, or -1 with errno set.
     */
    int ioctl(int fd, @intptr_t long request, @intptr_t long argp);

    /**
     * syscall(2) with six arguments: bpf(cmd, attr, size) and mmap(2). mmap goes through here because JNR's
     * direct call to libc's six-argument {@code mmap} garbled the offset on this JNR/JDK (glibc answered EINVAL
     * without entering the kernel); use {@link Native#mmap}.
     */
    long syscall(long number, long arg1, long arg2, long arg3, long arg4, long arg5, long arg6);

    /** getrlimit(2); {@code rlim} is the address of a struct rlimit (16 bytes). */
    int getrlimit(int resource, @intptr_t long rlim);

    /** strerror(3): the C library's text for an errno. */
    String strerror(int errnum);

    /** sched_setaffinity(2); {@code mask} is the address of a cpu_set_t of {@code size} bytes; pid 0 = caller. */
    int sched_setaffinity(int pid, @size_t long size, @intptr_t long mask);

    /** getuid(2). */
    int getuid();
}
