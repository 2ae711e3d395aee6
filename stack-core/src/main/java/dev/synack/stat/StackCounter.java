package dev.synack.stat;

/**
 * The stack's counters other than drops (those are {@link DropReason}s). Each is one Agrona counter in
 * the counters file that {@code synack stat} reads live from another process.
 */
public enum StackCounter
{
    /** Frames read from the rx ring. */
    FRAMES_IN("frames in"),
    /** Frames committed to the tx ring. */
    FRAMES_OUT("frames out"),
    /** Frames dropped, whatever the reason (the sum of the drop counters). */
    FRAMES_DROPPED("frames dropped"),
    /** ARP requests for our address answered. */
    ARP_REPLIES_SENT("ARP replies sent"),
    /** ARP requests we sent to resolve a next hop. */
    ARP_REQUESTS_SENT("ARP requests sent"),
    /** ARP replies (and requests) that taught us a neighbour. */
    ARP_LEARNED("ARP neighbours learned"),
    /** Neighbour resolutions that gave up after the retry limit. */
    ARP_FAILED("ARP resolutions failed"),
    /** IPv4 fragments taken for reassembly. */
    IP_FRAGMENTS_IN("IPv4 fragments in"),
    /** IPv4 datagrams reassembled whole and delivered. */
    IP_DATAGRAMS_REASSEMBLED("IPv4 datagrams reassembled"),
    /** ICMP echo requests answered. */
    ICMP_ECHO_REPLIES_SENT("ICMP echo replies sent"),
    /** ICMP echo requests we sent (ping). */
    ICMP_ECHO_REQUESTS_SENT("ICMP echo requests sent"),
    /** ICMP echo replies received for our pings. */
    ICMP_ECHO_REPLIES_RECEIVED("ICMP echo replies received"),
    /** ICMP Time Exceeded sent for datagrams not reassembled in time (RFC 792 code 1). */
    ICMP_TIME_EXCEEDED_SENT("ICMP time exceeded sent"),
    /** TCP segments accepted by validation. */
    TCP_SEGMENTS_IN("TCP segments in"),
    /** TCP segments sent. */
    TCP_SEGMENTS_OUT("TCP segments out"),
    /** TCP segments retransmitted (RTO, fast retransmit, SYN/FIN retries). */
    TCP_RETRANSMITS("TCP retransmits"),
    /** Duplicate segments reported to the peer as the first SACK block of an ACK (RFC 2883 D-SACK). */
    TCP_DSACKS_SENT("TCP D-SACKs sent"),
    /** Duplicate ACKs for out-of-order segments merged into the batch's one ACK (beyond the first three, as Linux). */
    TCP_DUP_ACKS_COMPRESSED("TCP duplicate ACKs compressed"),
    /** ACKs from the peer whose first SACK block reported a duplicate segment (RFC 2883 D-SACK, RFC 3708). */
    TCP_DSACKS_RECEIVED("TCP D-SACKs received"),
    /** Loss recoveries whose every retransmission the peer reported by D-SACK as a duplicate (RFC 3708 §3). */
    TCP_SPURIOUS_RETRANSMITS("TCP spurious retransmissions detected"),
    /** New segments sent beyond cwnd on a duplicate ACK before fast retransmit (RFC 3042 Limited Transmit). */
    TCP_LIMITED_TRANSMITS("TCP segments sent by Limited Transmit"),
    /** Receive windows grown by auto-tuning: the application read more in a round trip than the window held. */
    TCP_RCV_WINDOW_GROWN("TCP receive windows grown"),
    /** Windows held back because the receive page pool could not reserve the pages they would span. */
    TCP_RCV_POOL_REFUSED("TCP receive windows held back: page pool exhausted"),
    /** Connections whose MSS an ICMP fragmentation-needed lowered (RFC 1191). */
    TCP_PMTU_REDUCTIONS("TCP MSS lowered by path MTU"),
    /** RST segments sent. */
    TCP_RESETS_SENT("TCP RSTs sent"),
    /** RST segments accepted (connection reset by peer). */
    TCP_RESETS_RECEIVED("TCP RSTs accepted"),
    /** Challenge ACKs sent (RFC 5961). */
    TCP_CHALLENGE_ACKS("TCP challenge ACKs sent"),
    /** Passive SYN-RECEIVED embryos returned to LISTEN by a new SYN in their window (RFC 9293 §3.10.7.4). */
    TCP_SYN_IN_SYN_RECEIVED("TCP SYN-RECEIVED returned to LISTEN by a SYN"),
    /** Challenge ACKs not sent because the per-second limit was reached (RFC 5961 §7). */
    TCP_CHALLENGE_ACKS_SUPPRESSED("TCP challenge ACKs over the limit"),
    /** ACKs not sent in answer to invalid segments (out of window, PAWS, unsent ACK) within invalidAckInterval. */
    TCP_INVALID_ACKS_SUPPRESSED("TCP ACKs to invalid segments over the limit"),
    /** Connections opened actively (connect). */
    TCP_ACTIVE_OPENS("TCP active opens"),
    /** Connections opened passively (accepted from a listener). */
    TCP_PASSIVE_OPENS("TCP passive opens"),
    /** Connections that reached ESTABLISHED. */
    TCP_ESTABLISHED("TCP connections established"),
    /** Connections that ended (any reason). */
    TCP_CLOSED("TCP connections closed"),
    /** Connections aborted after the retransmission limit. */
    TCP_TIMEOUTS("TCP connections timed out"),
    /** Connections reset after dataRetries zero-window probes went unanswered (Linux: tcp_retries2). */
    TCP_ZERO_WINDOW_TIMEOUTS("TCP connections timed out probing a zero window"),
    /** Connections reset after finWait2Timeout in FIN-WAIT-2 without a segment from the peer. */
    TCP_FIN_WAIT_2_TIMEOUTS("TCP connections timed out in FIN-WAIT-2"),
    /** Connections reset after their keep-alive probes went unanswered (RFC 9293 §3.8.4). */
    TCP_KEEPALIVE_TIMEOUTS("TCP connections timed out by keep-alive"),
    /** Keep-alive probes sent (RFC 9293 §3.8.4). */
    TCP_KEEPALIVE_PROBES("TCP keep-alive probes sent"),
    /** SYNs refused because the connection table or a backlog was full. */
    TCP_TABLE_FULL("TCP SYNs refused: table or backlog full"),
    /** SYNs answered with a SYN cookie because the listener's backlog or the table was full (RFC 4987 §3.6). */
    TCP_SYN_COOKIES_SENT("TCP SYN cookies sent"),
    /** ACKs to a listener that carried a valid SYN cookie: connections opened without a SYN-RECEIVED entry. */
    TCP_SYN_COOKIES_ACCEPTED("TCP SYN cookies accepted"),
    /** ACKs to a listener checked as SYN cookies and found invalid (forged, stale or mangled): answered with RST. */
    TCP_SYN_COOKIES_REJECTED("TCP SYN cookies rejected"),
    /** TIME-WAIT connections ended before 2MSL to make room for a new connection in a full table. */
    TCP_TIME_WAIT_EVICTED("TCP TIME-WAITs evicted for room"),
    /** Connections currently in use (all states but CLOSED). */
    TCP_CONNECTIONS("TCP connections now"),
    /** Connections currently in TIME-WAIT. */
    TCP_TIME_WAIT("TCP connections in TIME-WAIT now");

    private final String label;

    StackCounter(final String label)
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
