package dev.synack.nic.xdp;

/**
 * Byte layout of {@code struct xdp_umem_reg} (if_xdp.h, Linux 6.x): addr u64, len u64, chunk_size u32,
 * headroom u32, flags u32, tx_metadata_len u32.
 *
 * <p>Who calls it: {@link XdpSocket} to register the UMEM. Thread-safety: constants only. Caveat: kernels
 * before 5.4 know only the first 24 bytes; a longer optlen with zeroed tail fields is accepted by every
 * kernel that has {@code flags} (5.4+), which is what we need for need-wakeup anyway.
 */
public final class XdpUmemReg
{
    /** addr (u64): start of the UMEM. */
    public static final int ADDR = 0;
    /** len (u64): length of the UMEM in bytes. */
    public static final int LEN = 8;
    /** chunk_size (u32): the frame size. */
    public static final int CHUNK_SIZE = 16;
    /** headroom (u32). */
    public static final int HEADROOM = 20;
    /** flags (u32). */
    public static final int FLAGS = 24;
    /** tx_metadata_len (u32, 6.8+). */
    public static final int TX_METADATA_LEN = 28;
    /** sizeof(struct xdp_umem_reg). */
    public static final int SIZE = 32;

    private XdpUmemReg()
    {
    }
}
