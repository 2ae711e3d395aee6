package dev.synack.tools.capture;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Classic pcap files (the libpcap format Wireshark and tshark read): writes the nanosecond variant (magic
 * {@code 0xa1b23c4d}, link type 1, Ethernet) in little-endian order; reads both the micro- and nanosecond
 * variants in either byte order, Ethernet only. Off the stack thread; plain Java.
 */
public final class Pcap
{
    /** Magic of a pcap with nanosecond timestamps. */
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    /** Magic of a pcap with microsecond timestamps. */
    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    /** The stack name of frames read from a pcap file: where they were captured is not known. */
    public static final String STACK = "pcap";
    /** LINKTYPE_ETHERNET. */
    public static final int LINKTYPE_ETHERNET = 1;
    private static final int SNAPLEN = 65535;
    private static final int GLOBAL_HEADER = 24;
    private static final int RECORD_HEADER = 16;

    private Pcap()
    {
    }

    /**
     * Writes frames to a pcap file (replacing it).
     *
     * @param file where.
     * @param frames the frames, in order; each one's time is written as seconds and nanoseconds since the epoch.
     */
    public static void write(final Path file, final List<CapturedFrame> frames)
    {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file)))
        {
            final ByteBuffer header = ByteBuffer.allocate(GLOBAL_HEADER).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(MAGIC_NANOS).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(SNAPLEN)
                .putInt(LINKTYPE_ETHERNET);
            out.write(header.array());
            final ByteBuffer record = ByteBuffer.allocate(RECORD_HEADER).order(ByteOrder.LITTLE_ENDIAN);
            for (final CapturedFrame frame : frames)
            {
                final long t = frame.timeNs();
                record.clear();
                record.putInt((int)Math.floorDiv(t, 1_000_000_000L)).putInt((int)Math.floorMod(t, 1_000_000_000L))
                    .putInt(frame.bytes().length).putInt(frame.bytes().length);
                out.write(record.array());
                out.write(frame.bytes());
            }
        }
        catch (final IOException ex)
        {
            throw new CaptureException("cannot write " + file + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Reads every frame of a pcap file.
     *
     * @param file the file.
     * @return its frames (stack "pcap", direction unknown: inbound).
     * @throws CaptureException when it is missing, empty, truncated, not a pcap, or not Ethernet.
     */
    public static List<CapturedFrame> read(final Path file)
    {
        final byte[] bytes;
        try
        {
            bytes = Files.readAllBytes(file);
        }
        catch (final IOException ex)
        {
            throw new CaptureException("cannot read pcap " + file + ": " + ex.getMessage(), ex);
        }
        if (bytes.length < GLOBAL_HEADER)
        {
            throw new CaptureException("not a pcap file: " + file + " (" + bytes.length + " bytes, no header)");
        }
        final ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = in.getInt(0);
        if (magic != MAGIC_NANOS && magic != MAGIC_MICROS)
        {
            in.order(ByteOrder.BIG_ENDIAN);
            magic = in.getInt(0);
        }
        if (magic != MAGIC_NANOS && magic != MAGIC_MICROS)
        {
            throw new CaptureException(String.format("not a pcap file: %s (magic 0x%08x; pcapng is not read here)",
                file, in.order(ByteOrder.LITTLE_ENDIAN).getInt(0)));
        }
        final long fractionNs = magic == MAGIC_NANOS ? 1 : 1000;
        final int linkType = in.getInt(20);
        if (linkType != LINKTYPE_ETHERNET)
        {
            throw new CaptureException("pcap " + file + " has link type " + linkType + ", not 1 (Ethernet)");
        }
        final List<CapturedFrame> frames = new ArrayList<>();
        int at = GLOBAL_HEADER;
        while (at < bytes.length)
        {
            if (bytes.length - at < RECORD_HEADER)
            {
                throw new CaptureException("truncated pcap " + file + ": record " + (frames.size() + 1)
                    + " header cut at byte " + at);
            }
            final long seconds = in.getInt(at) & 0xFFFF_FFFFL;
            final long fraction = in.getInt(at + 4) & 0xFFFF_FFFFL;
            final int included = in.getInt(at + 8);
            if (included < 0 || included > SNAPLEN || bytes.length - at - RECORD_HEADER < included)
            {
                throw new CaptureException("truncated or corrupt pcap " + file + ": record " + (frames.size() + 1)
                    + " claims " + Integer.toUnsignedString(included) + " bytes at byte " + at);
            }
            final byte[] frame = new byte[included];
            System.arraycopy(bytes, at + RECORD_HEADER, frame, 0, included);
            frames.add(new CapturedFrame(seconds * 1_000_000_000L + fraction * fractionNs, false, STACK, frame));
            at += RECORD_HEADER + included;
        }
        if (frames.isEmpty())
        {
            throw new CaptureException("pcap " + file + " holds no frames");
        }
        return frames;
    }
}
