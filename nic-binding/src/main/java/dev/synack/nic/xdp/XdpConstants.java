package dev.synack.nic.xdp;

/**
 * AF_XDP constants from the kernel's {@code include/uapi/linux/if_xdp.h} and {@code socket.h}, plus the libc
 * constants the socket set-up needs (x86_64 values).
 *
 * <p>Who calls it: the AF_XDP set-up code and the layout tests. Thread-safety: constants only.
 */
public final class XdpConstants
{
    /** Address family AF_XDP. */
    public static final int AF_XDP = 44;
    /** Socket level for AF_XDP options. */
    public static final int SOL_XDP = 283;
    /** SOCK_RAW. */
    public static final int SOCK_RAW = 3;
    /** SOCK_CLOEXEC: the fd must not leak into children (our tests fork JVMs). */
    public static final int SOCK_CLOEXEC = 0x80000;

    /** getsockopt: ring offsets within their mmap. */
    public static final int XDP_MMAP_OFFSETS = 1;
    /** setsockopt: RX ring size. */
    public static final int XDP_RX_RING = 2;
    /** setsockopt: TX ring size. */
    public static final int XDP_TX_RING = 3;
    /** setsockopt: register the UMEM. */
    public static final int XDP_UMEM_REG = 4;
    /** setsockopt: fill ring size. */
    public static final int XDP_UMEM_FILL_RING = 5;
    /** setsockopt: completion ring size. */
    public static final int XDP_UMEM_COMPLETION_RING = 6;
    /** getsockopt: struct xdp_statistics. */
    public static final int XDP_STATISTICS = 7;
    /** getsockopt: struct xdp_options (zero-copy flag). */
    public static final int XDP_OPTIONS = 8;
    /** xdp_options.flags bit: the socket runs zero-copy. */
    public static final int XDP_OPTIONS_ZEROCOPY = 1;

    /** Bind flag: force copy mode. */
    public static final int XDP_COPY = 1 << 1;
    /** Bind flag: force zero-copy mode. */
    public static final int XDP_ZEROCOPY = 1 << 2;
    /** Bind flag: the kernel may sleep and set XDP_RING_NEED_WAKEUP; we then kick it. */
    public static final int XDP_USE_NEED_WAKEUP = 1 << 3;
    /** Ring flags bit: the kernel wants a wake-up (sendto for TX, poll/recvfrom for fill). */
    public static final int XDP_RING_NEED_WAKEUP = 1;

    /** mmap page offset of the RX ring. */
    public static final long XDP_PGOFF_RX_RING = 0L;
    /** mmap page offset of the TX ring. */
    public static final long XDP_PGOFF_TX_RING = 0x80000000L;
    /** mmap page offset of the fill ring. */
    public static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    /** mmap page offset of the completion ring. */
    public static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    /** PROT_READ | PROT_WRITE. */
    public static final int PROT_READ_WRITE = 0x1 | 0x2;
    /** MAP_SHARED. */
    public static final int MAP_SHARED = 0x01;
    /** MAP_PRIVATE. */
    public static final int MAP_PRIVATE = 0x02;
    /** MAP_ANONYMOUS. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** MAP_POPULATE: fault the pages in now, not on the data path. */
    public static final int MAP_POPULATE = 0x8000;

    /** MSG_DONTWAIT. */
    public static final int MSG_DONTWAIT = 0x40;

    private XdpConstants()
    {
    }
}
