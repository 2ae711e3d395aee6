package dev.synack.channel;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Layout of the commands application threads write into the command ring (an Agrona
 * {@code ManyToOneRingBuffer}): the ring's message type is the command, and every body starts with the
 * writer's channel id. Static {@code (buffer, offset)} accessors over the ring's own buffer: written in place
 * between {@code tryClaim} and {@code commit}, read in place by {@link ChannelAgent}. Little-endian (Agrona's
 * native order); both ends are in one process.
 * <pre>
 *   0       4       8               16              24
 *   |channel| pad   | correlation id / handle       | ...
 *   LISTEN           correlationId   port
 *   UNLISTEN         correlationId   port
 *   CONNECT          correlationId   remoteIp remotePort
 *   SEND             handle          bytes...
 *   SHUTDOWN_OUTPUT, CLOSE, ABORT, RESUME_SEND: handle
 * </pre>
 */
public final class ChannelCommands
{
    /** Passive open on a port; answered by LISTENING or LISTEN_FAILED. */
    public static final int LISTEN = 1;
    /** Active open; answered by OPENED or CONNECT_FAILED. */
    public static final int CONNECT = 2;
    /** Bytes to queue on a connection; answered only when not accepted whole (SEND_PARTIAL). */
    public static final int SEND = 3;
    /** Half-close: FIN after the queued bytes. */
    public static final int SHUTDOWN_OUTPUT = 4;
    /** CLOSE (RFC 9293 §3.10.4): FIN after the queued bytes; CLOSED follows when both sides are done. */
    public static final int CLOSE = 5;
    /** ABORT (RFC 9293 §3.10.5): RST, queued data dropped; CLOSED(ABORTED) follows at once. */
    public static final int ABORT = 6;
    /** Ends the refusal of sends that follows a SEND_PARTIAL. */
    public static final int RESUME_SEND = 7;
    /** Stops accepting on a port this channel listens on; answered by UNLISTENED or an ERROR. */
    public static final int UNLISTEN = 8;

    /** Offset of the writer's channel id, in every command. */
    public static final int CHANNEL_OFFSET = 0;
    /** Offset of the correlation id (LISTEN, CONNECT) or the handle (every other command). */
    public static final int ID_OFFSET = 8;
    /** Offset of the port (LISTEN, UNLISTEN) or remote IP (CONNECT). */
    public static final int ARG1_OFFSET = 16;
    /** Offset of the remote port (CONNECT). */
    public static final int ARG2_OFFSET = 20;
    /** Offset of the bytes of a SEND. */
    public static final int DATA_OFFSET = 16;

    /** Length of a command that carries only a handle. */
    public static final int HANDLE_LENGTH = 16;
    /** Length of LISTEN and UNLISTEN. */
    public static final int LISTEN_LENGTH = 20;
    /** Length of CONNECT. */
    public static final int CONNECT_LENGTH = 24;

    private ChannelCommands()
    {
    }

    /**
     * @param type a command type.
     * @return the least length a command of that type has, or -1 for an unknown type.
     */
    public static int minLength(final int type)
    {
        switch (type)
        {
            case LISTEN:
            case UNLISTEN:
                return LISTEN_LENGTH;
            case CONNECT:
                return CONNECT_LENGTH;
            case SEND:
                return DATA_OFFSET;
            case SHUTDOWN_OUTPUT:
            case CLOSE:
            case ABORT:
            case RESUME_SEND:
                return HANDLE_LENGTH;
            default:
                return -1;
        }
    }

    /**
     * @param type a command type.
     * @return its name, for messages.
     */
    public static String name(final int type)
    {
        switch (type)
        {
            case LISTEN:
                return "LISTEN";
            case CONNECT:
                return "CONNECT";
            case SEND:
                return "SEND";
            case SHUTDOWN_OUTPUT:
                return "SHUTDOWN_OUTPUT";
            case CLOSE:
                return "CLOSE";
            case ABORT:
                return "ABORT";
            case RESUME_SEND:
                return "RESUME_SEND";
            case UNLISTEN:
                return "UNLISTEN";
            default:
                return "UNKNOWN";
        }
    }

    /**
     * Writes the header every command starts with.
     *
     * @param buffer the ring's buffer.
     * @param offset where the claimed command starts.
     * @param channel the writer's channel id.
     * @param id the correlation id or handle.
     */
    public static void putHeader(final MutableDirectBuffer buffer, final int offset, final int channel, final long id)
    {
        buffer.putInt(offset + CHANNEL_OFFSET, channel);
        buffer.putInt(offset + CHANNEL_OFFSET + 4, 0);
        buffer.putLong(offset + ID_OFFSET, id);
    }

    /**
     * @param buffer the ring's buffer.
     * @param offset where the command starts.
     * @return the writer's channel id.
     */
    public static int channel(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + CHANNEL_OFFSET);
    }

    /**
     * @param buffer the ring's buffer.
     * @param offset where the command starts.
     * @return the correlation id or handle.
     */
    public static long id(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + ID_OFFSET);
    }

    /**
     * @param buffer the ring's buffer.
     * @param offset where the command starts.
     * @return the port (LISTEN, UNLISTEN) or remote IP (CONNECT).
     */
    public static int arg1(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + ARG1_OFFSET);
    }

    /**
     * @param buffer the ring's buffer.
     * @param offset where the command starts.
     * @return the remote port (CONNECT).
     */
    public static int arg2(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + ARG2_OFFSET);
    }
}
