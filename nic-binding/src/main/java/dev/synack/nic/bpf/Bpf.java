package dev.synack.nic.bpf;

import dev.synack.nic.ffi.Errno;
import dev.synack.nic.ffi.Native;
import dev.synack.nic.ffi.NativeException;
import dev.synack.nic.ffi.OffHeap;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.synack.nic.bpf.BpfConstants.BPF_LINK_CREATE;
import static dev.synack.nic.bpf.BpfConstants.BPF_MAP_CREATE;
import static dev.synack.nic.bpf.BpfConstants.BPF_MAP_DELETE_ELEM;
import static dev.synack.nic.bpf.BpfConstants.BPF_MAP_UPDATE_ELEM;
import static dev.synack.nic.bpf.BpfConstants.BPF_PROG_LOAD;
import static dev.synack.nic.bpf.BpfConstants.SYS_BPF;

/**
 * The bpf() commands nic-binding needs, each a static method that fills a zeroed {@code bpf_attr}, calls
 * {@code syscall(321, cmd, &attr, 144)} and turns failure into a {@link NativeException}.
 *
 * <p>Who calls it: {@link XskRedirectProgram}. Thread-safety: stateless; each call owns its attr buffer.
 * Caveat: set-up only, every call allocates.
 */
public final class Bpf
{
    private static final int LOG_SIZE = 64 * 1024;
    private static final int OBJ_NAME_LEN = 16;

    private Bpf()
    {
    }

    /**
     * BPF_MAP_CREATE of an XSKMAP.
     *
     * @param maxEntries slots (queue ids).
     * @param name       map name, at most 15 characters.
     * @return the map fd.
     */
    public static int createXskMap(final int maxEntries, final String name)
    {
        final UnsafeBuffer attr = OffHeap.allocate(BpfAttr.SIZE);
        attr.putInt(BpfAttr.MapCreate.MAP_TYPE, BpfConstants.BPF_MAP_TYPE_XSKMAP);
        attr.putInt(BpfAttr.MapCreate.KEY_SIZE, 4);
        attr.putInt(BpfAttr.MapCreate.VALUE_SIZE, 4);
        attr.putInt(BpfAttr.MapCreate.MAX_ENTRIES, maxEntries);
        putName(attr, BpfAttr.MapCreate.MAP_NAME, name);
        final long fd = bpf(BPF_MAP_CREATE, attr);
        if (fd < 0)
        {
            throw Native.fail("bpf(BPF_MAP_CREATE, type=XSKMAP, max_entries=" + maxEntries + ")", null);
        }
        return (int)fd;
    }

    /**
     * BPF_PROG_LOAD of an XDP program, asking for the verifier log.
     *
     * @param insns    the instructions.
     * @param insnCnt  how many.
     * @param name     program name, at most 15 characters.
     * @return the program fd.
     * @throws NativeException with the verifier log in its message when the kernel refuses the program.
     */
    public static int loadXdpProgram(final UnsafeBuffer insns, final int insnCnt, final String name)
    {
        final UnsafeBuffer attr = OffHeap.allocate(BpfAttr.SIZE);
        final UnsafeBuffer license = OffHeap.cString("GPL");
        final UnsafeBuffer log = OffHeap.allocate(LOG_SIZE);
        attr.putInt(BpfAttr.ProgLoad.PROG_TYPE, BpfConstants.BPF_PROG_TYPE_XDP);
        attr.putInt(BpfAttr.ProgLoad.INSN_CNT, insnCnt);
        attr.putLong(BpfAttr.ProgLoad.INSNS, insns.addressOffset());
        attr.putLong(BpfAttr.ProgLoad.LICENSE, license.addressOffset());
        // log level 1: the verifier explains a refusal; the buffer is only written when something goes wrong
        attr.putInt(BpfAttr.ProgLoad.LOG_LEVEL, 1);
        attr.putInt(BpfAttr.ProgLoad.LOG_SIZE, LOG_SIZE);
        attr.putLong(BpfAttr.ProgLoad.LOG_BUF, log.addressOffset());
        putName(attr, BpfAttr.ProgLoad.PROG_NAME, name);
        attr.putInt(BpfAttr.ProgLoad.EXPECTED_ATTACH_TYPE, BpfConstants.BPF_XDP);
        long fd = bpf(BPF_PROG_LOAD, attr);
        int errno = fd < 0 ? Native.errno() : 0;
        if (fd < 0 && errno == Errno.ENOSPC)
        {
            // the log did not fit; the program may still be fine, so retry without asking for a log
            attr.putInt(BpfAttr.ProgLoad.LOG_LEVEL, 0);
            attr.putInt(BpfAttr.ProgLoad.LOG_SIZE, 0);
            attr.putLong(BpfAttr.ProgLoad.LOG_BUF, 0);
            fd = bpf(BPF_PROG_LOAD, attr);
            errno = fd < 0 ? Native.errno() : 0;
        }
        if (fd < 0)
        {
            final String verifierLog = OffHeap.readCString(log, LOG_SIZE).trim();
            throw Native.fail(
                "bpf(BPF_PROG_LOAD, type=XDP, insn_cnt=" + insnCnt + ", name=" + name + ")" +
                (verifierLog.isEmpty() ? "" : " [verifier log: " + verifierLog + "]"), errno, null);
        }
        // keep the off-heap buffers reachable until the syscall has returned
        java.lang.ref.Reference.reachabilityFence(insns);
        java.lang.ref.Reference.reachabilityFence(license);
        return (int)fd;
    }

    /**
     * BPF_LINK_CREATE attaching an XDP program to an interface.
     *
     * @param progFd  the program.
     * @param ifindex the interface.
     * @param ifName  its name, for the message.
     * @param flags   XDP_FLAGS_SKB_MODE or XDP_FLAGS_DRV_MODE.
     * @return the link fd; closing it (or the process dying) detaches the program.
     */
    public static int createXdpLink(final int progFd, final int ifindex, final String ifName, final int flags)
    {
        final UnsafeBuffer attr = OffHeap.allocate(BpfAttr.SIZE);
        attr.putInt(BpfAttr.LinkCreate.PROG_FD, progFd);
        attr.putInt(BpfAttr.LinkCreate.TARGET_IFINDEX, ifindex);
        attr.putInt(BpfAttr.LinkCreate.ATTACH_TYPE, BpfConstants.BPF_XDP);
        attr.putInt(BpfAttr.LinkCreate.FLAGS, flags);
        final long fd = bpf(BPF_LINK_CREATE, attr);
        if (fd < 0)
        {
            final int errno = Native.errno();
            final String mode = flags == BpfConstants.XDP_FLAGS_DRV_MODE ? "drv" : "skb";
            final String fix;
            if (errno == Errno.EBUSY || errno == Errno.EEXIST)
            {
                fix = ifName + " already has an XDP program attached (another synack, or a leftover): detach it " +
                    "with `ip link set dev " + ifName + " xdp off` (or `xdpgeneric off`)";
            }
            else if (errno == Errno.EOPNOTSUPP || errno == Errno.EINVAL)
            {
                fix = "the driver of " + ifName + " cannot attach XDP in " + mode + " mode: use generic (skb) mode";
            }
            else
            {
                fix = null;
            }
            throw Native.fail("bpf(BPF_LINK_CREATE, prog_fd=" + progFd + ", ifindex=" + ifindex + " (" + ifName +
                "), attach_type=BPF_XDP, flags=" + mode + ")", errno, fix);
        }
        return (int)fd;
    }

    /**
     * BPF_MAP_UPDATE_ELEM with a u32 key and a u32 value.
     *
     * @param mapFd the map.
     * @param key   the key (a queue id).
     * @param value the value (an AF_XDP socket fd).
     */
    public static void updateElem(final int mapFd, final int key, final int value)
    {
        final UnsafeBuffer attr = OffHeap.allocate(BpfAttr.SIZE + 16);
        final int keyAt = BpfAttr.SIZE;
        final int valueAt = BpfAttr.SIZE + 8;
        attr.putInt(keyAt, key);
        attr.putInt(valueAt, value);
        attr.putInt(BpfAttr.MapElem.MAP_FD, mapFd);
        attr.putLong(BpfAttr.MapElem.KEY, attr.addressOffset() + keyAt);
        attr.putLong(BpfAttr.MapElem.VALUE, attr.addressOffset() + valueAt);
        attr.putLong(BpfAttr.MapElem.FLAGS, BpfConstants.BPF_ANY);
        if (bpf(BPF_MAP_UPDATE_ELEM, attr) < 0)
        {
            throw Native.fail("bpf(BPF_MAP_UPDATE_ELEM, map_fd=" + mapFd + ", key=" + key + ", value=" + value + ")",
                null);
        }
    }

    /**
     * BPF_MAP_DELETE_ELEM with a u32 key; a missing key is not an error.
     *
     * @param mapFd the map.
     * @param key   the key.
     */
    public static void deleteElem(final int mapFd, final int key)
    {
        final UnsafeBuffer attr = OffHeap.allocate(BpfAttr.SIZE + 8);
        attr.putInt(BpfAttr.SIZE, key);
        attr.putInt(BpfAttr.MapElem.MAP_FD, mapFd);
        attr.putLong(BpfAttr.MapElem.KEY, attr.addressOffset() + BpfAttr.SIZE);
        if (bpf(BPF_MAP_DELETE_ELEM, attr) < 0 && Native.errno() != Errno.ENOENT)
        {
            throw Native.fail("bpf(BPF_MAP_DELETE_ELEM, map_fd=" + mapFd + ", key=" + key + ")", null);
        }
    }

    private static long bpf(final int cmd, final UnsafeBuffer attr)
    {
        final long result = Native.LIBC.syscall(SYS_BPF, cmd, attr.addressOffset(), BpfAttr.SIZE, 0, 0, 0);
        java.lang.ref.Reference.reachabilityFence(attr);
        return result;
    }

    private static void putName(final UnsafeBuffer attr, final int at, final String name)
    {
        final int length = Math.min(name.length(), OBJ_NAME_LEN - 1);
        for (int i = 0; i < length; i++)
        {
            final char c = name.charAt(i);
            // the kernel accepts only [A-Za-z0-9_.] in object names
            attr.putByte(at + i, (byte)(Character.isLetterOrDigit(c) || c == '.' ? c : '_'));
        }
    }
}
