package dev.synack.tcp;

import dev.synack.api.TcpHandler;

/**
 * A passive OPEN on one local port: the LISTEN state of RFC 9293, which needs no connection slot.
 * Counts its connections still in SYN-RECEIVED against the backlog. Stack thread only.
 */
final class Listener
{
    /** SYN-ACK retransmissions an embryonic connection gets while the backlog is more than half full. */
    static final int PRESSURE_SYN_ACK_RETRIES = 2;

    final int port;
    final TcpHandler handler;
    final int backlog;
    int embryonic;
    /** Whether, and when last, a full backlog answered a SYN with a cookie ({@link CookieHandshake}). */
    boolean cookieSent;
    long lastCookieNs;

    Listener(final int port, final TcpHandler handler, final int backlog)
    {
        this.port = port;
        this.handler = handler;
        this.backlog = backlog;
    }

    /**
     * The idea of Linux's reqsk_timer_handler: with more than half the backlog in SYN-RECEIVED, entries are most
     * likely a flood's, whose SYN-ACKs nobody answers; a new one then gives up after 2 retransmissions (7 s at a 1 s
     * initial RTO) instead of synRetries (127 s for 6), so room comes back for clients that do answer. Asked again
     * each time an entry's SYN-ACK timer fires: an entry made while the backlog was calm loses its extra retries
     * once the backlog fills, and gets them back once it drains.
     *
     * @param synRetries the configured limit.
     * @return SYN-ACK retransmissions for an entry counted in {@link #embryonic}.
     */
    int synAckRetries(final int synRetries)
    {
        return 2 * embryonic > backlog ? Math.min(synRetries, PRESSURE_SYN_ACK_RETRIES) : synRetries;
    }
}
