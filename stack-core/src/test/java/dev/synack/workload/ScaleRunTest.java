package dev.synack.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The scale run at a size CI affords: 100,000 connections between two stacks over the memory wire (seven server
 * ports' worth of ephemeral ports), a thousand of them exchanging bytes, held for a minute of manual time, closed,
 * and both tables empty after 2MSL. `synack scale` runs the same code at a million. Memory per connection is not
 * asserted here: this JVM holds other tests' garbage direct buffers, freed whenever the cleaner gets to them.
 */
class ScaleRunTest
{
    private static final int CONNECTIONS = 100_000;

    @Test
    void aHundredThousandConnectionsOpenExchangeHoldCloseAndLeaveBothTablesEmpty()
    {
        final ScaleReport report = new ScaleRun(CONNECTIONS, 1024, 1_000, TimeUnit.SECONDS.toNanos(60))
            .run(System.out::println);
        System.out.print(report.format());
        assertTrue(report.ok(), report.format());
        assertEquals(CONNECTIONS, report.established(), report.format());
        assertEquals(1_000, report.echoed(), report.format());
        assertEquals(CONNECTIONS, report.held(), report.format());
        assertEquals(CONNECTIONS, report.closed(), report.format());
        assertTrue(report.tablesEmpty(), report.format());
    }
}
