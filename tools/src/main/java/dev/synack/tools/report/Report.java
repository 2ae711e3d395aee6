package dev.synack.tools.report;

import java.util.Map;

/**
 * A measuring command's results in the forms a program or a person reads them: JSON, HdrHistogram percentile
 * distributions and SVG pictures. Built once the run is over; read-only.
 */
public interface Report
{
    /** @return the whole run as one JSON document. */
    String json();

    /** @return file name → {@code .hgrm} text, one per workload and side that kept a latency histogram. */
    Map<String, String> hgrm();

    /** @return file name → SVG document. */
    Map<String, String> plots();
}
