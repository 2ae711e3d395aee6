package dev.synack.embed;

import static dev.synack.embed.FakeHost.wrong;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Wrong multi-queue arguments give one line naming the value, before anything is opened: a queue the NIC lacks
 * (read on a fake sysfs with two rx queues), a queue given twice, a bad count, CPUs that do not fit the queues'
 * threads, a shared idle strategy, several queues on the memory wire.
 */
class MultiQueueBuilderMessagesTest
{
    @TempDir
    static Path host;

    private static FakeHost fake;
    private static Path sysNet;
    private static Path status;
    private static Path online;

    @BeforeAll
    static void fakeHost() throws IOException
    {
        fake = FakeHost.create(host, "0-3");
        sysNet = fake.sysNet;
        status = fake.status;
        online = fake.online;
    }

    private static SynackBuilder good()
    {
        return fake.builder().queueCount(2);
    }

    static Stream<Arguments> wrongArguments()
    {
        return Stream.of(
            wrong(b -> b.queues(0, 2), "queue 2: fake0 has 2 rx queues (0..1, from " + sysNet.resolve("fake0/queues")
                + "/rx-*)"),
            wrong(b -> b.queueCount(3), "queue 2: fake0 has 2 rx queues (0..1, from " + sysNet.resolve("fake0/queues")
                + "/rx-*)"),
            wrong(b -> b.queues(1, 0, 1), "queues [1, 0, 1]: queue 1 is given twice (one stack per queue)"),
            wrong(b -> b.queues(), "queues []: give at least one queue id"),
            wrong(b -> b.queues(0, 256), "queue 256: must be 0..255"),
            wrong(b -> b.queueCount(0), "queueCount 0: must be 1..256"),
            wrong(b -> b.queueCount(257), "queueCount 257: must be 1..256"),
            wrong(b -> b.cpus(0), "cpus [0]: 2 queues with one thread each need 2 CPU ids (one per queue), or none"
                + " for no pinning"),
            wrong(b -> b.threading(Threading.TWO_THREADS).cpus(0, 1), "cpus [0, 1]: 2 queues with TWO_THREADS need 4"
                + " CPU ids (NIC, stack for each queue in turn), or none for no pinning"),
            wrong(b -> b.cpus(1, 1), "cpus [1, 1]: CPU 1 is given twice: share-nothing queues need a CPU per thread"),
            wrong(b -> b.idleStrategy(new BackoffIdleStrategy()), "idleStrategy: with 2 queues every thread needs its"
                + " own IdleStrategy instance (it keeps per-thread state): use busySpin() or backoff()"),
            wrong(b -> b.device(null).memoryWire(MemoryLink.create(), MemoryLink.Side.A).queues(0, 1),
                "queues [0, 1]: the memory wire has one queue"),
            wrong(b -> b, fake.noPrivilegeMessage()));
    }


    @ParameterizedTest
    @MethodSource("wrongArguments")
    void eachWrongMultiQueueArgumentIsOneLineNamingIt(final UnaryOperator<SynackBuilder> change, final String message)
    {
        FakeHost.assertStartFailsWith(change.apply(good()), message);
    }

    @Test
    void oneQueueIdIsTheOneQueueStack()
    {
        assertEquals(1, good().queues(1).queueIds().length);
        assertEquals(1, good().queues(1).queue);
        assertEquals(0, good().queue(0).queueIds()[0], "queue(...) replaces queues(...)");
    }
}
