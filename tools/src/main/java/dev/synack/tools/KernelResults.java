package dev.synack.tools;

/**
 * What {@link KernelComparison#measure()} found: the Linux kernel's TCP doing the demo's four workloads in its two
 * best shapes for the CPU synack gets — everything on one core, and one end per core busy-polling. Workloads are
 * indexed as in the demo: 0 = cycles one at a time, 1 = 16 at a time, 2 = keep-alive 1 in flight, 3 = 16 in
 * flight.
 * <p>
 * Immutable once built (the arrays are not copied: do not change them).
 *
 * @param oneCore client and server pinned to the same core, one thread each.
 * @param twoCores one end per core, each busy-polling.
 */
record KernelResults(Shape oneCore, Shape twoCores)
{
    /**
     * @param workload 0..3.
     * @return the best median rate of the two shapes: what a ratio against the kernel must divide by.
     */
    double best(final int workload)
    {
        return Math.max(oneCore.median()[workload], twoCores.median()[workload]);
    }

    /**
     * One shape's figures over the runs.
     *
     * @param name the column heading, e.g. "kernel 1 core".
     * @param median per workload, the median rate over the runs.
     * @param min per workload, the lowest run.
     * @param max per workload, the highest run.
     * @param latencyUs for the keep-alive workloads 2 and 3 (index 0 and 1): p50, p99, p99.9 and max in µs over
     *     all runs' measured windows.
     */
    record Shape(String name, double[] median, double[] min, double[] max, double[][] latencyUs)
    {
    }
}
