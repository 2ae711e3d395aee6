package dev.synack.stat;

/**
 * Why an input frame was dropped. Every drop has exactly one reason and one counter; codecs return
 * {@link #NONE} when a frame passes. Enum constants, so reporting a reason never allocates.
 */
public enum DropReason
{
    /** Not a drop: the frame passed. */
    NONE("none"),
    /** Shorter than an Ethernet II header (zero-length and one-byte frames land here). */
    ETH_TRUNCATED("truncated Ethernet header"),
    /** Longer than the configured maximum frame. */
    ETH_OVERSIZED("oversized frame"),
    /** Destination MAC is neither ours nor broadcast. */
    ETH_NOT_FOR_US("Ethernet destination not ours"),
    /** EtherType other than IPv4 and ARP (IPv6, LLDP, VLAN tags, 802.3 length fields...). */
    ETH_UNSUPPORTED_TYPE("unsupported EtherType"),
    /** Shorter than an Ethernet/IPv4 ARP packet. */
    ARP_TRUNCATED("truncated ARP packet"),
    /** Hardware/protocol type or address lengths other than Ethernet/IPv4, or an unknown operation. */
    ARP_UNSUPPORTED("unsupported ARP packet"),
    /** An ARP request for an address that is not ours (gratuitous or for another host). */
    ARP_NOT_FOR_US("ARP target not ours"),
    /** Shorter than the 20-byte IPv4 header. */
    IP_TRUNCATED("truncated IPv4 header"),
    /** Version field other than 4. */
    IP_BAD_VERSION("bad IP version"),
    /** IHL below 5 or past the end of the frame. */
    IP_BAD_IHL("bad IPv4 IHL"),
    /** Total length below the header length or beyond the frame. */
    IP_BAD_TOTAL_LENGTH("bad IPv4 total length"),
    /** Header checksum does not verify. */
    IP_BAD_CHECKSUM("bad IPv4 header checksum"),
    /** MF set or a non-zero fragment offset while reassembly is off ({@code StackConfig.reassemblySlots(0)}). */
    IP_FRAGMENT("IPv4 fragment (reassembly off)"),
    /** A fragment that would end past 65,535 bytes of datagram. */
    IP_FRAGMENT_TOO_BIG("IPv4 fragment past 65535 bytes"),
    /** A fragment other than the last whose length is zero or not a multiple of 8. */
    IP_FRAGMENT_BAD_LENGTH("IPv4 fragment of bad length"),
    /** An exact copy of a fragment already held (the datagram is kept). */
    IP_FRAGMENT_DUPLICATE("duplicate IPv4 fragment"),
    /** A fragment overlapping one held, or disagreeing on the length: the whole datagram is discarded. */
    IP_FRAGMENT_OVERLAP("overlapping IPv4 fragment (datagram discarded)"),
    /** A datagram not complete within the reassembly timeout (counted once per datagram). */
    IP_REASSEMBLY_TIMEOUT("IPv4 reassembly timed out"),
    /** Destination address is not ours. */
    IP_NOT_FOR_US("IPv4 destination not ours"),
    /** Source is multicast, broadcast, unspecified, loopback or our own address (RFC 1122 §3.2.1.3). */
    IP_MARTIAN_SOURCE("martian IPv4 source"),
    /** Protocol other than ICMP and TCP. */
    IP_UNSUPPORTED_PROTOCOL("unsupported IP protocol"),
    /** Shorter than an ICMP echo header. */
    ICMP_TRUNCATED("truncated ICMP message"),
    /** ICMP checksum does not verify. */
    ICMP_BAD_CHECKSUM("bad ICMP checksum"),
    /** ICMP types synack does not act on. */
    ICMP_UNSUPPORTED_TYPE("unsupported ICMP type"),
    /** An ICMP error that quotes no TCP segment we sent (truncated, another protocol, another source). */
    ICMP_BAD_QUOTE("ICMP error quoting no segment of ours"),
    /** Fragmentation needed for no connection, or for a sequence number not in flight (RFC 5927 §4.1). */
    ICMP_PMTU_UNMATCHED("ICMP fragmentation needed for nothing in flight"),
    /** Shorter than the 20-byte TCP header. */
    TCP_TRUNCATED("truncated TCP header"),
    /** Data offset below 5 or past the IP payload. */
    TCP_BAD_DATA_OFFSET("bad TCP data offset"),
    /** TCP checksum (with pseudo-header) does not verify. */
    TCP_BAD_CHECKSUM("bad TCP checksum"),
    /** An option with length 0 or 1, running past the data offset, or a known option of the wrong size. */
    TCP_BAD_OPTIONS("bad TCP options"),
    /** Flag combinations no TCP sends (SYN+RST, SYN+FIN, no flags at all: scans and attacks). */
    TCP_BAD_FLAGS("bad TCP flag combination"),
    /** A segment that RFC 9293 says to drop silently (out of window, no ACK, ...). */
    TCP_UNACCEPTABLE("unacceptable TCP segment"),
    /** An old duplicate caught by its timestamp (RFC 7323 §5: PAWS), answered with an ACK. */
    TCP_PAWS("TCP segment with an old timestamp (PAWS)"),
    /** A segment without timestamps on a connection that negotiated them, dropped silently (RFC 7323 §3.2). */
    TCP_NO_TIMESTAMPS("TCP segment without timestamps where negotiated"),
    /** A segment for a closed port that carried RST: nothing to answer (RFC 9293 §3.10.7.1). */
    TCP_RST_TO_CLOSED("RST to a closed port"),
    /** A RST in TIME-WAIT, ignored with {@code StackConfig.rfc1337(true)} (RFC 1337). */
    TCP_RST_IN_TIME_WAIT("TCP RST in TIME-WAIT ignored (RFC 1337)"),
    /** Text or a FIN after the peer's FIN (CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT): ignored (RFC 9293 §3.10.7.4). */
    TCP_AFTER_FIN("TCP text or FIN after the peer's FIN"),
    /** The transmit ring had no room: a frame we meant to send was lost. */
    TX_RING_FULL("transmit ring full"),
    /** A frame waiting for ARP was replaced or its resolution failed. */
    NEIGHBOUR_UNRESOLVED("neighbour unresolved");

    private final String label;

    DropReason(final String label)
    {
        this.label = label;
    }

    /**
     * @return the human label, as printed by the counters reader.
     */
    public String label()
    {
        return label;
    }
}
