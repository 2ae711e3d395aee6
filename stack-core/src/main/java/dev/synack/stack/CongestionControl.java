package dev.synack.stack;

/** How a connection's congestion window grows between losses and how far a loss cuts it. */
public enum CongestionControl
{
    /** RFC 5681 slow start and congestion avoidance, RFC 6582 NewReno: ssthresh = FlightSize / 2 on a loss. */
    RENO,
    /**
     * RFC 9438 CUBIC (as Linux's default): a window that grows as a cubic function of the time since the last
     * loss, concave up to the window at that loss and convex past it, never slower than Reno would; ssthresh =
     * 0.7 × cwnd on a loss. Slow start stays RFC 5681's (no HyStart).
     */
    CUBIC
}
