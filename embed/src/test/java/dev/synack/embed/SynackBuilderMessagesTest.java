package dev.synack.embed;

import static dev.synack.embed.FakeHost.wrong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

import dev.synack.stack.DirectMemory;

/**
 * Every wrong argument is one {@link SynackConfigException} with one line that names the value, thrown before
 * anything is opened. The host is a fake (a sysfs directory, a status file, a CPU list) so the messages about the
 * interface, its queues, the capabilities and the CPUs are checked on any machine, root or not.
 */
class SynackBuilderMessagesTest
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
        fake = FakeHost.create(host, "0-1");
        sysNet = fake.sysNet;
        status = fake.status;
        online = fake.online;
    }

    /** A builder on the fake host, right in every way but the one a case breaks. */
    private static SynackBuilder good()
    {
        return fake.builder();
    }

    static Stream<Arguments> wrongArguments()
    {
        return Stream.of(
            wrong(b -> b.device(null), "device is required: the interface whose queue the stack owns, e.g."
                + " device(\"eth1\") (or memoryWire(...) for tests)"),
            wrong(b -> b.device("waytoolonginterfacename"), "device 'waytoolonginterfacename': an interface name is"
                + " 1..15 characters without '/', ':' or spaces"),
            wrong(b -> b.device("nosuch0"), "no such interface nosuch0 (" + sysNet.resolve("nosuch0")
                + " does not exist): check `ip link`; for an interface in another network namespace give"
                + " namespace(...)"),
            wrong(b -> b.queue(2), "queue 2: fake0 has 2 rx queues (0..1, from " + sysNet.resolve("fake0/queues")
                + "/rx-*)"),
            wrong(b -> b.device("tiny0").queue(1), "queue 1: tiny0 has 1 rx queue (0..0, from "
                + sysNet.resolve("tiny0/queues") + "/rx-*)"),
            wrong(b -> b.queue(-1), "queue -1: must be 0..255"),
            wrong(b -> b.device("tiny0"), "tiny0 has MTU 500: synack needs at least 576"),
            wrong(b -> b.device("nomac0"), "nomac0 has no usable Ethernet address ('00:00:00:00:00:00' from "
                + sysNet.resolve("nomac0/address") + "): give mac(...)"),
            wrong(b -> b.namespace("nosuchns"), "namespace 'nosuchns': no such network namespace"
                + " (/run/netns/nosuchns does not exist): check `ip netns list`"),
            wrong(b -> b.address(null), "address is required: the stack's IPv4 address and prefix, e.g."
                + " address(\"198.18.0.1/24\")"),
            wrong(b -> b.address("198.18.0.1"), "address '198.18.0.1' needs a prefix length, e.g. 198.18.0.1/24"),
            wrong(b -> b.address("198.18.0.300/24"), "address '198.18.0.300/24': not an IPv4 address (bad octet"
                + " '300'): 198.18.0.300"),
            wrong(b -> b.address("198.18.0.1/33"), "address '198.18.0.1/33': the prefix length must be 1..30"),
            wrong(b -> b.address("0.0.0.0/24"), "address '0.0.0.0/24': not a unicast host address"),
            wrong(b -> b.mac("ff:ff:ff:ff:ff:ff"), "mac 'ff:ff:ff:ff:ff:ff': must be a unicast address"),
            wrong(b -> b.gateway("198.19.0.1"), "gateway '198.19.0.1': must be another address on 198.18.0.1/24's"
                + " subnet"),
            wrong(b -> b.gateway("198.18.0.1"), "gateway '198.18.0.1': must be another address on 198.18.0.1/24's"
                + " subnet"),
            wrong(b -> b.zeroCopy(true), "zeroCopy needs xdpMode NATIVE (drv): generic (skb) mode copies"),
            wrong(b -> b.xdpMode(null), "xdpMode is null: give XdpMode.GENERIC (skb) or XdpMode.NATIVE (drv)"),
            wrong(b -> b.connections(0), "connections 0: must be 1..4194304"),
            wrong(b -> b.connections(-5), "connections -5: must be 1..4194304"),
            wrong(b -> b.bufferBytes(1000, 16384), "send buffer 1000 bytes: must be a power of two in 1024..2^30"),
            wrong(b -> b.bufferBytes(16384, 512), "receive buffer 512 bytes: must be a power of two in 1024..2^30"),
            wrong(b -> b.connections(1).bufferBytes(1 << 30, 1 << 30), "stack config: sendBufferSize +"
                + " receiveBufferSize = 2147483648 bytes exceeds the 1 GiB ring chunk: lower one of them"),
            wrong(b -> b.threading(Threading.TWO_THREADS).idleStrategy(new BackoffIdleStrategy()), "idleStrategy:"
                + " TWO_THREADS needs another IdleStrategy instance for the NIC thread (an IdleStrategy keeps"
                + " per-thread state): give nicIdleStrategy(...)"),
            wrong(b -> b.cpus(0, 1), "cpus [0, 1]: one thread needs 1 CPU id, or none for no pinning"),
            wrong(b -> b.threading(Threading.TWO_THREADS).cpus(1), "cpus [1]: TWO_THREADS needs 2 CPU ids (NIC,"
                + " stack), or none for no pinning"),
            wrong(b -> b.threading(Threading.TWO_THREADS).cpus(1, 1), "cpus [1, 1]: the NIC and stack threads on one"
                + " CPU would take turns: give two CPUs, or ONE_THREAD"),
            wrong(b -> b.cpus(-1), "cpus: CPU -1 must be 0..1023"),
            wrong(b -> b.cpus(7), "cpus: CPU 7 is not online (online: {0, 1}, from " + online + ")"),
            wrong(b -> b.countersFile(Path.of("/nonexistent-dir/x.counters")), "countersFile"
                + " /nonexistent-dir/x.counters: directory /nonexistent-dir does not exist"),
            wrong(b -> b.channels(1, 1000), "channel event ring 1000 bytes: must be a power of two of at least 1024"),
            wrong(b -> b.tune(c -> c.listenBacklog(0)), "stack config: listenBacklog must be positive: 0"),
            wrong(b -> b, fake.noPrivilegeMessage()),
            wrong(b -> b.memoryWire(MemoryLink.create(), MemoryLink.Side.A), "device 'fake0' and memoryWire(...)"
                + " exclude each other: give one"));
    }


    @ParameterizedTest
    @MethodSource("wrongArguments")
    void eachWrongArgumentIsOneLineNamingIt(final UnaryOperator<SynackBuilder> change, final String message)
    {
        FakeHost.assertStartFailsWith(change.apply(good()), message);
    }

    @Test
    void capabilitiesAreReadBitByBit()
    {
        assertEquals(null, HostCheck.missingCapabilities(0x1f_ffff_ffffL));
        assertEquals(null, HostCheck.missingCapabilities((1L << 12) | (1L << 13) | (1L << 39)));
        assertEquals(null, HostCheck.missingCapabilities((1L << 12) | (1L << 13) | (1L << 21)), "before 5.8");
        assertEquals("CAP_BPF", HostCheck.missingCapabilities((1L << 12) | (1L << 13)));
        assertEquals("CAP_NET_RAW", HostCheck.missingCapabilities((1L << 12) | (1L << 39)));
    }

    @Test
    void validateChecksTheArgumentsWithoutTheHost()
    {
        assertEquals("connections 0: must be 1..4194304", assertThrows(SynackConfigException.class,
            () -> Synack.builder().device("eth9").address("198.18.0.1/24").connections(0).validate()).getMessage());
        Synack.builder().device("nosuch0").address("198.18.0.1/24").validate(); // no host check: passes
    }

    @Test
    void ringsPastTheJvmsDirectMemoryAreRefusedNamingTheFlag()
    {
        // 512 MiB each way: a GiB per connection; as many as fit this JVM's limit, then one more (nothing allocated).
        final long limit = DirectMemory.limit();
        final int fit = (int)(limit >> 30);
        final int ring = 1 << 29;
        final UnaryOperator<SynackBuilder> sized = b -> b.device("eth9").address("198.18.0.1/24")
            .bufferBytes(ring, ring);
        sized.apply(Synack.builder()).connections(fit).validate();
        assertEquals("stack config: " + (fit + 1) + " connections × (536870912 send + 536870912 receive ring bytes) = "
            + (fit + 1L) * (1 << 30) + " bytes of direct memory, more than this JVM may allocate (" + limit
            + " bytes): raise -XX:MaxDirectMemorySize (to " + (fit + 1L) * (1 << 30) + " and a few MiB more), or lower"
            + " maxConnections, sendBufferSize or receiveBufferSize", assertThrows(SynackConfigException.class,
                () -> sized.apply(Synack.builder()).connections(fit + 1).validate()).getMessage());
        // Each queue's stack fits alone; two in one JVM do not.
        final SynackConfigException twoQueues = assertThrows(SynackConfigException.class,
            () -> sized.apply(Synack.builder()).queueCount(2).connections(fit).validate());
        assertTrue(twoQueues.getMessage().startsWith("stack config: 2 stacks × " + fit + " connections × "),
            twoQueues.getMessage());
    }

    @Test
    void aMemoryWireSideIsTakenOnce()
    {
        final MemoryLink link = MemoryLink.create();
        try (SynackStack a = Synack.builder().memoryWire(link, MemoryLink.Side.A).address("198.18.0.1/24").start())
        {
            assertEquals("memoryWire side A is already taken by a running stack", assertThrows(
                SynackConfigException.class, () -> Synack.builder().memoryWire(link, MemoryLink.Side.A)
                    .address("198.18.0.3/24").start()).getMessage());
            assertTrue(a.isRunning(), "the first keeps running");
        }
    }
}
