package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/**
 * RFC 7323 §5.4's timestamp offset is one per host pair: the one-entry cache of the last pair must give each pair
 * its own offset however calls interleave, the same that a fresh generator computes.
 */
class IsnGeneratorTest
{
    private static final long SECRET = 0x1234_5678_9ABC_DEF0L;
    private static final int LOCAL = 0xC612_0001;
    private static final int PEER_A = 0xC612_0002;
    private static final int PEER_B = 0xC612_0003;

    @Test
    void theTimestampOffsetIsOnePerHostPairWhicheverPairCameLast()
    {
        final IsnGenerator isn = new IsnGenerator(SECRET);
        final int a = new IsnGenerator(SECRET).tsOffset(LOCAL, PEER_A);
        final int b = new IsnGenerator(SECRET).tsOffset(LOCAL, PEER_B);
        assertNotEquals(a, b, "two host pairs, two secret offsets");
        for (int i = 0; i < 4; i++)
        {
            assertEquals(a, isn.tsOffset(LOCAL, PEER_A));
            assertEquals(a, isn.tsOffset(LOCAL, PEER_A));
            assertEquals(b, isn.tsOffset(LOCAL, PEER_B));
        }
        assertNotEquals(a, new IsnGenerator(SECRET + 1).tsOffset(LOCAL, PEER_A), "the offset depends on the secret");
    }
}
