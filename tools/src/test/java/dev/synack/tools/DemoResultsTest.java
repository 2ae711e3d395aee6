package dev.synack.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import dev.synack.tools.report.Side;

/**
 * {@code synack demo --json --hgrm --plot} on the memory wire, briefly: the JSON (read by an independent parser),
 * the {@code .hgrm} files and the pictures say what the printed table says.
 */
class DemoResultsTest
{
    @TempDir
    Path dir;

    @Test
    void jsonHgrmAndPlotsAgreeWithThePrintedTable() throws Exception
    {
        final Path json = dir.resolve("demo.json");
        final Path hgrm = dir.resolve("hgrm");
        final Path plots = dir.resolve("plots");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int rc = Main.run(new String[] {"demo", "--wire", "memory", "--seconds", "1", "--runs", "1", "--json",
            json.toString(), "--hgrm", hgrm.toString(), "--plot", plots.toString(), "--progress"},
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        final String text = out.toString(StandardCharsets.UTF_8);
        final String progress = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, progress + text);
        final String table = text.substring(text.indexOf("== 3. measurements"));

        // the progress line: one per measured window, on stderr only
        assertEquals(4, progress.lines().count(), progress);
        assertTrue(progress.startsWith("synack demo: memory wire, run 1 of 1, handshakes 1 at a time (1 s)"), progress);
        assertTrue(!text.contains("synack demo: memory wire, run"), "progress stays off stdout");

        // JSON
        final JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals("synack demo", root.get("tool").getAsString());
        final JsonObject machine = root.getAsJsonObject("machine");
        assertEquals(Runtime.getRuntime().availableProcessors(), machine.get("cores").getAsInt());
        assertEquals(System.getProperty("java.version"), machine.get("jdk").getAsString());
        assertEquals(System.getProperty("os.version"), machine.get("kernel").getAsString());
        final JsonObject config = root.getAsJsonObject("configuration");
        assertEquals("memory", config.get("wire").getAsString());
        assertEquals(1, config.get("seconds").getAsInt());
        assertEquals(1, config.get("runs").getAsInt());
        assertEquals(20, config.get("msl_ms").getAsInt());
        final JsonElement commit = root.get("commit");
        assertTrue(commit.isJsonNull() || commit.getAsString().matches("[0-9a-f]{40}"), commit.toString());
        final JsonArray sides = root.getAsJsonArray("sides");
        assertEquals(1, sides.size(), "memory only");
        final JsonObject side = sides.get(0).getAsJsonObject();
        assertEquals("synack memory", side.get("name").getAsString());
        assertEquals(0, side.get("unexpected_callbacks").getAsLong());
        final JsonArray workloads = side.getAsJsonArray("workloads");
        for (int w = 0; w < 4; w++)
        {
            final JsonObject workload = workloads.get(w).getAsJsonObject();
            assertEquals(Side.KEYS[w], workload.get("key").getAsString());
            final Matcher row = Pattern.compile(Pattern.quote(Side.WORKLOADS[w])
                + " +([0-9,.]+) +([0-9,.]+) +([0-9,.]+) +([0-9,.]+)").matcher(table);
            assertTrue(row.find(), Side.WORKLOADS[w] + " row in:\n" + table);
            final JsonObject rate = workload.getAsJsonObject("rate_per_s");
            assertEquals(row.group(1), whole(rate.get("median").getAsDouble()), Side.WORKLOADS[w] + " median");
            assertEquals(row.group(2), whole(rate.get("min").getAsDouble()), Side.WORKLOADS[w] + " min");
            assertEquals(row.group(3), whole(rate.get("max").getAsDouble()), Side.WORKLOADS[w] + " max");
            assertEquals(1, rate.getAsJsonArray("runs").size());
            assertEquals(row.group(4), whole(workload.getAsJsonObject("wire_frames_per_s").get("median")
                .getAsDouble()), Side.WORKLOADS[w] + " frames/s");
        }
        final String latencyTable = table.substring(table.indexOf("keep-alive latency, µs"));
        final String[] inFlight = {"1", "16"};
        for (int i = 0; i < 2; i++)
        {
            final Matcher row = Pattern.compile("(?m)^  " + inFlight[i]
                + " +([0-9.,]+) +([0-9.,]+) +([0-9.,]+) +([0-9.,]+) +([0-9,.]+)$").matcher(latencyTable);
            assertTrue(row.find(), inFlight[i] + " in flight in:\n" + latencyTable);
            final JsonObject latency = workloads.get(2 + i).getAsJsonObject().getAsJsonObject("latency_us");
            assertEquals(row.group(1), tenth(latency.get("p50").getAsDouble()), "p50");
            assertEquals(row.group(2), tenth(latency.get("p99").getAsDouble()), "p99");
            assertEquals(row.group(3), tenth(latency.get("p99_9").getAsDouble()), "p99.9");
            assertEquals(row.group(4), tenth(latency.get("max").getAsDouble()), "max");
            final long samples = latency.get("samples").getAsLong();
            assertEquals(row.group(5), String.format("%,d", samples), "samples");
            assertTrue(samples > 0);

            // the .hgrm of the same workload: its footer's max and count, its 50th percentile line
            final Path file = hgrm.resolve("synack-memory-" + Side.KEYS[2 + i] + ".hgrm");
            assertTrue(Files.exists(file), file + " written; stdout:\n" + text);
            final String distribution = Files.readString(file);
            assertTrue(distribution.contains("Value     Percentile TotalCount 1/(1-Percentile)"), distribution);
            final Matcher footer = Pattern.compile("#\\[Max\\s*=\\s*([0-9.]+), Total count\\s*=\\s*([0-9]+)\\]")
                .matcher(distribution);
            assertTrue(footer.find(), distribution);
            assertEquals(row.group(4), tenth(Double.parseDouble(footer.group(1))), "hgrm max = table max");
            assertEquals(samples, Long.parseLong(footer.group(2)), "hgrm count = table samples");
            final double p50 = valueAt(distribution, 0.5);
            // the same bucket, or its neighbour where the two ways of rounding 50 % of the count part
            assertEquals(latency.get("p50").getAsDouble(), p50, Math.max(0.0015, 0.002 * p50),
                "hgrm 50th percentile = table p50");
        }

        // the pictures: well-formed, one line per side, the rates as the table has them
        final List<String> expected = List.of("latency-keepalive-1.svg", "latency-keepalive-16.svg", "rates.svg");
        for (final String name : expected)
        {
            final Path file = plots.resolve(name);
            assertTrue(text.contains("wrote " + file), "wrote " + file + " in:\n" + text);
            final Document svg = xml(file);
            assertEquals("svg", svg.getDocumentElement().getTagName());
        }
        final Document latencyPlot = xml(plots.resolve("latency-keepalive-1.svg"));
        final NodeList lines = latencyPlot.getElementsByTagName("polyline");
        assertEquals(1, lines.getLength());
        assertTrue(Files.readString(plots.resolve("latency-keepalive-1.svg")).contains("99.9%"));
        final String rates = Files.readString(plots.resolve("rates.svg"));
        for (int w = 0; w < 4; w++)
        {
            final double median = workloads.get(w).getAsJsonObject().getAsJsonObject("rate_per_s").get("median")
                .getAsDouble();
            assertTrue(rates.contains(String.format(Locale.ROOT, "%,.0f/s", median)), Side.WORKLOADS[w]);
        }
        assertNotNull(root.get("finished"));
    }

    /** @return the value (µs) of the first .hgrm line at or above {@code percentile} (0..1). */
    private static double valueAt(final String hgrm, final double percentile)
    {
        final Matcher line = Pattern.compile("(?m)^\\s*([0-9.]+)\\s+([0-9.]+)\\s+([0-9]+)\\s").matcher(hgrm);
        while (line.find())
        {
            if (Double.parseDouble(line.group(2)) >= percentile)
            {
                return Double.parseDouble(line.group(1));
            }
        }
        throw new AssertionError("no line at " + percentile + " in:\n" + hgrm);
    }

    private static String whole(final double value)
    {
        return String.format("%,.0f", value);
    }

    private static String tenth(final double value)
    {
        return String.format("%.1f", value);
    }

    private static Document xml(final Path file) throws Exception
    {
        final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(file.toFile());
    }
}
