package dev.synack.nic.bpf;

/**
 * The bpf() numbers we use, from include/uapi/linux/bpf.h and if_link.h (x86_64 syscall number).
 *
 * <p>Who calls it: {@link Bpf} and {@link XskRedirectProgram}. Thread-safety: constants only.
 */
public final class BpfConstants
{
    /** bpf() syscall number on x86_64. */
    public static final long SYS_BPF = 321;
    /** BPF_MAP_CREATE. */
    public static final int BPF_MAP_CREATE = 0;
    /** BPF_MAP_UPDATE_ELEM. */
    public static final int BPF_MAP_UPDATE_ELEM = 2;
    /** BPF_MAP_DELETE_ELEM. */
    public static final int BPF_MAP_DELETE_ELEM = 3;
    /** BPF_PROG_LOAD. */
    public static final int BPF_PROG_LOAD = 5;
    /** BPF_LINK_CREATE. */
    public static final int BPF_LINK_CREATE = 28;
    /** BPF_MAP_TYPE_XSKMAP. */
    public static final int BPF_MAP_TYPE_XSKMAP = 17;
    /** BPF_PROG_TYPE_XDP. */
    public static final int BPF_PROG_TYPE_XDP = 6;
    /** Attach type BPF_XDP. */
    public static final int BPF_XDP = 37;
    /** XDP_FLAGS_SKB_MODE: generic XDP, works on every device. */
    public static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    /** XDP_FLAGS_DRV_MODE: native XDP in the driver. */
    public static final int XDP_FLAGS_DRV_MODE = 1 << 2;
    /** BPF_ANY for map updates. */
    public static final long BPF_ANY = 0;

    private BpfConstants()
    {
    }
}
