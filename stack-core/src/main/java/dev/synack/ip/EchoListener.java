package dev.synack.ip;

/**
 * Told of ICMP echo replies to our pings, on the stack thread. Must not block or keep references to
 * anything after returning.
 */
@FunctionalInterface
public interface EchoListener
{
    /** Listens to nothing. */
    EchoListener NONE = (source, identifier, sequence, dataLength) -> {};

    /**
     * @param source who replied.
     * @param identifier echo identifier.
     * @param sequence echo sequence number.
     * @param dataLength bytes of echo data.
     */
    void onEchoReply(int source, int identifier, int sequence, int dataLength);
}
