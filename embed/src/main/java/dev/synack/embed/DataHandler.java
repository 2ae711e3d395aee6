package dev.synack.embed;

import org.agrona.DirectBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.tcp.TcpConnection;

/**
 * A {@link TcpHandler} reduced to one method, so a request/response service is a lambda:
 * {@code stack.listen(7, (connection, buffer, offset, length) -> connection.send(buffer, offset, length))}.
 * <p>
 * {@link #onReceive} returns the bytes it consumed; the rest stays in the stack (the receive window closes as more
 * arrives) and comes again, first, once the connection is writable — backpressure without a byte lost. When the
 * peer closes its side, this side closes too (after what was queued), the usual end of a request/response
 * connection. For anything else implement {@link TcpHandler}.
 * <p>
 * Called on the stack thread only. A lambda that captures nothing is one object for every connection; the defaults
 * allocate nothing.
 */
@FunctionalInterface
public interface DataHandler extends TcpHandler
{
    /**
     * In-order bytes arrived. The buffer is valid only during the call.
     *
     * @param connection the connection.
     * @param buffer the bytes.
     * @param offset where they start.
     * @param length how many.
     * @return how many were consumed (a negative value counts as none); the rest is delivered again later.
     */
    int onReceive(TcpConnection connection, DirectBuffer buffer, int offset, int length);

    @Override
    default void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final int consumed = Math.max(0, onReceive(connection, buffer, offset, length));
        if (consumed < length)
        {
            connection.keepUnread(length - consumed);
        }
    }

    @Override
    default void onWritable(final TcpConnection connection)
    {
        // what was kept waited for room to answer it: deliver it again now
        connection.resumeReading();
    }

    @Override
    default void onPeerClosed(final TcpConnection connection)
    {
        connection.close();
    }

    @Override
    default void onOpen(final TcpConnection connection)
    {
    }

    @Override
    default void onClosed(final TcpConnection connection, final CloseReason reason)
    {
    }
}
