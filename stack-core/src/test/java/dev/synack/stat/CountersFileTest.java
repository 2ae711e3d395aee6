package dev.synack.stat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The counters file as {@code synack stat} sees it: a second, independent mapping reads the values the stack
 * writes, live; a missing or foreign or corrupt file is refused with a clear {@link IllegalStateException}.
 */
class CountersFileTest
{
    @TempDir
    Path dir;

    @Test
    void aSecondMappingReadsWhatTheStackWrites()
    {
        final Path path = dir.resolve("stack.counters");
        try (CountersFile writer = CountersFile.create(path, StackCounters.COUNT))
        {
            final StackCounters counters = new StackCounters(writer.newManager(), "A: ");
            counters.increment(StackCounter.FRAMES_IN);
            counters.increment(StackCounter.FRAMES_IN);
            counters.add(StackCounter.TCP_CONNECTIONS, 5);
            counters.drop(DropReason.TCP_BAD_CHECKSUM);
            counters.drop(DropReason.NONE);

            try (CountersFile reader = CountersFile.openReader(path))
            {
                assertEquals(ProcessHandle.current().pid(), reader.ownerPid());
                final CountersReader view = reader.newReader();
                Map<String, Long> values = read(view);
                assertEquals(StackCounters.COUNT, values.size());
                assertEquals(2L, values.get("A: frames in"));
                assertEquals(5L, values.get("A: TCP connections now"));
                assertEquals(1L, values.get("A: drop: bad TCP checksum"));
                assertEquals(1L, values.get("A: frames dropped"), "NONE is not a drop");
                assertEquals(0L, values.get("A: drop: none"));

                // Live: later writes show through the reader's mapping without reopening.
                counters.increment(StackCounter.FRAMES_IN);
                counters.add(StackCounter.TCP_CONNECTIONS, -5);
                values = read(view);
                assertEquals(3L, values.get("A: frames in"));
                assertEquals(0L, values.get("A: TCP connections now"));
                assertEquals(counters.get(StackCounter.FRAMES_IN), values.get("A: frames in"));
            }
        }
    }

    @Test
    void missingFileIsRefusedClearly()
    {
        final IllegalStateException ex =
            assertThrows(IllegalStateException.class, () -> CountersFile.openReader(dir.resolve("nothing-here")));
        assertTrue(ex.getMessage().contains("no counters file at") && ex.getMessage().contains("is the stack running?"),
            ex.getMessage());
    }

    @Test
    void foreignFileIsRefusedClearly() throws IOException
    {
        final Path path = dir.resolve("foreign");
        Files.write(path, new byte[8192]);
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> CountersFile.openReader(path));
        assertTrue(ex.getMessage().contains("is not a synack counters file"), ex.getMessage());
    }

    @Test
    void wrongVersionIsRefusedClearly() throws IOException
    {
        final Path path = dir.resolve("old.counters");
        CountersFile.create(path, StackCounters.COUNT).close();
        patchInt(path, 4, CountersFile.VERSION + 1);
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> CountersFile.openReader(path));
        assertTrue(ex.getMessage().contains("is not a synack counters file"), ex.getMessage());
    }

    @Test
    void corruptCapacityIsRefusedClearly() throws IOException
    {
        final Path path = dir.resolve("corrupt.counters");
        CountersFile.create(path, StackCounters.COUNT).close();
        patchInt(path, 8, 1_000_000);
        IllegalStateException ex = assertThrows(IllegalStateException.class, () -> CountersFile.openReader(path));
        assertTrue(ex.getMessage().contains("truncated or corrupt"), ex.getMessage());
        patchInt(path, 8, -1);
        ex = assertThrows(IllegalStateException.class, () -> CountersFile.openReader(path));
        assertTrue(ex.getMessage().contains("truncated or corrupt"), ex.getMessage());
    }

    @Test
    void truncatedFileIsRefusedClearly() throws IOException
    {
        final Path path = dir.resolve("truncated.counters");
        CountersFile.create(path, StackCounters.COUNT).close();
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw"))
        {
            file.setLength(4096);
        }
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> CountersFile.openReader(path));
        assertTrue(ex.getMessage().contains("truncated or corrupt"), ex.getMessage());
    }

    @Test
    void fileShorterThanItsHeaderIsRefusedClearly() throws IOException
    {
        for (final int length : new int[] {0, 1, 63})
        {
            final Path path = dir.resolve("short-" + length);
            Files.write(path, new byte[length]);
            final IllegalStateException ex =
                assertThrows(IllegalStateException.class, () -> CountersFile.openReader(path), "length " + length);
            assertTrue(ex.getMessage().contains(path.toString()), ex.getMessage());
        }
    }

    private static Map<String, Long> read(final CountersReader view)
    {
        final Map<String, Long> values = new HashMap<>();
        view.forEach((id, type, key, label) -> values.put(label, view.getCounterValue(id)));
        return values;
    }

    private static void patchInt(final Path path, final int offset, final int value) throws IOException
    {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw"))
        {
            file.seek(offset);
            file.writeInt(Integer.reverseBytes(value));
        }
    }
}
