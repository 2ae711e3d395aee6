package dev.synack.api;

/**
 * Why a connection ended, as told to {@link TcpHandler#onClosed}.
 */
public enum CloseReason
{
    /** Both sides closed and every byte was acknowledged (TIME-WAIT entered, or LAST-ACK completed). */
    NORMAL,
    /** The peer reset the connection (RST accepted in a synchronized state). */
    RESET,
    /** The peer refused the connection (RST in reply to our SYN). */
    REFUSED,
    /** Retransmissions reached the retry limit: the peer is unreachable or gone. */
    TIMEOUT,
    /** The application aborted it (RST sent). */
    ABORTED,
    /** The application closed it before it was established (SYN-SENT). */
    CANCELLED
}
