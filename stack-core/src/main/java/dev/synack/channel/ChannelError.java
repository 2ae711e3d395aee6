package dev.synack.channel;

/**
 * What went wrong with a command, as reported to the application in an error event and counted by the
 * {@link ChannelAgent} (see {@link ChannelAgent#errors(ChannelError)}). None of these is ever thrown on the
 * stack thread.
 */
public enum ChannelError
{
    /** No error (used where an event carries an optional error). */
    NONE,
    /** The handle names no connection of this stack: never opened, already closed (CLOSED was sent), or reused. */
    UNKNOWN_HANDLE,
    /** The handle names a live connection, or UNLISTEN a listening port, that belongs to another channel. */
    NOT_OWNER,
    /** SEND on a connection that can no longer send (after shutdownOutput/close, or not yet established). */
    CANNOT_SEND,
    /** LISTEN, UNLISTEN or CONNECT with a port outside 1..65535. */
    BAD_PORT,
    /** LISTEN on a port that is already listening. */
    ALREADY_LISTENING,
    /** CONNECT refused by the stack: the connection table is full or no local port is free. */
    TABLE_FULL,
    /** A command of a type this agent does not know (stack side only: there is no channel to tell). */
    UNKNOWN_COMMAND,
    /** A command shorter than its type needs (stack side only). */
    MALFORMED_COMMAND,
    /** A command naming a channel that was never registered (stack side only). */
    UNKNOWN_CHANNEL,
    /** A passive open refused (RST) because its channel's application is too far behind on events. */
    ACCEPT_OVERFLOW,
    /** An event that found both the event ring and the channel's backlog full: the one lossy case, counted. */
    EVENT_LOST,
    /**
     * UNLISTEN on a port no channel listens on; also counted (stack side) for a connection whose handshake
     * completed after its port stopped listening, which is reset as a closed listening socket's would be.
     */
    NOT_LISTENING;

    private static final ChannelError[] VALUES = values();

    /**
     * @param ordinal an ordinal read from a ring.
     * @return the error, or {@link #NONE} for an ordinal out of range; never allocates.
     */
    public static ChannelError of(final int ordinal)
    {
        return ordinal >= 0 && ordinal < VALUES.length ? VALUES[ordinal] : NONE;
    }

    /** @return how many there are. */
    public static int count()
    {
        return VALUES.length;
    }
}
