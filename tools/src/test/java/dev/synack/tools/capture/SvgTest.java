package dev.synack.tools.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import dev.synack.tools.svg.Svg;

/** The SVG writer: text that would break XML is escaped, numbers print the same everywhere. */
class SvgTest
{
    @Test
    void textAndAttributesAreEscapedSoTheDocumentStaysWellFormed() throws Exception
    {
        final String nasty = "a<b & c>d \"q\" 'x' \u0001bell ⇄ µs";
        final Svg svg = new Svg(10, 20, nasty);
        svg.open("g", "class", nasty);
        svg.text("text", nasty, "x", "1");
        svg.close("g");
        final String xml = svg.finish();
        final Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        final String expected = "a<b & c>d \"q\" 'x' bell ⇄ µs";
        assertEquals(expected, doc.getElementsByTagName("title").item(0).getTextContent());
        assertEquals(expected, doc.getElementsByTagName("text").item(0).getTextContent());
        assertEquals(expected, ((org.w3c.dom.Element)doc.getElementsByTagName("g").item(0)).getAttribute("class"));
        assertEquals("0 0 10 20", doc.getDocumentElement().getAttribute("viewBox"));
    }

    @Test
    void numbersHaveOneDecimalAtMostAndNoNegativeZero()
    {
        assertEquals("0", Svg.num(-0.0));
        assertEquals("0", Svg.num(-0.04));
        assertEquals("12", Svg.num(12.0));
        assertEquals("12.5", Svg.num(12.45));
        assertEquals("-3.3", Svg.num(-3.25));
        assertEquals("100000000", Svg.num(1e8));
    }

    @Test
    void anElementLeftOpenIsAnError()
    {
        final Svg svg = new Svg(1, 1, "t");
        svg.open("g");
        assertThrows(IllegalStateException.class, svg::finish);
    }

    @Test
    void timesReadTheSameInEveryLocale()
    {
        assertEquals("1,000,100 µs", TimeText.micros(1_000_100_000L));
        assertEquals("0.250 µs", TimeText.micros(250));
        assertEquals("60 s", TimeText.duration(60_000_000_000L));
        assertEquals("200.1 ms", TimeText.duration(200_100_000L));
        assertEquals("1 s", TimeText.duration(1_000_100_000L));
        assertEquals("999 ns", TimeText.duration(999));
    }
}
