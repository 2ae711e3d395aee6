package dev.synack.ip;

import dev.synack.stat.DropReason;

/**
 * Told of an ICMP "fragmentation needed and DF set" (RFC 792 type 3 code 4) that quotes one of our TCP segments:
 * the transport lowers its segment size (RFC 1191 path MTU discovery). Called on the stack thread; must not
 * allocate.
 */
@FunctionalInterface
public interface PathMtuListener
{
    /** Ignores every report: fragments-needed messages are then counted as unsupported. */
    PathMtuListener NONE = (remoteIp, remotePort, localPort, sequence, nextHopMtu, now) ->
        DropReason.ICMP_UNSUPPORTED_TYPE;

    /**
     * @param remoteIp the quoted segment's destination: the peer.
     * @param remotePort the quoted destination port.
     * @param localPort the quoted source port: ours.
     * @param sequence the quoted sequence number.
     * @param nextHopMtu the MTU the router reported (0 from a pre-RFC 1191 router).
     * @param now the stack's clock.
     * @return why the report was ignored, or {@link DropReason#NONE} when it was taken.
     */
    DropReason onFragmentationNeeded(
        int remoteIp, int remotePort, int localPort, int sequence, int nextHopMtu, long now);
}
