package dev.synack.tools.report;

import java.math.BigDecimal;

/**
 * A hand-written JSON writer for synack's fixed result schemas: objects, arrays, strings (escaped as RFC 8259 §7
 * requires: quote, backslash and every control character), finite numbers (non-finite ones, which JSON cannot
 * hold, are written as {@code null}), booleans and null, pretty-printed two spaces a level. No library: the
 * schemas are small and fixed, and {@code JsonTest} checks the output with an independent parser.
 * <p>
 * Not thread-safe; one per document.
 */
public final class Json
{
    private final StringBuilder s = new StringBuilder();
    /** Per open level: whether something was written in it yet. */
    private final boolean[] nonEmpty = new boolean[64];
    private int depth;
    private boolean afterName;

    /** @return a writer with an object opened: the document's root. */
    public static Json document()
    {
        final Json json = new Json();
        json.open('{');
        return json;
    }

    /**
     * Opens an object as a member.
     *
     * @param name the member's name.
     * @return this.
     */
    public Json object(final String name)
    {
        name(name);
        open('{');
        return this;
    }

    /** @return this, with an object opened as the next array element. */
    public Json object()
    {
        return open('{');
    }

    /**
     * Opens an array as a member.
     *
     * @param name the member's name.
     * @return this.
     */
    public Json array(final String name)
    {
        name(name);
        open('[');
        return this;
    }

    /** @return this, with the innermost object closed. */
    public Json end()
    {
        return close('}');
    }

    /** @return this, with the innermost array closed. */
    public Json endArray()
    {
        return close(']');
    }

    /**
     * @param name the member's name.
     * @param value a string, or null.
     * @return this.
     */
    public Json put(final String name, final String value)
    {
        name(name);
        return value(value);
    }

    /**
     * @param name the member's name.
     * @param value a number; NaN and infinities become null.
     * @return this.
     */
    public Json put(final String name, final double value)
    {
        name(name);
        return value(value);
    }

    /**
     * @param name the member's name.
     * @param value a whole number.
     * @return this.
     */
    public Json put(final String name, final long value)
    {
        name(name);
        separate();
        s.append(value);
        return this;
    }

    /**
     * @param name the member's name.
     * @param value a boolean.
     * @return this.
     */
    public Json put(final String name, final boolean value)
    {
        name(name);
        separate();
        s.append(value);
        return this;
    }

    /**
     * @param name the member's name.
     * @param values numbers, as an array.
     * @return this.
     */
    public Json put(final String name, final double[] values)
    {
        array(name);
        for (final double v : values)
        {
            value(v);
        }
        return endArray();
    }

    /**
     * @param value a string element, or null.
     * @return this.
     */
    public Json value(final String value)
    {
        separate();
        if (value == null)
        {
            s.append("null");
        }
        else
        {
            quote(value);
        }
        return this;
    }

    /**
     * @param value a number element; NaN and infinities become null.
     * @return this.
     */
    public Json value(final double value)
    {
        separate();
        if (Double.isNaN(value) || Double.isInfinite(value))
        {
            s.append("null");
        }
        else if (value == Math.rint(value) && Math.abs(value) < 1e15)
        {
            s.append((long)value);
        }
        else
        {
            s.append(BigDecimal.valueOf(value).toPlainString());
        }
        return this;
    }

    /** @return the document, every level closed. */
    public String finish()
    {
        if (depth != 1)
        {
            throw new IllegalStateException(depth - 1 + " object(s) or array(s) still open");
        }
        close('}');
        s.append('\n');
        return s.toString();
    }

    /**
     * @param text any text.
     * @return it as a JSON string literal, quotes included.
     */
    public static String quoted(final String text)
    {
        final Json json = new Json();
        json.quote(text);
        return json.s.toString();
    }

    private Json open(final char bracket)
    {
        separate();
        s.append(bracket);
        nonEmpty[depth++] = false;
        return this;
    }

    private Json close(final char bracket)
    {
        if (depth == 0)
        {
            throw new IllegalStateException("nothing open to close with " + bracket);
        }
        final boolean any = nonEmpty[--depth];
        if (any)
        {
            newline();
        }
        s.append(bracket);
        return this;
    }

    private void name(final String name)
    {
        separate();
        quote(name);
        s.append(": ");
        afterName = true;
    }

    /** Before a value or a name: a comma after a sibling, then a new line, unless the value follows its name. */
    private void separate()
    {
        if (afterName)
        {
            afterName = false;
            return;
        }
        if (depth > 0)
        {
            if (nonEmpty[depth - 1])
            {
                s.append(',');
            }
            nonEmpty[depth - 1] = true;
            newline();
        }
    }

    private void newline()
    {
        s.append('\n');
        for (int i = 0; i < depth; i++)
        {
            s.append("  ");
        }
    }

    private void quote(final String text)
    {
        s.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                case '\b' -> s.append("\\b");
                case '\f' -> s.append("\\f");
                default ->
                {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029)
                    {
                        // control characters must be escaped; U+2028/9 too, so the text is also valid JavaScript
                        s.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        s.append(c);
                    }
                }
            }
        }
        s.append('"');
    }
}
