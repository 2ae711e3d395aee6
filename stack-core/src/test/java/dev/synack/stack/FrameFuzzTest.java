package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.driver.FuzzedDataProviderImpl;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the frame parser and everything behind it (DESIGN.md §6.4), with Jazzer: each input
 * builds a stack with a listener and one ESTABLISHED connection and becomes up to eight frames, checked as
 * {@link FrameFuzzTarget} describes (nothing thrown, processed or counted under exactly one drop reason, no
 * livelock, resets only as RFC 5961 allows, still answers a ping and still carries data).
 * <p>
 * In {@code mvn verify} (no {@code JAZZER_FUZZ}) {@link #frames} is a regression test over the empty input and the
 * corpus in {@code src/test/resources/dev/synack/stack/FrameFuzzTestInputs/frames/}: the seeds written by
 * {@link FrameFuzzSeeds} (a SYN, data, RSTs, a bad checksum, a truncated TCP header, an options overflow, ...),
 * which {@link #seedsDoWhatTheirNamesSay} checks, and every input a fuzzing run found failing.
 * <p>
 * To fuzz for real (libFuzzer, coverage-guided over stack-core's classes), from the repository root:
 * <pre>
 * JAZZER_FUZZ=1 mvn -B -pl stack-core test -Dtest=FrameFuzzTest
 * </pre>
 * It runs for {@code maxDuration} (10 minutes: from the seeds that reaches the TCP engine's ACK, window,
 * out-of-order and reset paths; soak longer before a release by raising it) or stops at the first finding, which
 * Jazzer writes next to the seeds as {@code crash-<sha1>}: commit that file (it then runs in every build) and fix the
 * bug. The corpus a run grows is kept in {@code stack-core/.cifuzz-corpus/} (not committed) for the next run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FrameFuzzTest
{
    @Order(1)
    @FuzzTest(maxDuration = "10m")
    void frames(final FuzzedDataProvider data)
    {
        FrameFuzzTarget.runInput(FrameFuzzTarget.of(data));
    }

    /**
     * Runs after {@link #frames}, whose Jazzer agent puts the provider's runtime on the class path: each committed
     * seed is exactly its recipe and, decoded by Jazzer's own provider, does what its name says.
     */
    @Order(2)
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.synack.stack.FrameFuzzSeeds#seeds")
    void seedsDoWhatTheirNamesSay(final String name, final byte[] seed, final Consumer<FrameFuzzTarget> expect)
        throws IOException
    {
        try (InputStream committed = FrameFuzzTest.class.getResourceAsStream("FrameFuzzTestInputs/frames/" + name))
        {
            assertNotNull(committed, name + " is not committed: run FrameFuzzSeeds.main");
            assertArrayEquals(seed, committed.readAllBytes(), name + " is not its recipe: run FrameFuzzSeeds.main");
        }
        try (FuzzedDataProviderImpl data = FuzzedDataProviderImpl.withJavaData(seed))
        {
            final FrameFuzzTarget target = FrameFuzzTarget.runInput(FrameFuzzTarget.of(data));
            assertEquals(0, data.remainingBytes(), name + ": the target did not read the whole seed");
            expect.accept(target);
        }
    }
}
