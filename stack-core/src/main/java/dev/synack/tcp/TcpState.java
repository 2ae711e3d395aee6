package dev.synack.tcp;

/**
 * The eleven connection states of RFC 9293 §3.3.2, printed as the RFC prints them.
 */
public enum TcpState
{
    /** No connection; the slot is free. */
    CLOSED("CLOSED"),
    /** Waiting for a connection request (listeners only: connections never hold it). */
    LISTEN("LISTEN"),
    /** SYN sent, waiting for a matching SYN. */
    SYN_SENT("SYN-SENT"),
    /** SYN received and SYN sent, waiting for the ACK of our SYN. */
    SYN_RECEIVED("SYN-RECEIVED"),
    /** Open: data flows both ways. */
    ESTABLISHED("ESTABLISHED"),
    /** Our FIN sent, not yet acknowledged. */
    FIN_WAIT_1("FIN-WAIT-1"),
    /** Our FIN acknowledged, waiting for the peer's FIN. */
    FIN_WAIT_2("FIN-WAIT-2"),
    /** Peer's FIN received, waiting for our application to close. */
    CLOSE_WAIT("CLOSE-WAIT"),
    /** Both FINs sent (simultaneous close), waiting for the ACK of ours. */
    CLOSING("CLOSING"),
    /** Peer closed first, our FIN sent, waiting for its ACK. */
    LAST_ACK("LAST-ACK"),
    /** Waiting 2MSL so old duplicates die and the peer's FIN retransmissions are answered. */
    TIME_WAIT("TIME-WAIT");

    private static final TcpState[] VALUES = values();
    private final String rfcName;

    TcpState(final String rfcName)
    {
        this.rfcName = rfcName;
    }

    /**
     * @param ordinal an ordinal.
     * @return the state, without allocating a values() array.
     */
    public static TcpState of(final int ordinal)
    {
        return VALUES[ordinal];
    }

    /** @return whether the handshake has completed (RFC 9293 "synchronized" states). */
    public boolean isSynchronized()
    {
        return ordinal() >= ESTABLISHED.ordinal();
    }

    @Override
    public String toString()
    {
        return rfcName;
    }
}
