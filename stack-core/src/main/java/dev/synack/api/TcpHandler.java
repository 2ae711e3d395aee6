package dev.synack.api;

import org.agrona.DirectBuffer;

import dev.synack.tcp.TcpConnection;

/**
 * What an application is told about its connections. Every callback runs on the stack thread, must not
 * block, and may call back into the connection (send, shutdownOutput, close, abort).
 * <p>
 * The {@link TcpConnection} passed in is a preallocated, reused object: keep its {@link TcpConnection#handle()}
 * (a {@code long}) to find it again, never the object itself, because the slot is reused after the
 * connection ends.
 */
public interface TcpHandler
{
    /**
     * The connection reached ESTABLISHED (active or passive open).
     *
     * @param connection the connection.
     */
    void onOpen(TcpConnection connection);

    /**
     * In-order bytes arrived. The buffer is only valid during the call: copy what you keep.
     *
     * @param connection the connection.
     * @param buffer the bytes.
     * @param offset where they start.
     * @param length how many.
     */
    void onData(TcpConnection connection, DirectBuffer buffer, int offset, int length);

    /**
     * The send buffer has room again after a {@code send} accepted fewer bytes than offered.
     *
     * @param connection the connection.
     */
    default void onWritable(final TcpConnection connection)
    {
    }

    /**
     * The peer sent FIN: no more data will arrive; sending is still allowed (half-close).
     *
     * @param connection the connection.
     */
    default void onPeerClosed(final TcpConnection connection)
    {
    }

    /**
     * The connection ended; its handle is no longer valid.
     *
     * @param connection the connection (for its handle and addresses; no further calls).
     * @param reason why.
     */
    void onClosed(TcpConnection connection, CloseReason reason);
}
