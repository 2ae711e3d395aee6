package dev.synack.stack;

import static dev.synack.stack.FrameFuzzTarget.KIND_ARP;
import static dev.synack.stack.FrameFuzzTarget.KIND_CONNECTION;
import static dev.synack.stack.FrameFuzzTarget.KIND_ICMP;
import static dev.synack.stack.FrameFuzzTarget.KIND_IP;
import static dev.synack.stack.FrameFuzzTarget.KIND_OTHER_TCP;
import static dev.synack.stack.FrameFuzzTarget.KIND_RAW;
import static dev.synack.stack.FrameFuzzTarget.MANGLE_FLIP;
import static dev.synack.stack.FrameFuzzTarget.MANGLE_NONE;
import static dev.synack.stack.FrameFuzzTarget.MANGLE_PAD;
import static dev.synack.stack.FrameFuzzTarget.MANGLE_TRUNCATE;
import static dev.synack.stack.FrameFuzzTarget.NEAR;
import static dev.synack.stack.FrameFuzzTarget.SEQ_ANY;
import static dev.synack.stack.FrameFuzzTarget.SEQ_EXACT;
import static dev.synack.stack.FrameFuzzTarget.SEQ_NEAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

import dev.synack.api.CloseReason;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpHeader;
import dev.synack.tcp.TcpState;

/**
 * The seed corpus of {@link FrameFuzzTest}, as recipes: each seed is written here field by field in the order
 * {@link FrameFuzzTarget} reads it (Jazzer's FuzzedDataProvider layout: integers from the end of the file, most
 * significant byte last; byte runs from the start), and {@link FrameFuzzTest} checks that each committed file is
 * exactly its recipe and that, decoded by Jazzer's own provider, it does what its name says: the seeds cannot
 * silently stop meaning anything when the target changes. To rewrite the files after changing a recipe or the
 * decoding order, run {@link #main} from {@code stack-core} on the test class path.
 */
final class FrameFuzzSeeds
{
    private FrameFuzzSeeds()
    {
    }

    static final String DIRECTORY = "src/test/resources/dev/synack/stack/FrameFuzzTestInputs/frames";
    private static final int ISS = 1_000;
    private static final int IN_FLIGHT = 3_000;

    static Stream<Arguments> seeds()
    {
        final List<Arguments> seeds = new ArrayList<>();
        add(seeds, "syn-on-established", setup(ISS).frames(1).connection(TcpHeader.SYN, SEQ_EXACT, 0).end(),
            t ->
            {
                // RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK; the connection goes on.
                assertEquals(1, t.stack.counters.get(StackCounter.TCP_CHALLENGE_ACKS));
                assertEquals(TcpState.ESTABLISHED, t.connection().state());
            });
        add(seeds, "data-segment-across-seq-wrap",
            setup(-50).frames(1).connection(TcpHeader.ACK | TcpHeader.PSH, SEQ_EXACT, 0, 100).end(),
            t ->
            {
                assertEquals(100 + 4, t.app.bytes, "the 100 bytes, then the liveness check's 4");
                assertEquals(t.connection().sndNxt(), t.connection().sndUna(), "our 3,000 bytes acknowledged");
            });
        add(seeds, "rst-exact", setup(ISS).frames(1).connection(TcpHeader.RST, SEQ_EXACT, 0).end(),
            t -> assertEquals(CloseReason.RESET, t.app.closeReason));
        add(seeds, "rst-in-window", setup(ISS).frames(1).connectionNear(TcpHeader.RST, 100, 0).end(),
            t ->
            {
                // RFC 5961 §3.2: in the window but not RCV.NXT: challenge ACK, no reset.
                assertNull(t.app.closeReason);
                assertEquals(1, t.stack.counters.get(StackCounter.TCP_CHALLENGE_ACKS));
            });
        add(seeds, "bad-tcp-checksum",
            setup(ISS).frames(1).connection(TcpHeader.ACK, SEQ_EXACT, 0, 10, MANGLE_FLIP).flip(60, 0x01, false).end(),
            t ->
            {
                assertEquals(1, t.stack.counters.get(DropReason.TCP_BAD_CHECKSUM));
                assertEquals(4, t.app.bytes, "only the liveness check's bytes");
            });
        add(seeds, "truncated-tcp-header", setup(ISS).frames(1).ip(-8).connection(TcpHeader.ACK, SEQ_EXACT, 0).end(),
            t -> assertEquals(1, t.stack.counters.get(DropReason.TCP_TRUNCATED)));
        add(seeds, "options-overflow",
            setup(ISS).frames(1).kind(KIND_CONNECTION).fields(TcpHeader.ACK, SEQ_EXACT, 0)
                .bytes(FrameFuzzTarget.MAX_OPTIONS, 2, 40, 5, 0xb4).bytes(FrameFuzzTarget.MAX_PAYLOAD).none().end(),
            t -> assertEquals(1, t.stack.counters.get(DropReason.TCP_BAD_OPTIONS)));
        add(seeds, "fin-then-data-after-it",
            setup(ISS).frames(2).connection(TcpHeader.FIN | TcpHeader.ACK, SEQ_EXACT, 0)
                .connection(TcpHeader.ACK, SEQ_EXACT, 0, 10).end(),
            t ->
            {
                assertEquals(TcpState.CLOSE_WAIT, t.connection().state());
                assertEquals(1, t.app.peerClosed);
                assertEquals(0, t.app.bytes, "text after the FIN is ignored");
            });
        add(seeds, "out-of-order-then-fill",
            setup(ISS).frames(2).connectionNear(TcpHeader.ACK, 100, 100).connection(TcpHeader.ACK, SEQ_EXACT, 0, 100)
                .end(),
            t -> assertEquals(200 + 4, t.app.bytes));
        add(seeds, "ack-beyond-snd-max",
            setup(ISS).frames(1).kind(KIND_CONNECTION).integer(0, 0xFF, TcpHeader.ACK).seqExact()
                .integer(SEQ_EXACT, SEQ_ANY, SEQ_NEAR).integer(-NEAR, 3 * NEAR, 3 * NEAR).window().noOptions()
                .bytes(FrameFuzzTarget.MAX_PAYLOAD).none().end(),
            t -> assertEquals(2, t.stack.counters.get(DropReason.TCP_UNACCEPTABLE), "ours and the liveness probe"));
        add(seeds, "echo-request-and-arp-request",
            setup(ISS).frames(2).echoRequest(56).arpRequest().end(),
            t ->
            {
                assertEquals(2, t.stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT), "ours and the liveness one");
                assertEquals(1, t.stack.counters.get(StackCounter.ARP_REPLIES_SENT));
            });
        add(seeds, "ip-options-and-ethernet-padding",
            setup(ISS).frames(1).ipWithOptions().connection(TcpHeader.ACK, SEQ_EXACT, 0, 10, MANGLE_PAD).pad(18).end(),
            t -> assertEquals(10 + 4, t.app.bytes));
        add(seeds, "syn-flood-to-the-listener",
            setup(ISS).frames(5).synFrom(50_001).synFrom(50_002).synFrom(50_003).synFrom(50_004).synFrom(50_005).end(),
            t ->
            {
                // Frames.config() has room for 4 connections: ours and 3 embryos; the rest get SYN cookies, no state.
                assertEquals(3, t.tcp().connectionsIn(TcpState.SYN_RECEIVED));
                assertEquals(2, t.stack.counters.get(StackCounter.TCP_SYN_COOKIES_SENT));
                assertEquals(0, t.stack.counters.get(StackCounter.TCP_TABLE_FULL));
            });
        add(seeds, "raw-garbage-and-a-truncated-frame",
            setup(ISS).frames(2).raw(13).connection(TcpHeader.ACK, SEQ_EXACT, 0, 0, MANGLE_TRUNCATE).truncate(40).end(),
            t ->
            {
                assertEquals(1, t.stack.counters.get(DropReason.ETH_TRUNCATED));
                assertEquals(1, t.stack.counters.get(DropReason.IP_BAD_TOTAL_LENGTH));
            });
        return seeds.stream();
    }

    /**
     * Writes every seed into the inputs directory.
     *
     * @param args unused.
     * @throws IOException if a file cannot be written.
     */
    public static void main(final String[] args) throws IOException
    {
        final Path directory = Path.of(DIRECTORY);
        Files.createDirectories(directory);
        for (final Arguments a : (Iterable<Arguments>)seeds()::iterator)
        {
            Files.write(directory.resolve((String)a.get()[0]), (byte[])a.get()[1]);
        }
    }

    private static void add(
        final List<Arguments> seeds, final String name, final byte[] seed, final Consumer<FrameFuzzTarget> expect)
    {
        seeds.add(Arguments.of(name, seed, expect));
    }

    private static Seed setup(final int iss)
    {
        return new Seed().integer(Integer.MIN_VALUE, Integer.MAX_VALUE, iss).integer(0, 0xFFFF, 1460)
            .integer(-1, 15, 7).integer(0, FrameFuzzTarget.MAX_IN_FLIGHT, IN_FLIGHT);
    }

    /** Writes a FuzzedDataProvider input: integers appended to the back in read order, byte runs to the front. */
    static final class Seed
    {
        private final ByteArrayOutputStream front = new ByteArrayOutputStream();
        private final ByteArrayOutputStream back = new ByteArrayOutputStream();

        /**
         * Jazzer's consumeInt(min, max): as many bytes as the range needs, read from the end of the input, most
         * significant first, into an unsigned number; one that lies in the range is the value itself, any other is
         * taken modulo the range's size, from min (the full int range reads the bytes as the int they spell).
         */
        Seed integer(final int min, final int max, final int value)
        {
            assertTrue(min <= value && value <= max, value + " outside [" + min + ", " + max + "]");
            final long range = (long)max - min;
            int bytes = 0;
            while (bytes < 4 && (range >>> (8 * bytes)) > 0)
            {
                bytes++;
            }
            long raw = value;
            if (range == 0xFFFF_FFFFL)
            {
                raw = value & 0xFFFF_FFFFL;
            }
            else if (value < 0)
            {
                raw = (long)value - min;
                while (raw <= max)
                {
                    raw += range + 1;
                }
            }
            assertTrue(raw < 1L << (8 * bytes), value + " in [" + min + ", " + max + "] does not fit " + bytes);
            for (int i = bytes - 1; i >= 0; i--)
            {
                back.write((int)(raw >>> (8 * i)) & 0xFF);
            }
            return this;
        }

        Seed bool(final boolean value)
        {
            return integer(0, 0xFF, value ? 1 : 0);
        }

        /** A length (read from the back) and that many bytes (from the front), zero-filled past the values. */
        Seed bytes(final int maxLength, final int... values)
        {
            return bytesOfLength(maxLength, values.length, values);
        }

        Seed bytesOfLength(final int maxLength, final int length, final int... values)
        {
            integer(0, maxLength, length);
            for (int i = 0; i < length; i++)
            {
                front.write(i < values.length ? values[i] : 0);
            }
            return this;
        }

        Seed frames(final int count)
        {
            return integer(1, FrameFuzzTarget.MAX_FRAMES, count);
        }

        Seed kind(final int kind)
        {
            return integer(0, FrameFuzzTarget.MAX_ADVANCE_MS, 0).integer(KIND_RAW, KIND_IP, kind);
        }

        Seed fields(final int flags, final int seqMode, final int seqDelta)
        {
            integer(0, 0xFF, flags).integer(SEQ_EXACT, SEQ_ANY, seqMode);
            if (seqMode == SEQ_NEAR)
            {
                integer(-NEAR, 3 * NEAR, seqDelta);
            }
            return integer(SEQ_EXACT, SEQ_ANY, SEQ_EXACT).window();
        }

        Seed seqExact()
        {
            return integer(SEQ_EXACT, SEQ_ANY, SEQ_EXACT);
        }

        Seed window()
        {
            return integer(0, 0xFFFF, 0xFFFF).integer(0, 0xFFFF, 0);
        }

        Seed noOptions()
        {
            return bytes(FrameFuzzTarget.MAX_OPTIONS);
        }

        Seed connection(final int flags, final int seqMode, final int seqDelta)
        {
            return connection(flags, seqMode, seqDelta, 0);
        }

        Seed connection(final int flags, final int seqMode, final int seqDelta, final int payload)
        {
            return connection(flags, seqMode, seqDelta, payload, MANGLE_NONE);
        }

        /** A segment on the connection: ACK = SND.NXT, window 65535; the mangle mode's fields follow. */
        Seed connection(final int flags, final int seqMode, final int seqDelta, final int payload, final int mangle)
        {
            if (!ipPending)
            {
                kind(KIND_CONNECTION);
                ipOptionsLength = 0;
            }
            ipPending = false;
            // The frame a flip or a truncation ranges over: Ethernet, IPv4 (+ options), TCP, payload.
            lastLength = 14 + 20 + ipOptionsLength + 20 + payload;
            fields(flags, seqMode, seqDelta).noOptions().bytesOfLength(FrameFuzzTarget.MAX_PAYLOAD, payload);
            return integer(MANGLE_NONE, MANGLE_PAD, mangle);
        }

        Seed connectionNear(final int flags, final int seqDelta, final int payload)
        {
            return connection(flags, SEQ_NEAR, seqDelta, payload);
        }

        Seed none()
        {
            return integer(MANGLE_NONE, MANGLE_PAD, MANGLE_NONE);
        }

        Seed flip(final int at, final int xor, final boolean fixChecksums)
        {
            return integer(1, 4, 1).integer(0, lastLength - 1, at).integer(1, 0xFF, xor).bool(fixChecksums);
        }

        Seed truncate(final int length)
        {
            return integer(0, lastLength - 1, length);
        }

        Seed pad(final int length)
        {
            integer(1, 64, length);
            for (int i = 0; i < length; i++)
            {
                front.write(0xEE);
            }
            return this;
        }

        private boolean ipPending;
        private int ipOptionsLength;
        private int lastLength;

        /** The next connection segment goes under a fuzzed IPv4 header whose total length is off by {@code delta}. */
        Seed ip(final int delta)
        {
            return ipHeader(delta, new int[0]);
        }

        Seed ipWithOptions()
        {
            return ipHeader(0, new int[] {1, 1, 1, 0});
        }

        private Seed ipHeader(final int delta, final int[] options)
        {
            kind(KIND_IP).bytes(FrameFuzzTarget.MAX_OPTIONS, options).integer(-1, 15, -1).integer(-64, 64, delta)
                .integer(0, 0xFF, 0).integer(0, 0xFFFF, 0x4000).integer(0, 0xFF, 64).bool(false).bool(false)
                .bool(false);
            ipPending = true;
            ipOptionsLength = options.length;
            return this;
        }

        Seed echoRequest(final int dataLength)
        {
            kind(KIND_ICMP).bool(true).integer(0, 0xFF, 0).integer(0, 0xFFFF, 0x4242).integer(0, 0xFFFF, 1)
                .bytesOfLength(FrameFuzzTarget.MAX_PAYLOAD, dataLength);
            return none();
        }

        Seed arpRequest()
        {
            // Broadcast, request, sender = the peer (MAC and IP), target = our IP, target MAC zero.
            kind(KIND_ARP).bool(true).integer(0, 3, 1).integer(0, 2, 0).integer(0, 2, 0).integer(0, 2, 0)
                .integer(0, 2, 0);
            return none();
        }

        Seed synFrom(final int port)
        {
            kind(KIND_OTHER_TCP).integer(0, 0xFF, 1).integer(0, 0xFFFF, port).bool(true).integer(0, 0xFF, TcpHeader.SYN)
                .integer(Integer.MIN_VALUE, Integer.MAX_VALUE, port * 7)
                .integer(Integer.MIN_VALUE, Integer.MAX_VALUE, 0)
                .integer(0, 0xFFFF, 0xFFFF).bytes(FrameFuzzTarget.MAX_OPTIONS, 2, 4, 5, 0xb4)
                .bytes(FrameFuzzTarget.MAX_PAYLOAD);
            return none();
        }

        Seed raw(final int length)
        {
            kind(KIND_RAW).integer(0, FrameFuzzTarget.MAX_RAW, length);
            for (int i = 0; i < length; i++)
            {
                front.write(i);
            }
            return this;
        }

        byte[] end()
        {
            final byte[] b = back.toByteArray();
            final byte[] out = new byte[front.size() + b.length];
            System.arraycopy(front.toByteArray(), 0, out, 0, front.size());
            for (int i = 0; i < b.length; i++)
            {
                out[out.length - 1 - i] = b[i];
            }
            return out;
        }
    }
}
