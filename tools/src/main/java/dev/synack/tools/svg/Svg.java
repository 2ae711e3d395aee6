package dev.synack.tools.svg;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A hand-written SVG document: elements appended in order, every attribute value and text escaped, numbers
 * printed the same way on every machine (at most one decimal, no locale, no "-0"), so the same drawing gives
 * byte-identical output and golden files can be compared. No library: SVG is plain XML and small.
 * <p>
 * Not thread-safe; one per picture.
 */
public final class Svg
{
    private final StringBuilder s = new StringBuilder();
    private int depth;

    /**
     * Starts the document: the XML declaration, the root element sized {@code width} × {@code height}, its title.
     *
     * @param width in px.
     * @param height in px.
     * @param title what the picture shows (screen readers and browsers' tooltips).
     * @param rootAttributes more attributes of the root, as name, value pairs (font, for instance).
     */
    public Svg(final double width, final double height, final String title, final String... rootAttributes)
    {
        s.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        final String[] attributes = new String[6 + rootAttributes.length];
        attributes[0] = "width";
        attributes[1] = num(width);
        attributes[2] = "height";
        attributes[3] = num(height);
        attributes[4] = "viewBox";
        attributes[5] = "0 0 " + num(width) + " " + num(height);
        System.arraycopy(rootAttributes, 0, attributes, 6, rootAttributes.length);
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\"");
        attributes(attributes);
        s.append(">\n");
        depth = 1;
        text("title", title);
    }

    /**
     * Opens an element that will hold others.
     *
     * @param name the element.
     * @param attributes name, value pairs.
     * @return this.
     */
    public Svg open(final String name, final String... attributes)
    {
        indent().append('<').append(name);
        attributes(attributes);
        s.append(">\n");
        depth++;
        return this;
    }

    /**
     * Closes the element opened last.
     *
     * @param name its name.
     * @return this.
     */
    public Svg close(final String name)
    {
        depth--;
        indent().append("</").append(name).append(">\n");
        return this;
    }

    /**
     * An element with no content.
     *
     * @param name the element.
     * @param attributes name, value pairs.
     * @return this.
     */
    public Svg empty(final String name, final String... attributes)
    {
        indent().append('<').append(name);
        attributes(attributes);
        s.append("/>\n");
        return this;
    }

    /**
     * An element holding text only.
     *
     * @param name the element ({@code text}, {@code title}).
     * @param text its content, escaped here.
     * @param attributes name, value pairs.
     * @return this.
     */
    public Svg text(final String name, final String text, final String... attributes)
    {
        indent().append('<').append(name);
        attributes(attributes);
        s.append('>').append(escape(text)).append("</").append(name).append(">\n");
        return this;
    }

    /** @return the document, closed. */
    public String finish()
    {
        if (depth > 1)
        {
            throw new IllegalStateException("an element is still open");
        }
        depth = 0;
        s.append("</svg>\n");
        return s.toString();
    }

    /**
     * @param value a coordinate or size.
     * @return it with at most one decimal, rounded half up, no exponent and no "-0".
     */
    public static String num(final double value)
    {
        final BigDecimal rounded = BigDecimal.valueOf(value).setScale(1, RoundingMode.HALF_UP).stripTrailingZeros();
        return rounded.signum() == 0 ? "0" : rounded.toPlainString();
    }

    /**
     * @param text any text.
     * @return it safe inside an element or a double-quoted attribute.
     */
    public static String escape(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default ->
                {
                    // XML 1.0 forbids most control characters even escaped: drop them
                    if (c >= 0x20 || c == '\n' || c == '\t')
                    {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    private void attributes(final String[] attributes)
    {
        if (attributes.length % 2 != 0)
        {
            throw new IllegalArgumentException("attributes come in name, value pairs");
        }
        for (int i = 0; i < attributes.length; i += 2)
        {
            s.append(' ').append(attributes[i]).append("=\"").append(escape(attributes[i + 1])).append('"');
        }
    }

    private StringBuilder indent()
    {
        for (int i = 0; i < depth; i++)
        {
            s.append("  ");
        }
        return s;
    }
}
