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
}
