package dev.synack.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import org.junit.jupiter.params.provider.Arguments;

/**
 * A fake host for the builder's message tests: a sysfs directory with three interfaces (fake0 with rx queues 0 and
 * 1, tiny0 with a 500-byte MTU, nomac0 without a MAC), a process status without capabilities, and a CPU list, so
 * every message about the host can be checked without root and without touching the real one.
 */
final class FakeHost
{
    /** The fake {@code /sys/class/net}. */
    final Path sysNet;
    /** The fake {@code /proc/self/status}. */
    final Path status;
    /** The fake {@code /sys/devices/system/cpu/online}. */
    final Path online;

    private FakeHost(final Path sysNet, final Path status, final Path online)
    {
        this.sysNet = sysNet;
        this.status = status;
        this.online = online;
    }

    /**
     * @param dir where to make it.
     * @param onlineCpus the CPU list, e.g. "0-1".
     * @return the host.
     * @throws IOException when the files cannot be written.
     */
    static FakeHost create(final Path dir, final String onlineCpus) throws IOException
    {
        final Path sysNet = dir.resolve("sys/class/net");
        final Path fake = sysNet.resolve("fake0");
        Files.createDirectories(fake.resolve("queues/rx-0"));
        Files.createDirectories(fake.resolve("queues/rx-1"));
        Files.createDirectories(fake.resolve("queues/tx-0"));
        Files.writeString(fake.resolve("address"), "02:00:00:00:00:01\n");
        Files.writeString(fake.resolve("mtu"), "1500\n");
        final Path tiny = sysNet.resolve("tiny0");
        Files.createDirectories(tiny.resolve("queues/rx-0"));
        Files.writeString(tiny.resolve("address"), "02:00:00:00:00:02\n");
        Files.writeString(tiny.resolve("mtu"), "500\n");
        final Path nomac = sysNet.resolve("nomac0");
        Files.createDirectories(nomac.resolve("queues/rx-0"));
        Files.writeString(nomac.resolve("address"), "00:00:00:00:00:00\n");
        Files.writeString(nomac.resolve("mtu"), "1500\n");
        final Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nCapEff:\t0000000000000000\n");
        final Path online = dir.resolve("online");
        Files.writeString(online, onlineCpus + "\n");
        return new FakeHost(sysNet, status, online);
    }

    /** @return a builder on this host for fake0 at 198.18.0.1/24, right in every way a case does not break. */
    SynackBuilder builder()
    {
        final SynackBuilder builder = Synack.builder().device("fake0").address("198.18.0.1/24");
        builder.sysNet = sysNet;
        builder.procStatus = status;
        builder.cpusOnline = online;
        return builder;
    }

    /** @return the message for a process without the AF_XDP capabilities on this host. */
    String noPrivilegeMessage()
    {
        return "AF_XDP on fake0 needs CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF (or CAP_SYS_ADMIN); this"
            + " process lacks CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF (CapEff 0000000000000000 in " + status
            + "): run as root";
    }

    /**
     * @param change what a case breaks.
     * @param message the one line it must give.
     * @return the case, for a {@code @MethodSource}.
     */
    static Arguments wrong(final UnaryOperator<SynackBuilder> change, final String message)
    {
        return Arguments.of(change, message);
    }

    /**
     * Starting must fail with exactly {@code message}, on one line.
     *
     * @param builder the broken builder.
     * @param message the expected message.
     */
    static void assertStartFailsWith(final SynackBuilder builder, final String message)
    {
        final SynackConfigException ex = assertThrows(SynackConfigException.class, builder::start);
        assertEquals(message, ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
    }
}
