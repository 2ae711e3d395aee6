package dev.synack.channel;

import java.util.concurrent.atomic.AtomicLong;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.api.CloseReason;

/**
 * An application's end of the channel to a stack: commands go into the stack's shared command ring (an Agrona
 * {@code ManyToOneRingBuffer}), events come back on this channel's own event ring (an Agrona
 * {@code OneToOneRingBuffer}), both encoded in place with no allocation. Made by
 * {@link ChannelAgent#newChannel}.
 * <p>
 * Who may call what: the command methods ({@link #listen}, {@link #unlisten}, {@link #connect}, {@link #send},
 * {@link #close}...) from any number of threads at once (the command ring is many-to-one); the commands of one
 * thread reach the stack in the order it wrote them, with no order between threads (send on one connection from one
 * thread).
 * {@link #poll} from one thread at a time only (the event ring has one reader). Every command method returns
 * false, and writes nothing, when the command ring is full: try again later (backpressure, never loss).
 * <p>
 * The stack answers a SEND only when it does not take it whole ({@link EventHandler#onSendPartial}); an
 * application that may overrun a connection's send buffer keeps its outgoing bytes until it knows where the
 * stack stands, and resends from the reported position after {@link #resumeSend}.
 */
public final class StackChannel
{
    private final RingBuffer commands;
    private final RingBuffer events;
    private final int channelId;
    private final int maxSendLength;
    private final AtomicLong oversizedSends = new AtomicLong();
    private final AtomicLong refusedCommands = new AtomicLong();
    private final Dispatcher dispatcher = new Dispatcher();

    StackChannel(final RingBuffer commands, final RingBuffer events, final int channelId)
    {
        this.commands = commands;
        this.events = events;
        this.channelId = channelId;
        this.maxSendLength = commands.maxMsgLength() - ChannelCommands.DATA_OFFSET;
    }

    /** @return this channel's id, carried in every command it writes. */
    public int id()
    {
        return channelId;
    }

    /** @return the most bytes one {@link #send} may carry (an eighth of the command ring, less a header). */
    public int maxSendLength()
    {
        return maxSendLength;
    }

    /** @return sends refused for carrying more than {@link #maxSendLength()}. */
    public long oversizedSends()
    {
        return oversizedSends.get();
    }

    /** @return commands refused because the command ring was full. */
    public long refusedCommands()
    {
        return refusedCommands.get();
    }

    /**
     * Passive open; answered by {@link EventHandler#onListening} or {@link EventHandler#onListenFailed}, and each
     * connection accepted on it by {@link EventHandler#onOpened} with this correlation id.
     *
     * @param correlationId the caller's, echoed in the answer.
     * @param port the local port.
     * @return false when the command ring is full.
     */
    public boolean listen(final long correlationId, final int port)
    {
        final int index = claim(ChannelCommands.LISTEN, ChannelCommands.LISTEN_LENGTH);
        if (index < 0)
        {
            return false;
        }
        final AtomicBuffer buffer = commands.buffer();
        ChannelCommands.putHeader(buffer, index, channelId, correlationId);
        buffer.putInt(index + ChannelCommands.ARG1_OFFSET, port);
        commands.commit(index);
        return true;
    }

    /**
     * Stops a passive open this channel made: answered by {@link EventHandler#onUnlistened}, or by
     * {@link EventHandler#onError} with {@link ChannelError#NOT_LISTENING}, {@link ChannelError#NOT_OWNER} (another
     * channel's port) or {@link ChannelError#BAD_PORT}. Connections already accepted on the port are not touched;
     * one still in its handshake is reset when it completes, as a closed listening socket's would be.
     *
     * @param correlationId the caller's, echoed in the answer.
     * @param port the local port.
     * @return false when the command ring is full.
     */
    public boolean unlisten(final long correlationId, final int port)
    {
        final int index = claim(ChannelCommands.UNLISTEN, ChannelCommands.LISTEN_LENGTH);
        if (index < 0)
        {
            return false;
        }
        final AtomicBuffer buffer = commands.buffer();
        ChannelCommands.putHeader(buffer, index, channelId, correlationId);
        buffer.putInt(index + ChannelCommands.ARG1_OFFSET, port);
        commands.commit(index);
        return true;
    }

    /**
     * Active open; answered by {@link EventHandler#onOpened} or {@link EventHandler#onConnectFailed}.
     *
     * @param correlationId the caller's, echoed in the answer.
     * @param remoteIp the peer's address.
     * @param remotePort its port.
     * @return false when the command ring is full.
     */
    public boolean connect(final long correlationId, final int remoteIp, final int remotePort)
    {
        final int index = claim(ChannelCommands.CONNECT, ChannelCommands.CONNECT_LENGTH);
        if (index < 0)
        {
            return false;
        }
        final AtomicBuffer buffer = commands.buffer();
        ChannelCommands.putHeader(buffer, index, channelId, correlationId);
        buffer.putInt(index + ChannelCommands.ARG1_OFFSET, remoteIp);
        buffer.putInt(index + ChannelCommands.ARG2_OFFSET, remotePort);
        commands.commit(index);
        return true;
    }

    /**
     * Queues bytes on a connection: copied once into the command ring, once more into the connection's send
     * buffer on the stack thread. Answered only when not taken whole ({@link EventHandler#onSendPartial}) or
     * not at all ({@link EventHandler#onError}: unknown handle, or the connection can no longer send).
     *
     * @param handle the connection.
     * @param buffer the bytes.
     * @param offset where they start.
     * @param length how many, at most {@link #maxSendLength()}.
     * @return false when the command ring is full, or when {@code length} is negative or more than
     *     {@link #maxSendLength()} (counted in {@link #oversizedSends()}; nothing is written).
     */
    public boolean send(final long handle, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < 0 || length > maxSendLength)
        {
            oversizedSends.incrementAndGet();
            return false;
        }
        final int index = claim(ChannelCommands.SEND, ChannelCommands.DATA_OFFSET + length);
        if (index < 0)
        {
            return false;
        }
        final AtomicBuffer ring = commands.buffer();
        ChannelCommands.putHeader(ring, index, channelId, handle);
        ring.putBytes(index + ChannelCommands.DATA_OFFSET, buffer, offset, length);
        commands.commit(index);
        return true;
    }

    /**
     * Half-close: FIN after the queued bytes; receiving goes on until {@link EventHandler#onPeerClosed}.
     *
     * @param handle the connection.
     * @return false when the command ring is full.
     */
    public boolean shutdownOutput(final long handle)
    {
        return handleCommand(ChannelCommands.SHUTDOWN_OUTPUT, handle);
    }

    /**
     * CLOSE (RFC 9293 §3.10.4): FIN after the queued bytes; data still arrives until the peer's FIN;
     * {@link EventHandler#onClosed} when both sides are done (or {@link EventHandler#onConnectFailed} with
     * CANCELLED before ESTABLISHED).
     *
     * @param handle the connection.
     * @return false when the command ring is full.
     */
    public boolean close(final long handle)
    {
        return handleCommand(ChannelCommands.CLOSE, handle);
    }

    /**
     * ABORT (RFC 9293 §3.10.5): RST, queued bytes dropped; {@link EventHandler#onClosed} with ABORTED follows.
     *
     * @param handle the connection.
     * @return false when the command ring is full.
     */
    public boolean abort(final long handle)
    {
        return handleCommand(ChannelCommands.ABORT, handle);
    }

    /**
     * Ends the refusal of sends that followed an {@link EventHandler#onSendPartial}: the next SEND on this
     * connection continues the stream at the position that event reported.
     *
     * @param handle the connection.
     * @return false when the command ring is full.
     */
    public boolean resumeSend(final long handle)
    {
        return handleCommand(ChannelCommands.RESUME_SEND, handle);
    }

    /**
     * Reads events and hands each to the handler. One thread at a time.
     *
     * @param handler told of each event.
     * @param limit the most events to read.
     * @return events read.
     */
    public int poll(final EventHandler handler, final int limit)
    {
        dispatcher.handler = handler;
        try
        {
            return events.read(dispatcher, limit);
        }
        finally
        {
            dispatcher.handler = null;
        }
    }

    private boolean handleCommand(final int type, final long handle)
    {
        final int index = claim(type, ChannelCommands.HANDLE_LENGTH);
        if (index < 0)
        {
            return false;
        }
        ChannelCommands.putHeader(commands.buffer(), index, channelId, handle);
        commands.commit(index);
        return true;
    }

    private int claim(final int type, final int length)
    {
        final int index = commands.tryClaim(type, length);
        if (index < 0)
        {
            refusedCommands.incrementAndGet();
        }
        return index;
    }

    /** Decodes one event in place and calls the handler; preallocated, no capture. */
    private static final class Dispatcher implements MessageHandler
    {
        private static final CloseReason[] REASONS = CloseReason.values();

        EventHandler handler;

        @Override
        public void onMessage(final int type, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final EventHandler h = handler;
            final long id = buffer.getLong(index + ChannelEvents.ID_OFFSET);
            switch (type)
            {
                case ChannelEvents.DATA:
                    h.onData(id, buffer, index + ChannelEvents.DATA_OFFSET, length - ChannelEvents.DATA_OFFSET);
                    break;
                case ChannelEvents.LISTENING:
                    h.onListening(id, buffer.getInt(index + ChannelEvents.INT8_OFFSET));
                    break;
                case ChannelEvents.LISTEN_FAILED:
                    h.onListenFailed(id, buffer.getInt(index + ChannelEvents.INT8_OFFSET),
                        ChannelError.of(buffer.getInt(index + ChannelEvents.INT12_OFFSET)));
                    break;
                case ChannelEvents.OPENED:
                    h.onOpened(id, buffer.getLong(index + ChannelEvents.ID2_OFFSET),
                        buffer.getInt(index + ChannelEvents.INT28_OFFSET) != 0,
                        buffer.getInt(index + ChannelEvents.INT16_OFFSET),
                        buffer.getInt(index + ChannelEvents.INT20_OFFSET),
                        buffer.getInt(index + ChannelEvents.INT24_OFFSET));
                    break;
                case ChannelEvents.CONNECT_FAILED:
                    h.onConnectFailed(id, reason(buffer.getInt(index + ChannelEvents.INT16_OFFSET)),
                        ChannelError.of(buffer.getInt(index + ChannelEvents.INT20_OFFSET)));
                    break;
                case ChannelEvents.WRITABLE:
                    h.onWritable(id);
                    break;
                case ChannelEvents.SEND_PARTIAL:
                    h.onSendPartial(id, buffer.getLong(index + ChannelEvents.ID2_OFFSET),
                        buffer.getInt(index + ChannelEvents.INT16_OFFSET),
                        buffer.getInt(index + ChannelEvents.INT20_OFFSET));
                    break;
                case ChannelEvents.PEER_CLOSED:
                    h.onPeerClosed(id);
                    break;
                case ChannelEvents.CLOSED:
                    h.onClosed(id, reason(buffer.getInt(index + ChannelEvents.INT8_OFFSET)));
                    break;
                case ChannelEvents.UNLISTENED:
                    h.onUnlistened(id, buffer.getInt(index + ChannelEvents.INT8_OFFSET));
                    break;
                case ChannelEvents.ERROR:
                    h.onError(id, buffer.getInt(index + ChannelEvents.INT8_OFFSET),
                        ChannelError.of(buffer.getInt(index + ChannelEvents.INT12_OFFSET)));
                    break;
                default:
                    break;
            }
        }

        private static CloseReason reason(final int ordinal)
        {
            return ordinal >= 0 && ordinal < REASONS.length ? REASONS[ordinal] : null;
        }
    }
}
