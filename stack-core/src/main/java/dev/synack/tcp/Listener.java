package dev.synack.tcp;

import dev.synack.api.TcpHandler;

/**
 * A passive OPEN on one local port: the LISTEN state of RFC 9293, which needs no connection slot.
 * Counts its connections still in SYN-RECEIVED against the backlog. Stack thread only.
 */
final class Listener
{
    final int port;
    final TcpHandler handler;
    final int backlog;
    int embryonic;

    Listener(final int port, final TcpHandler handler, final int backlog)
    {
        this.port = port;
        this.handler = handler;
        this.backlog = backlog;
    }
}
