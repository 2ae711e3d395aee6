package dev.synack.tools.capture;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** Times as the SVG ladder writes them: the same text on every machine, whatever its locale. */
final class TimeText
{
    private TimeText()
    {
    }

    /**
     * @param ns a time since the connection's first segment.
     * @return it in µs, digits grouped ("1,000,100 µs"), with ns as decimals only when there are some.
     */
    static String micros(final long ns)
    {
        return ns % 1000 == 0 ? String.format(Locale.ROOT, "%,d µs", ns / 1000)
            : String.format(Locale.ROOT, "%,.3f µs", ns / 1e3);
    }

    /**
     * @param ns a duration.
     * @return it in the largest unit that keeps it at 1 or more ("20 ms", "60 s", "1.5 µs"), 3 decimals at most.
     */
    static String duration(final long ns)
    {
        final long unit;
        final String name;
        if (ns >= 1_000_000_000L)
        {
            unit = 1_000_000_000L;
            name = " s";
        }
        else if (ns >= 1_000_000L)
        {
            unit = 1_000_000L;
            name = " ms";
        }
        else if (ns >= 1_000L)
        {
            unit = 1_000L;
            name = " µs";
        }
        else
        {
            unit = 1;
            name = " ns";
        }
        final BigDecimal value = BigDecimal.valueOf(ns).divide(BigDecimal.valueOf(unit), 3, RoundingMode.HALF_UP)
            .stripTrailingZeros();
        return value.toPlainString() + name;
    }
}
