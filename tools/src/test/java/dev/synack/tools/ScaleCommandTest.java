package dev.synack.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code synack scale} prints every figure the benchmarks page quotes, and its exit code is the verdict. */
class ScaleCommandTest
{
    private final MainCapture cli = new MainCapture();

    @Test
    void twentyThousandConnectionsOverTwoServerPortsEndWithBothTablesEmpty()
    {
        assertEquals(0, cli.runFresh("scale", "--connections", "20000", "--sample", "200", "--hold-s", "5"),
            cli.out() + cli.err());
        final String out = cli.out();
        for (final String line : new String[] {"connections            20,000 (client 198.18.0.1 -> server 198.18.0.2,"
            + " 2 server ports)", "established            20,000", "bytes exchanged on     200 connections, 200 echoes"
            + " intact", "held                   20,000", "closed                 20,000 (client 20,000, server"
            + " 20,000; TIME-WAIT peak 20,000)", "table empty            yes (client 0, server 0 in use)",
            "result                 ok"})
        {
            assertTrue(out.contains(line + System.lineSeparator()), line + " missing in:\n" + out);
        }
        for (final String phase : new String[] {"build", "connect", "exchange", "hold", "close", "time-wait"})
        {
            assertTrue(out.contains("time " + phase), phase + " missing in:\n" + out);
        }
        assertTrue(out.contains("direct = ") && out.contains("B per slot, measured (rings 2,048 B configured)"), out);
        assertEquals("", cli.err());
    }
}
