package dev.synack.channel;

import org.agrona.DirectBuffer;

import dev.synack.api.CloseReason;

/**
 * What an application is told through its channel, one method per event, called from
 * {@link StackChannel#poll} on the polling thread, in the order the stack produced the events. Events of one
 * connection always come in the order OPENED, DATA..., PEER_CLOSED, CLOSED (WRITABLE and SEND_PARTIAL in
 * between). Implementations should not block; they may call back into the channel (send, close...).
 */
public interface EventHandler
{
    /**
     * A LISTEN succeeded.
     *
     * @param correlationId the LISTEN's.
     * @param port the port now listening.
     */
    default void onListening(final long correlationId, final int port)
    {
    }

    /**
     * A LISTEN failed.
     *
     * @param correlationId the LISTEN's.
     * @param port the port asked for.
     * @param error {@link ChannelError#BAD_PORT} or {@link ChannelError#ALREADY_LISTENING}.
     */
    default void onListenFailed(final long correlationId, final int port, final ChannelError error)
    {
    }

    /**
     * An UNLISTEN succeeded: no new connection is accepted on the port; those already open go on.
     *
     * @param correlationId the UNLISTEN's.
     * @param port the port no longer listening.
     */
    default void onUnlistened(final long correlationId, final int port)
    {
    }

    /**
     * A connection is ESTABLISHED.
     *
     * @param handle what commands name it by from now on.
     * @param correlationId the CONNECT's (active open) or the LISTEN's (passive open).
     * @param passive whether it was accepted on a listening port.
     * @param remoteIp the peer's address.
     * @param remotePort the peer's port.
     * @param localPort our port.
     */
    void onOpened(long handle, long correlationId, boolean passive, int remoteIp, int remotePort, int localPort);

    /**
     * A CONNECT did not reach ESTABLISHED.
     *
     * @param correlationId the CONNECT's.
     * @param reason {@link CloseReason#REFUSED}, {@link CloseReason#TIMEOUT}, {@link CloseReason#CANCELLED},
     *     {@link CloseReason#ABORTED} or {@link CloseReason#RESET}; null when the stack never started it.
     * @param error {@link ChannelError#NONE}, or why it never started ({@link ChannelError#TABLE_FULL},
     *     {@link ChannelError#BAD_PORT}).
     */
    default void onConnectFailed(final long correlationId, final CloseReason reason, final ChannelError error)
    {
    }

    /**
     * In-order bytes arrived. The buffer is the event ring's: valid only during the call.
     *
     * @param handle the connection.
     * @param buffer the bytes.
     * @param offset where they start.
     * @param length how many.
     */
    void onData(long handle, DirectBuffer buffer, int offset, int length);

    /**
     * The send buffer has room again after a SEND_PARTIAL.
     *
     * @param handle the connection.
     */
    default void onWritable(final long handle)
    {
    }

    /**
     * A SEND was not accepted whole. Every byte before {@code position} of the connection's outgoing stream is
     * in the stack, none after: the rest of this SEND, and every later SEND on the connection, is dropped whole
     * and silently (those were written before the application could know; counted by the agent) until the
     * application sends {@link StackChannel#resumeSend}. {@link #onWritable} follows when there is room; the
     * usual answer is: on WRITABLE, RESUME_SEND, then send again from {@code position}. Only a SEND after the
     * latest RESUME_SEND can cause this event, so each one is unambiguous.
     *
     * @param handle the connection.
     * @param position bytes of the outgoing stream the stack holds (all sends ever accepted on it).
     * @param accepted bytes of this SEND that were taken.
     * @param requested bytes this SEND carried.
     */
    default void onSendPartial(final long handle, final long position, final int accepted, final int requested)
    {
    }

    /**
     * The peer sent FIN, after every byte before it was delivered: no more DATA will come; sending goes on.
     *
     * @param handle the connection.
     */
    default void onPeerClosed(final long handle)
    {
    }

    /**
     * The connection ended; its handle is no longer valid.
     *
     * @param handle the connection.
     * @param reason why.
     */
    void onClosed(long handle, CloseReason reason);

    /**
     * A command was not carried out.
     *
     * @param id the command's handle or correlation id.
     * @param commandType the command ({@link ChannelCommands}).
     * @param error why.
     */
    default void onError(final long id, final int commandType, final ChannelError error)
    {
    }
}
