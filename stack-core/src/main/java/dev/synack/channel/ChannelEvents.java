package dev.synack.channel;

/**
 * Layout of the events the stack writes into a channel's event ring (an Agrona {@code OneToOneRingBuffer}):
 * the ring's message type is the event. Written in place by {@link ChannelAgent} between {@code tryClaim} and
 * {@code commit}, read in place by {@link StackChannel#poll}. Little-endian (Agrona's native order).
 * <pre>
 *   LISTENING       0: correlationId  8: port
 *   LISTEN_FAILED   0: correlationId  8: port  12: ChannelError
 *   OPENED          0: handle  8: correlationId  16: remoteIp  20: remotePort  24: localPort  28: passive (0/1)
 *   CONNECT_FAILED  0: correlationId  8: handle (-1 if none)  16: CloseReason (-1 if none)  20: ChannelError
 *   DATA            0: handle  8: bytes...
 *   WRITABLE        0: handle
 *   SEND_PARTIAL    0: handle  8: stream position  16: accepted  20: requested
 *   PEER_CLOSED     0: handle
 *   CLOSED          0: handle  8: CloseReason
 *   ERROR           0: handle or correlationId  8: command type  12: ChannelError
 *   UNLISTENED      0: correlationId  8: port
 * </pre>
 */
public final class ChannelEvents
{
    /** A LISTEN succeeded. */
    public static final int LISTENING = 1;
    /** A LISTEN failed. */
    public static final int LISTEN_FAILED = 2;
    /** A connection reached ESTABLISHED: active (answer to CONNECT) or passive (on a listening port). */
    public static final int OPENED = 3;
    /** A CONNECT failed: refused, timed out, cancelled, or never started. */
    public static final int CONNECT_FAILED = 4;
    /** In-order bytes. */
    public static final int DATA = 5;
    /** The send buffer has room again after a SEND_PARTIAL. */
    public static final int WRITABLE = 6;
    /** A SEND was not accepted whole; later sends are dropped until RESUME_SEND. */
    public static final int SEND_PARTIAL = 7;
    /** The peer sent FIN, after every byte before it was delivered. */
    public static final int PEER_CLOSED = 8;
    /** The connection ended; its handle is no longer valid. */
    public static final int CLOSED = 9;
    /** A command could not be carried out. */
    public static final int ERROR = 10;
    /** An UNLISTEN succeeded: the port accepts no more connections (established ones go on). */
    public static final int UNLISTENED = 11;

    /** Offset of the first long of every event (handle or correlation id). */
    public static final int ID_OFFSET = 0;
    /** Offset of the second long (OPENED: correlation id; CONNECT_FAILED: handle; SEND_PARTIAL: position). */
    public static final int ID2_OFFSET = 8;
    /** Offset of the first int after one long. */
    public static final int INT8_OFFSET = 8;
    /** Offset of the int at 12. */
    public static final int INT12_OFFSET = 12;
    /** Offset of the int at 16. */
    public static final int INT16_OFFSET = 16;
    /** Offset of the int at 20. */
    public static final int INT20_OFFSET = 20;
    /** Offset of the int at 24. */
    public static final int INT24_OFFSET = 24;
    /** Offset of the int at 28. */
    public static final int INT28_OFFSET = 28;
    /** Offset of the bytes of a DATA event. */
    public static final int DATA_OFFSET = 8;

    /** Length of LISTENING and UNLISTENED. */
    public static final int LISTENING_LENGTH = 12;
    /** Length of LISTEN_FAILED. */
    public static final int LISTEN_FAILED_LENGTH = 16;
    /** Length of OPENED. */
    public static final int OPENED_LENGTH = 32;
    /** Length of CONNECT_FAILED. */
    public static final int CONNECT_FAILED_LENGTH = 24;
    /** Length of WRITABLE and PEER_CLOSED. */
    public static final int HANDLE_LENGTH = 8;
    /** Length of SEND_PARTIAL. */
    public static final int SEND_PARTIAL_LENGTH = 24;
    /** Length of CLOSED. */
    public static final int CLOSED_LENGTH = 12;
    /** Length of ERROR. */
    public static final int ERROR_LENGTH = 16;
    /** The longest control event (everything but DATA). */
    public static final int MAX_CONTROL_LENGTH = OPENED_LENGTH;

    private ChannelEvents()
    {
    }
}
