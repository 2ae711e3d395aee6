package dev.synack.nic.bpf;

/**
 * Byte offsets of the pieces of {@code union bpf_attr} (include/uapi/linux/bpf.h) that we use, one nested
 * class per bpf() command, and the attr size we pass.
 *
 * <p>Who calls it: {@link Bpf}. Thread-safety: constants only. Caveat: the kernel requires every byte past
 * the fields a command knows to be zero, so callers zero the whole {@link #SIZE} before filling it.
 */
public final class BpfAttr
{
    /** The attr size we pass to bpf(): larger than every piece below, accepted by 5.x and 6.x kernels. */
    public static final int SIZE = 144;

    private BpfAttr()
    {
    }

    /** BPF_MAP_CREATE's anonymous struct. */
    public static final class MapCreate
    {
        /** map_type (u32). */
        public static final int MAP_TYPE = 0;
        /** key_size (u32). */
        public static final int KEY_SIZE = 4;
        /** value_size (u32). */
        public static final int VALUE_SIZE = 8;
        /** max_entries (u32). */
        public static final int MAX_ENTRIES = 12;
        /** map_flags (u32). */
        public static final int MAP_FLAGS = 16;
        /** inner_map_fd (u32). */
        public static final int INNER_MAP_FD = 20;
        /** numa_node (u32). */
        public static final int NUMA_NODE = 24;
        /** map_name (char[16]). */
        public static final int MAP_NAME = 28;
        /** map_ifindex (u32). */
        public static final int MAP_IFINDEX = 44;

        private MapCreate()
        {
        }
    }

    /** BPF_MAP_*_ELEM's anonymous struct. */
    public static final class MapElem
    {
        /** map_fd (u32). */
        public static final int MAP_FD = 0;
        /** key (aligned u64 pointer). */
        public static final int KEY = 8;
        /** value (aligned u64 pointer). */
        public static final int VALUE = 16;
        /** flags (u64). */
        public static final int FLAGS = 24;

        private MapElem()
        {
        }
    }

    /** BPF_PROG_LOAD's anonymous struct. */
    public static final class ProgLoad
    {
        /** prog_type (u32). */
        public static final int PROG_TYPE = 0;
        /** insn_cnt (u32). */
        public static final int INSN_CNT = 4;
        /** insns (aligned u64 pointer). */
        public static final int INSNS = 8;
        /** license (aligned u64 pointer to a C string). */
        public static final int LICENSE = 16;
        /** log_level (u32). */
        public static final int LOG_LEVEL = 24;
        /** log_size (u32). */
        public static final int LOG_SIZE = 28;
        /** log_buf (aligned u64 pointer). */
        public static final int LOG_BUF = 32;
        /** kern_version (u32). */
        public static final int KERN_VERSION = 40;
        /** prog_flags (u32). */
        public static final int PROG_FLAGS = 44;
        /** prog_name (char[16]). */
        public static final int PROG_NAME = 48;
        /** prog_ifindex (u32). */
        public static final int PROG_IFINDEX = 64;
        /** expected_attach_type (u32). */
        public static final int EXPECTED_ATTACH_TYPE = 68;

        private ProgLoad()
        {
        }
    }

    /** BPF_LINK_CREATE's anonymous struct (the head we use). */
    public static final class LinkCreate
    {
        /** prog_fd (u32). */
        public static final int PROG_FD = 0;
        /** target_fd / target_ifindex (u32, union). */
        public static final int TARGET_IFINDEX = 4;
        /** attach_type (u32). */
        public static final int ATTACH_TYPE = 8;
        /** flags (u32): XDP_FLAGS_SKB_MODE or XDP_FLAGS_DRV_MODE for an XDP link. */
        public static final int FLAGS = 12;

        private LinkCreate()
        {
        }
    }
}
