package dev.synack.nic.xdp;

/**
 * Byte layout of {@code struct xdp_desc} (if_xdp.h), the RX/TX ring entry: addr u64, len u32, options u32.
 * Fill and completion ring entries are a bare u64 address ({@link #UMEM_ENTRY_SIZE}).
 *
 * <p>Who calls it: the ring classes. Thread-safety: constants only.
 */
public final class XdpDesc
{
    /** addr (u64): offset of the frame's data in the UMEM. */
    public static final int ADDR = 0;
    /** len (u32). */
    public static final int LEN = 8;
    /** options (u32): XDP_PKT_CONTD for multi-buffer, which we never ask for. */
    public static final int OPTIONS = 12;
    /** sizeof(struct xdp_desc). */
    public static final int SIZE = 16;
    /** Size of a fill/completion ring entry (a u64 UMEM address). */
    public static final int UMEM_ENTRY_SIZE = 8;

    private XdpDesc()
    {
    }
}
