package dev.synack.stat;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.agrona.BitUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The memory-mapped file that holds a stack's counters, so another process ({@code synack stat}) reads
 * them live without touching the stack thread.
 * <p>
 * Layout: a 64-byte header (magic, version, counter capacity, owner pid) followed by Agrona's metadata
 * buffer and values buffer. The stack owns the writer ({@link #create}); readers map read-only copies
 * ({@link #openReader}). Created once at start-up; not for the hot path.
 */
public final class CountersFile implements AutoCloseable
{
    /** "SYNC" in ASCII, so a reader can refuse a file that is not ours. */
    public static final int MAGIC = 0x53594E43;
    /** Bumped when the layout changes. */
    public static final int VERSION = 1;

    private static final int HEADER_LENGTH = 64;
    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 4;
    private static final int CAPACITY_OFFSET = 8;
    private static final int PID_OFFSET = 16;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer metadata;
    private final UnsafeBuffer values;
    private final long ownerPid;

    private CountersFile(final MappedByteBuffer mapped, final int capacity, final long ownerPid)
    {
        this.mapped = mapped;
        final UnsafeBuffer all = new UnsafeBuffer(mapped);
        this.metadata = new UnsafeBuffer(all, HEADER_LENGTH, capacity * CountersReader.METADATA_LENGTH);
        this.values = new UnsafeBuffer(
            all, HEADER_LENGTH + capacity * CountersReader.METADATA_LENGTH, capacity * CountersReader.COUNTER_LENGTH);
        this.ownerPid = ownerPid;
    }

    /**
     * Creates (or replaces) a counters file.
     *
     * @param path where; its directory must exist.
     * @param capacity how many counters it can hold.
     * @return the file, mapped read-write.
     */
    public static CountersFile create(final Path path, final int capacity)
    {
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("counter capacity must be positive: " + capacity);
        }
        final long length = length(capacity);
        final File file = path.toFile();
        IoUtil.deleteIfExists(file);
        final MappedByteBuffer mapped = IoUtil.mapNewFile(file, length);
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        final long pid = ProcessHandle.current().pid();
        header.putInt(CAPACITY_OFFSET, capacity);
        header.putLong(PID_OFFSET, pid);
        header.putInt(VERSION_OFFSET, VERSION);
        // Written last with release semantics: a reader that sees the magic sees a complete header.
        header.putIntRelease(MAGIC_OFFSET, MAGIC);
        return new CountersFile(mapped, capacity, pid);
    }

    /**
     * Maps an existing counters file for reading.
     *
     * @param path the file a stack created.
     * @return the file, mapped.
     * @throws IllegalStateException when the file is missing or not a synack counters file.
     */
    public static CountersFile openReader(final Path path)
    {
        if (!Files.isRegularFile(path))
        {
            throw new IllegalStateException("no counters file at " + path + ": is the stack running?");
        }
        final long size;
        try
        {
            size = Files.size(path);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read counters file " + path + ": " + ex.getMessage(), ex);
        }
        if (size < HEADER_LENGTH)
        {
            // Checked before mapping: the header view below would throw IndexOutOfBoundsException instead.
            throw new IllegalStateException(path + " is truncated or corrupt (" + size + " bytes, header is "
                + HEADER_LENGTH + ")");
        }
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(path.toFile(), "synack counters");
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        if (header.getIntVolatile(MAGIC_OFFSET) != MAGIC || header.getInt(VERSION_OFFSET) != VERSION)
        {
            IoUtil.unmap(mapped);
            throw new IllegalStateException(path + " is not a synack counters file (version " + VERSION + ")");
        }
        final int capacity = header.getInt(CAPACITY_OFFSET);
        if (capacity <= 0 || length(capacity) > mapped.capacity())
        {
            IoUtil.unmap(mapped);
            throw new IllegalStateException(path + " is truncated or corrupt (capacity " + capacity + ")");
        }
        return new CountersFile(mapped, capacity, header.getLong(PID_OFFSET));
    }

    private static long length(final int capacity)
    {
        return BitUtil.align(
            HEADER_LENGTH + (long)capacity * (CountersReader.METADATA_LENGTH + CountersReader.COUNTER_LENGTH), 4096);
    }

    /**
     * @return a manager to allocate counters in this file (writer side only).
     */
    public CountersManager newManager()
    {
        return new CountersManager(metadata, values, StandardCharsets.US_ASCII);
    }

    /**
     * @return a reader over this file's counters.
     */
    public CountersReader newReader()
    {
        return new CountersReader(metadata, values, StandardCharsets.US_ASCII);
    }

    /**
     * @return the pid of the process that created the file.
     */
    public long ownerPid()
    {
        return ownerPid;
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
