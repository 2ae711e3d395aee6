package dev.synack.tcp;

/**
 * Which ephemeral ports an active open may take, for stacks that share one address across NIC queues: each stack
 * takes only the ports whose return traffic reaches its own queue (a partition of the range, or ports whose RSS
 * hash lands on the queue). Asked by {@link TcpEngine#connect} for each candidate port, on the stack thread; must
 * not allocate. None set: every free port is taken.
 */
@FunctionalInterface
public interface LocalPortFilter
{
    /**
     * @param remoteIp the peer's address.
     * @param remotePort its port.
     * @param localPort the candidate ephemeral port (49152..65535).
     * @return whether this stack may use it for the connection.
     */
    boolean accept(int remoteIp, int remotePort, int localPort);
}
