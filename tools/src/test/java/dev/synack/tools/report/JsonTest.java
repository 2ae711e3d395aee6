package dev.synack.tools.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** The hand-written JSON writer, read back by an independent parser (Gson). */
class JsonTest
{
    @Test
    void everyAwkwardStringSurvivesTheRoundTrip()
    {
        final String[] texts = {"plain", "quote \" and backslash \\ and slash /", "tab\tnew line\ncarriage\rreturn",
            "bell \u0007 nul \u0000 escape \u001b unit \u001f", "form \f back \b", "µs ⇄ TIME-WAIT — ✓",
            "line sep \u2028 para sep \u2029", "surrogates 😀", "", "{\"not\": [\"json\"]}"};
        final Json json = Json.document();
        json.array("texts");
        for (final String t : texts)
        {
            json.value(t);
        }
        json.endArray();
        for (int i = 0; i < texts.length; i++)
        {
            json.put("k" + i + texts[i], texts[i]);
        }
        final String text = json.finish();
        for (final char c : text.toCharArray())
        {
            assertTrue(c >= 0x20 || c == '\n', "no raw control character: " + (int)c);
        }
        final JsonObject root = JsonParser.parseString(text).getAsJsonObject();
        final JsonArray array = root.getAsJsonArray("texts");
        for (int i = 0; i < texts.length; i++)
        {
            assertEquals(texts[i], array.get(i).getAsString());
            assertEquals(texts[i], root.get("k" + i + texts[i]).getAsString());
        }
    }

    @Test
    void numbersNestingAndNulls()
    {
        final Json json = Json.document();
        json.put("whole", 12_345_678_901L).put("fraction", 0.1).put("tiny", 1.5e-9).put("huge", 3.2e20)
            .put("negative", -2.5).put("nan", Double.NaN).put("infinite", Double.POSITIVE_INFINITY)
            .put("yes", true).put("none", (String)null).put("runs", new double[] {1, 2.5, 3});
        json.object("empty").end();
        json.array("nothing").endArray();
        json.array("objects");
        json.object().put("a", 1L).end();
        json.object().object("b").put("c", "d").end().end();
        json.endArray();
        final JsonObject root = JsonParser.parseString(json.finish()).getAsJsonObject();
        assertEquals(12_345_678_901L, root.get("whole").getAsLong());
        assertEquals(0.1, root.get("fraction").getAsDouble());
        assertEquals(1.5e-9, root.get("tiny").getAsDouble());
        assertEquals(3.2e20, root.get("huge").getAsDouble());
        assertEquals(-2.5, root.get("negative").getAsDouble());
        assertTrue(root.get("nan").isJsonNull() && root.get("infinite").isJsonNull() && root.get("none").isJsonNull());
        assertTrue(root.get("yes").getAsBoolean());
        assertEquals(3, root.getAsJsonArray("runs").size());
        assertEquals(2.5, root.getAsJsonArray("runs").get(1).getAsDouble());
        assertEquals(0, root.getAsJsonObject("empty").size());
        assertEquals(0, root.getAsJsonArray("nothing").size());
        assertEquals("d", root.getAsJsonArray("objects").get(1).getAsJsonObject().getAsJsonObject("b").get("c")
            .getAsString());
    }

    @Test
    void aDocumentLeftOpenIsAnError()
    {
        final Json json = Json.document();
        json.object("open");
        assertThrows(IllegalStateException.class, json::finish);
        assertEquals("\"a\\\"b\"", Json.quoted("a\"b"));
    }
}
