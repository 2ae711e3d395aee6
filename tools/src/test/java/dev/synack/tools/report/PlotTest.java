package dev.synack.tools.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The percentile plot and the rate chart: well-formed SVG, the axis HdrHistogram's plotter uses, the figures. */
class PlotTest
{
    private static Histogram histogram(final long baseNs, final int samples)
    {
        final Histogram h = new Histogram(3_600_000_000_000L, 3);
        for (int i = 0; i < samples; i++)
        {
            // a body around baseNs and a tail: one in a hundred ten times slower
            h.recordValue(i % 100 == 0 ? 10 * baseNs : baseNs + i % 37 * 100);
        }
        return h;
    }

    private static Document parse(final String svg) throws Exception
    {
        final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void percentilePlotHasOneLinePerSideOnALogPercentileAxis() throws Exception
    {
        final Histogram synack = histogram(5_000, 20_000);
        final Histogram kernel = histogram(30_000, 20_000);
        final String svg = PercentilePlot.draw("keep-alive <1 & 16> \"in flight\"", List.of(
            new PercentilePlot.Series("synack <xdp>", synack), new PercentilePlot.Series("kernel & co", kernel)));
        final Document doc = parse(svg);
        final NodeList lines = doc.getElementsByTagName("polyline");
        assertEquals(2, lines.getLength());
        // 20,000 samples resolve 1/(1-p) up to 10^5: 0 % to 99.999 %
        for (final String tick : new String[] {">0%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<", ">99.999%<"})
        {
            assertTrue(svg.contains(tick), tick);
        }
        assertTrue(!svg.contains(">99.9999%<"), "no more nines than the samples resolve");
        assertTrue(svg.contains("synack &lt;xdp&gt;: p50 "), "legend escaped and with the figures");
        // x grows along each line, y never falls (a percentile plot is monotonic)
        for (int i = 0; i < lines.getLength(); i++)
        {
            double lastX = -1;
            double lastY = Double.MAX_VALUE;
            for (final String point : ((Element)lines.item(i)).getAttribute("points").split(" "))
            {
                final String[] xy = point.split(",");
                final double x = Double.parseDouble(xy[0]);
                final double y = Double.parseDouble(xy[1]);
                assertTrue(x >= lastX && y <= lastY, point);
                lastX = x;
                lastY = y;
            }
        }
        final List<double[]> points = PercentilePlot.points(synack, 5);
        assertEquals(0, points.get(0)[0], 1e-9, "starts at 0 %");
        assertEquals(5, points.get(points.size() - 1)[0], 1e-9, "ends at the last nine");
        assertEquals(synack.getMaxValue() / 1e3, points.get(points.size() - 1)[1], 1e-9, "with the maximum");
        assertTrue(svg.contains(">latency, µs (log scale)<"), "kernel's tail is 60 times synack's median: decades");
        final String linear = PercentilePlot.draw("alone", List.of(new PercentilePlot.Series("synack", synack)));
        assertTrue(linear.contains(">latency, µs<"), "a linear axis while the tail stays near the body");
        synack.recordValue(28_000_000); // one pause 5,000 times the median
        final String logSvg = PercentilePlot.draw("with a pause", List.of(new PercentilePlot.Series("synack", synack)));
        parse(logSvg);
        assertTrue(logSvg.contains(">latency, µs (log scale)<"), "by decades once the tail would flatten the body");
        for (final String tick : new String[] {">1.00<", ">10.0<", ">100<", ">1,000<", ">10,000<", ">100,000<"})
        {
            assertTrue(logSvg.contains(tick), tick);
        }
        assertEquals("99.99%", PercentilePlot.percentileLabel(4));
        assertEquals(50.0, PercentilePlot.niceCeiling(42));
    }

    @Test
    void rateChartShowsEveryMedianWithItsSpread() throws Exception
    {
        final Spread[][] rates = {{Spread.of(new double[] {100_000, 120_000, 110_000}),
            Spread.of(new double[] {50_000, 52_000, 51_000})}, {Spread.of(new double[] {3_000_000}),
            Spread.of(new double[] {900_000})}};
        final String svg = RateChart.draw("rates & <more>", new String[] {"handshakes/s", "keep-alive"},
            new String[] {"synack", "kernel"}, rates);
        final Document doc = parse(svg);
        assertEquals(4, doc.getElementsByTagName("rect").getLength() - 1, "a bar per side and workload");
        for (final String figure : new String[] {"110,000/s", "51,000/s", "3,000,000/s", "900,000/s",
            "min 100,000, max 120,000"})
        {
            assertTrue(svg.contains(figure), figure);
        }
    }

    @Test
    void httpLabReportWithAndWithoutWrkBuckets() throws Exception
    {
        final HttpLabReport report = new HttpLabReport(new String[] {"keep-alive", "Connection: close"},
            new HttpLabReport.Run[] {new HttpLabReport.Run(30_000, 150, 1580, 65_681, "", histogram(150_000, 5000)),
                new HttpLabReport.Run(9_000, 900, 2000, 20_000, "socket errors: read 3", null)},
            new HttpLabReport.Run[] {new HttpLabReport.Run(20_000, 250, 900, 40_000, "", histogram(250_000, 5000)),
                new HttpLabReport.Run(8_000, 1000, 2500, 16_000, "", null)},
            Map.of("seconds", 2));
        final com.google.gson.JsonObject root = com.google.gson.JsonParser.parseString(report.json())
            .getAsJsonObject();
        final com.google.gson.JsonObject keepAlive = root.getAsJsonArray("workloads").get(0).getAsJsonObject();
        assertEquals(1.5, keepAlive.get("ratio").getAsDouble(), 1e-9);
        assertEquals(30_000, keepAlive.getAsJsonObject("synack").getAsJsonObject("requests_per_s").get("median")
            .getAsDouble());
        assertTrue(keepAlive.getAsJsonObject("synack").has("latency_us"));
        final com.google.gson.JsonObject close = root.getAsJsonArray("workloads").get(1).getAsJsonObject();
        assertEquals("socket errors: read 3", close.getAsJsonObject("synack").get("errors").getAsString());
        assertTrue(!close.getAsJsonObject("synack").has("latency_us"));
        assertEquals(List.of("synack-http-keepalive.hgrm", "kernel-http-keepalive.hgrm"),
            List.copyOf(report.hgrm().keySet()));
        for (final String svg : report.plots().values())
        {
            parse(svg);
        }
        assertEquals(List.of("latency-http-keepalive.svg", "rates.svg"), List.copyOf(report.plots().keySet()));
    }
}
