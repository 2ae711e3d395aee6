package dev.synack.embed;

/**
 * How a stack's work is laid on threads (DESIGN.md §3). Both shapes are supported and benchmarked.
 */
public enum Threading
{
    /**
     * One thread runs the whole duty cycle: NIC receive, the stack (and the channel and application agents), NIC
     * transmit — every answer of a cycle leaves behind one TX kick. The deployed shape: one pinned, busy-polling
     * thread per queue.
     */
    ONE_THREAD,
    /**
     * The NIC agent and the stack on two threads joined by two rings: more throughput per queue when a core is
     * to spare, at the cost of a hop between cores. The in-memory wire's side B has no NIC agent and runs on one.
     */
    TWO_THREADS
}
