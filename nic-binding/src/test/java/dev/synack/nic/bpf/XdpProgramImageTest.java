package dev.synack.nic.bpf;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The emitted program is byte for byte the one AF_XDP.md records the kernel accepting.
 */
class XdpProgramImageTest
{
    @Test
    void emitsTheSixInstructionsWithTheMapFdPatchedIn()
    {
        final UnsafeBuffer insns = XdpProgramImage.emit(0x1234);
        final String expected =
            "6112100000000000" +
            "1811000034120000" +
            "0000000000000000" +
            "b703000002000000" +
            "8500000033000000" +
            "9500000000000000";
        final StringBuilder actual = new StringBuilder();
        for (int i = 0; i < XdpProgramImage.INSN_COUNT * XdpProgramImage.INSN_SIZE; i++)
        {
            actual.append(String.format("%02x", insns.getByte(i) & 0xFF));
        }
        assertEquals(expected, actual.toString());
    }
}
