package dev.synack.nic.bpf;

import dev.synack.nic.ffi.OffHeap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The XDP program, emitted as eBPF bytes from Java (no clang): redirect every frame to the AF_XDP socket
 * registered for its receive queue in an XSKMAP, or pass it to the kernel when that slot is empty.
 *
 * <p>Who calls it: {@link XskRedirectProgram} before {@code BPF_PROG_LOAD}. Thread-safety: stateless.
 * Caveat: instruction encoding is little-endian (x86_64): opcode u8, dst in the low nibble and src in the high
 * nibble of the second byte, off s16, imm s32.
 */
public final class XdpProgramImage
{
    /** Size of one eBPF instruction. */
    public static final int INSN_SIZE = 8;
    /** Instructions in the program (the ld_imm64 counts as two). */
    public static final int INSN_COUNT = 6;

    private static final int BPF_LDX_MEM_W = 0x61;
    private static final int BPF_LD_IMM64 = 0x18;
    private static final int BPF_MOV64_IMM = 0xb7;
    private static final int BPF_CALL = 0x85;
    private static final int BPF_EXIT = 0x95;
    private static final int BPF_PSEUDO_MAP_FD = 1;
    private static final int XDP_MD_RX_QUEUE_INDEX = 16;
    private static final int XDP_PASS = 2;
    private static final int FN_REDIRECT_MAP = 51;
    private static final int R1 = 1;
    private static final int R2 = 2;
    private static final int R3 = 3;

    private XdpProgramImage()
    {
    }

    /**
     * Emits the program for one XSKMAP.
     *
     * @param mapFd the XSKMAP's fd (patched into the ld_imm64; the kernel swaps it for the map's address).
     * @return off-heap bytes, {@link #INSN_COUNT} × {@link #INSN_SIZE} long.
     */
    public static UnsafeBuffer emit(final int mapFd)
    {
        final UnsafeBuffer insns = OffHeap.allocate(INSN_COUNT * INSN_SIZE);
        int i = 0;
        // r2 = ctx->rx_queue_index: the key, so each queue's frames go to that queue's socket
        i = insn(insns, i, BPF_LDX_MEM_W, R2, R1, XDP_MD_RX_QUEUE_INDEX, 0);
        // r1 = &map (two slots; src = BPF_PSEUDO_MAP_FD tells the verifier imm is a map fd)
        i = insn(insns, i, BPF_LD_IMM64, R1, BPF_PSEUDO_MAP_FD, 0, mapFd);
        i = insn(insns, i, 0, 0, 0, 0, 0);
        // r3 = XDP_PASS: what bpf_redirect_map returns when the queue has no socket, so the kernel keeps working
        i = insn(insns, i, BPF_MOV64_IMM, R3, 0, 0, XDP_PASS);
        i = insn(insns, i, BPF_CALL, 0, 0, 0, FN_REDIRECT_MAP);
        insn(insns, i, BPF_EXIT, 0, 0, 0, 0);
        return insns;
    }

    private static int insn(
        final UnsafeBuffer insns, final int index, final int opcode, final int dst, final int src, final int off,
        final int imm)
    {
        final int at = index * INSN_SIZE;
        insns.putByte(at, (byte)opcode);
        insns.putByte(at + 1, (byte)((src << 4) | (dst & 0xF)));
        insns.putShort(at + 2, (short)off, java.nio.ByteOrder.LITTLE_ENDIAN);
        insns.putInt(at + 4, imm, java.nio.ByteOrder.LITTLE_ENDIAN);
        return index + 1;
    }
}
