package dev.synack.tools.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import dev.synack.memwire.FaultPlan;
import dev.synack.tools.Main;

/**
 * The SVG ladders of four connections captured at both ends over the in-memory wire ({@link LadderScenario}),
 * drawn by {@code synack ladder JOURNAL --svg FILE}: each is well-formed XML, writes the states each end entered
 * in the order that end's stack really entered them, marks what was dropped and retransmitted, comes out
 * byte-identical when drawn again, and equals its golden file.
 * <p>
 * Regenerate the goldens (and the copies docs/ladders.md shows) after a deliberate change with
 * {@code tools/bin/ladders}, which runs this test with {@code -Dsynack.ladders.regenerate=true}; then review the
 * pictures and commit them.
 */
class LadderSvgTest
{
    /** Goldens, relative to the tools module (Surefire's working directory). */
    private static final Path GOLDEN = Path.of("src/test/resources/ladders");
    /** Where docs/ladders.md finds them. */
    private static final Path DOCS = Path.of("../docs/img");
    private static final boolean REGENERATE = Boolean.getBoolean("synack.ladders.regenerate");

    @TempDir
    Path dir;

    @Test
    void cleanOpenAndClose() throws Exception
    {
        final LadderScenario run = scenario(FaultPlan.none(), FaultPlan.none());
        run.echo();
        final Document svg = draw(run, "ladder-clean-open-close.svg");
        assertStates(svg, run, List.of("CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT", "CLOSED"),
            List.of("LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"));
        assertEquals(0, count(svg, "g", "segment dropped"));
        assertEquals(0, countContaining(svg, "g", "retransmission"));
        assertEquals(List.of("2MSL = 60 s"), texts(svg, "time-wait-length"));
    }

    @Test
    void lostSynAckIsRetransmitted() throws Exception
    {
        final LadderScenario run = scenario(FaultPlan.none(),
            new FaultPlan(1).dropMatching(LadderScenario.flags(0x12), 1));
        run.echo();
        final Document svg = draw(run, "ladder-lost-syn-ack.svg");
        assertStates(svg, run, List.of("CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT", "CLOSED"),
            List.of("LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"));
        assertEquals(1, count(svg, "g", "segment dropped"));
        assertTrue(labels(svg).stream().anyMatch(l -> l.startsWith("SYN,ACK") && l.endsWith("— dropped")),
            labels(svg).toString());
        assertTrue(labels(svg).stream().anyMatch(l -> l.startsWith("SYN,ACK") && l.endsWith("— retransmission")),
            labels(svg).toString());
        assertTrue(texts(svg, "break").stream().anyMatch(t -> t.contains(" s later") || t.contains(" ms later")),
            "the RTO is a shortened gap: " + texts(svg, "break"));
    }

    @Test
    void lostLastAckBringsTheFinBackIntoTimeWait() throws Exception
    {
        final LadderScenario run = scenario(new FaultPlan(1).dropMatching(LadderScenario.ackAfterFin(), 1),
            FaultPlan.none());
        run.echo();
        final Document svg = draw(run, "ladder-lost-last-ack.svg");
        assertStates(svg, run, List.of("CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT", "CLOSED"),
            List.of("LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"));
        assertEquals(1, count(svg, "g", "segment dropped"));
        assertTrue(labels(svg).stream().anyMatch(l -> l.startsWith("ACK") && l.endsWith("— dropped")),
            labels(svg).toString());
        assertTrue(labels(svg).stream().anyMatch(l -> l.startsWith("FIN,ACK") && l.endsWith("— retransmission")),
            labels(svg).toString());
        assertTrue(allText(svg).contains("FIN again: 2MSL restarts"), "the restart is marked");
        assertEquals(List.of("2MSL = 60 s"), texts(svg, "time-wait-length"));
    }

    @Test
    void simultaneousCloseTakesBothEndsThroughClosing() throws Exception
    {
        final LadderScenario run = scenario(FaultPlan.none(), FaultPlan.none());
        run.simultaneousClose();
        final Document svg = draw(run, "ladder-simultaneous-close.svg");
        final List<String> both = List.of("FIN-WAIT-1", "CLOSING", "TIME-WAIT", "CLOSED");
        final List<String> a = new ArrayList<>(List.of("CLOSED", "SYN-SENT", "ESTABLISHED"));
        a.addAll(both);
        final List<String> b = new ArrayList<>(List.of("LISTEN", "SYN-RECEIVED", "ESTABLISHED"));
        b.addAll(both);
        assertStates(svg, run, a, b);
        assertEquals(List.of("2MSL = 60 s", "2MSL = 60 s"), texts(svg, "time-wait-length"));
    }

    @Test
    void oneCapturePointOrAPcapIsDrawnToo() throws Exception
    {
        final Path journal = dir.resolve("a-only");
        new CaptureScenario(journal).run();
        final Path pcap = dir.resolve("a.pcap");
        assertEquals(0, main("pcap", journal.toString(), pcap.toString()));
        for (final Path source : List.of(journal, pcap))
        {
            final Path file = dir.resolve("one-point.svg");
            assertEquals(0, main("ladder", source.toString(), "--svg", file.toString(), "--msl-ms", "10"));
            final Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
            assertEquals(List.of("CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT", "CLOSED"),
                topToBottom(svg, "state left"));
            assertEquals(List.of("LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"),
                topToBottom(svg, "state right"));
            assertEquals(7, count(svg, "g", "segment"), "7 segments, none dropped or retransmitted");
            assertEquals(List.of("2MSL = 20 ms"), texts(svg, "time-wait-length"));
            assertTrue(allText(svg).contains(source == pcap ? "from a pcap file" : "captured at A"), allText(svg));
        }
    }

    private static int main(final String... args)
    {
        return Main.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private LadderScenario scenario(final FaultPlan aToB, final FaultPlan bToA)
    {
        return new LadderScenario(dir.resolve("journal"), aToB, bToA);
    }

    /** Draws the capture through the command line, twice; checks it against (or writes) its golden file. */
    private Document draw(final LadderScenario run, final String name) throws Exception
    {
        final Path file = dir.resolve(name);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final String[] args = {"ladder", dir.resolve("journal").toString(), "--svg", file.toString()};
        assertEquals(0, Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)), err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith(file + ": TCP connection 1 of 1, "), out.toString());
        final byte[] first = Files.readAllBytes(file);
        assertEquals(0, Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals(new String(first, StandardCharsets.UTF_8), Files.readString(file), "deterministic");
        final Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        assertEquals("svg", svg.getDocumentElement().getTagName());
        final Path golden = GOLDEN.resolve(name);
        if (REGENERATE)
        {
            Files.createDirectories(GOLDEN);
            Files.write(golden, first);
            Files.createDirectories(DOCS);
            Files.write(DOCS.resolve(name), first);
        }
        else if (!Files.exists(golden))
        {
            fail("no golden file " + golden.toAbsolutePath() + ": run tools/bin/ladders");
        }
        else
        {
            assertEquals(Files.readString(golden), new String(first, StandardCharsets.UTF_8),
                name + " differs from its golden file: if the change is meant, run tools/bin/ladders");
        }
        return svg;
    }

    /**
     * The states written on each lifeline, top to bottom, are the ones given; after the initial one they are the
     * states that end's stack itself entered (its StateListener), in the same order.
     */
    private static void assertStates(final Document svg, final LadderScenario run, final List<String> left,
        final List<String> right)
    {
        assertEquals(left, topToBottom(svg, "state left"), "A's lifeline");
        assertEquals(right, topToBottom(svg, "state right"), "B's lifeline");
        assertEquals(withoutInstants(run.statesA()), left.subList(1, left.size()), "A's stack agrees");
        assertEquals(withoutInstants(run.statesB()), right.subList(1, right.size()), "B's stack agrees");
    }

    /** A stack passes through some states within one segment (FIN-WAIT-2 on a FIN,ACK): no segment shows them. */
    private static List<String> withoutInstants(final List<String> states)
    {
        final List<String> kept = new ArrayList<>(states);
        kept.remove("FIN-WAIT-2");
        return kept;
    }

    private static List<String> topToBottom(final Document svg, final String className)
    {
        final List<Element> found = elements(svg, "text", className);
        found.sort(Comparator.comparingDouble(e -> Double.parseDouble(e.getAttribute("y"))));
        final List<String> states = new ArrayList<>();
        for (final Element e : found)
        {
            states.add(e.getTextContent());
        }
        return states;
    }

    private static List<String> labels(final Document svg)
    {
        return texts(svg, "label");
    }

    private static List<String> texts(final Document svg, final String className)
    {
        final List<String> texts = new ArrayList<>();
        for (final Element e : elements(svg, "text", className))
        {
            texts.add(e.getTextContent());
        }
        return texts;
    }

    private static String allText(final Document svg)
    {
        return svg.getDocumentElement().getTextContent();
    }

    private static int count(final Document svg, final String tag, final String className)
    {
        return elements(svg, tag, className).size();
    }

    private static int countContaining(final Document svg, final String tag, final String word)
    {
        int n = 0;
        final NodeList all = svg.getElementsByTagName(tag);
        for (int i = 0; i < all.getLength(); i++)
        {
            n += ((Element)all.item(i)).getAttribute("class").contains(word) ? 1 : 0;
        }
        return n;
    }

    private static List<Element> elements(final Document svg, final String tag, final String className)
    {
        final List<Element> found = new ArrayList<>();
        final NodeList all = svg.getElementsByTagName(tag);
        for (int i = 0; i < all.getLength(); i++)
        {
            final Element e = (Element)all.item(i);
            if (e.getAttribute("class").equals(className))
            {
                found.add(e);
            }
        }
        return found;
    }
}
