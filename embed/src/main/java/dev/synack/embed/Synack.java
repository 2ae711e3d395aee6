package dev.synack.embed;

/**
 * Where embedding synack starts: {@code Synack.builder().device("eth1").address("198.18.0.1/24").start()} gives a
 * running {@link SynackStack} on queue 0 of eth1; see {@link SynackBuilder} for every option and
 * {@code docs/embedding.md} for a complete service and client.
 */
public final class Synack
{
    private Synack()
    {
    }

    /** @return a builder with every default; set at least where (device or memory wire) and the address. */
    public static SynackBuilder builder()
    {
        return new SynackBuilder();
    }
}
