package dev.synack.tools;

import dev.synack.tools.report.Side;

/**
 * What {@link KernelComparison#measure()} found: the Linux kernel's TCP doing the demo's four workloads in its two
 * best shapes for the CPU synack gets — everything on one core, and one end per core busy-polling. Workloads are
 * indexed as in the demo: 0 = cycles one at a time, 1 = 16 at a time, 2 = keep-alive 1 in flight, 3 = 16 in
 * flight; each shape keeps every run's rate and the keep-alive latency histograms.
 * <p>
 * Read-only once measured.
 *
 * @param oneCore client and server pinned to the same core, one thread each.
 * @param twoCores one end per core, each busy-polling.
 */
record KernelResults(Side oneCore, Side twoCores)
{
    /**
     * @param workload 0..3.
     * @return the best median rate of the two shapes: what a ratio against the kernel must divide by.
     */
    double best(final int workload)
    {
        return Math.max(oneCore.rate(workload).median(), twoCores.rate(workload).median());
    }
}
