package dev.synack.tcp;

/**
 * The trace hook on every state change (ladder diagrams, captures, tests). Costs one null check when no
 * one listens. Called on the stack thread; must not call back into the connection.
 */
@FunctionalInterface
public interface StateListener
{
    /**
     * @param connection the connection (its fields already describe the new state).
     * @param from the previous state.
     * @param to the new state.
     * @param reason a constant string naming the rule that applied (never built per call).
     */
    void onStateChange(TcpConnection connection, TcpState from, TcpState to, String reason);

    /**
     * TIME-WAIT ended: the connection, which left its slot on entering TIME-WAIT (reported then by
     * {@link #onStateChange} with the connection), is CLOSED now — 2MSL passed, or a RST, a reopening SYN or
     * eviction ended it early. Ignored unless overridden.
     *
     * @param remoteIp the peer.
     * @param remotePort its port.
     * @param localPort ours.
     * @param reason a constant string naming the rule that applied.
     */
    default void onTimeWaitEnd(final int remoteIp, final int remotePort, final int localPort, final String reason)
    {
    }
}
