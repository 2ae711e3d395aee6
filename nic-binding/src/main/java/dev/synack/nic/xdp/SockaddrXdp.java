package dev.synack.nic.xdp;

/**
 * Byte layout of {@code struct sockaddr_xdp} (if_xdp.h): family u16, flags u16, ifindex u32, queue_id u32,
 * shared_umem_fd u32.
 *
 * <p>Who calls it: {@link XdpSocket} to bind. Thread-safety: constants only; the bytes live in a buffer owned
 * by the caller.
 */
public final class SockaddrXdp
{
    /** sxdp_family (u16). */
    public static final int FAMILY = 0;
    /** sxdp_flags (u16): XDP_COPY, XDP_ZEROCOPY, XDP_USE_NEED_WAKEUP, XDP_SHARED_UMEM. */
    public static final int FLAGS = 2;
    /** sxdp_ifindex (u32). */
    public static final int IFINDEX = 4;
    /** sxdp_queue_id (u32). */
    public static final int QUEUE_ID = 8;
    /** sxdp_shared_umem_fd (u32). */
    public static final int SHARED_UMEM_FD = 12;
    /** sizeof(struct sockaddr_xdp). */
    public static final int SIZE = 16;

    private SockaddrXdp()
    {
    }
}
