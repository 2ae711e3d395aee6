package dev.synack.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.synack.embed.examples.EchoClient;
import dev.synack.embed.examples.EchoService;

/**
 * As root, on a lab veth pair (198.18.0.1 synack over AF_XDP, 198.18.0.2 the kernel): the documented echo service
 * answers a kernel client (socat), the documented client gets its echo from a kernel server, the host checks name
 * the veth's queue and a missing interface, a busy queue is refused, and a start that fails after the socket opened
 * leaves no XDP program and no thread behind. Skipped, with the reason printed, when not root.
 */
class AfXdpEmbeddingTest
{
    private static SynackBuilder onLab(final Lab lab)
    {
        return Synack.builder().namespace(lab.nsA()).device(lab.devA()).address(Lab.SYNACK_IP + "/24");
    }

    @Test
    void theEchoServiceServesAKernelClient()
    {
        Lab.assumeRoot("socat");
        try (Lab lab = Lab.up("ee"))
        {
            final byte[] sent = new byte[256 * 1024];
            new Random(10).nextBytes(sent);
            try (SynackStack service = EchoService.start(onLab(lab)))
            {
                assertTrue(lab.xdpAttached(), "the XDP program is attached while it serves");
                assertEquals("generic (skb), copy", service.wire());
                final byte[] back = lab.inKernelNamespace(sent, "socat", "-t", "5", "-", "TCP:" + Lab.SYNACK_IP
                    + ":7").getBytes(StandardCharsets.ISO_8859_1);
                assertArrayEquals(sent, back, "256 KiB echoed byte-exact to the kernel's socat");
                assertEquals("hello\n", lab.inKernelNamespace("hello\n".getBytes(StandardCharsets.US_ASCII), "socat",
                    "-t", "5", "-", "TCP:" + Lab.SYNACK_IP + ":7"), "and a second connection");
                assertTrue(service.nic().rxFrames() > 0 && service.nic().txFrames() > 0);
            }
            assertFalse(lab.xdpAttached(), "close detached the XDP program");
        }
    }

    @Test
    void theEchoClientGetsItsEchoFromAKernelServer() throws Exception
    {
        Lab.assumeRoot("socat");
        try (Lab lab = Lab.up("ec"))
        {
            final Process server = lab.startInKernelNamespace("socat", "TCP-LISTEN:7,reuseaddr,fork", "EXEC:cat");
            try (SynackStack client = onLab(lab).threading(Threading.TWO_THREADS).start())
            {
                String reply = EchoClient.echo(client, Lab.KERNEL_IP, "hello from synack");
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (reply.startsWith("REFUSED") && System.nanoTime() - deadline < 0)
                {
                    Thread.sleep(50); // socat is still starting
                    reply = EchoClient.echo(client, Lab.KERNEL_IP, "hello from synack");
                }
                assertEquals("NORMAL: hello from synack", reply);
            }
            finally
            {
                server.destroy();
                server.waitFor(5, TimeUnit.SECONDS);
            }
            assertFalse(lab.xdpAttached());
        }
    }

    @Test
    void theHostChecksNameTheVethsQueueAMissingInterfaceAndABusyQueue()
    {
        Lab.assumeRoot();
        try (Lab lab = Lab.up("eq"))
        {
            final String queue = assertThrows(SynackConfigException.class, () -> onLab(lab).queue(1).start())
                .getMessage();
            assertEquals("queue 1: " + lab.devA() + " has 1 rx queue (0..0, from /sys/class/net/" + lab.devA()
                + "/queues/rx-* in network namespace " + lab.nsA() + ")", queue);
            final String missing = assertThrows(SynackConfigException.class, () -> onLab(lab).device("nosuch0")
                .start()).getMessage();
            assertTrue(missing.startsWith("no such interface nosuch0 in network namespace " + lab.nsA() + " (`ip -n "),
                missing);
            assertFalse(missing.contains("\n"), missing);
            try (SynackStack first = onLab(lab).start())
            {
                final String busy = assertThrows(SynackConfigException.class, () -> onLab(lab).start())
                    .getMessage();
                assertTrue(busy.contains("queue 0 of " + lab.devA() + " already has an AF_XDP socket"), busy);
                assertTrue(first.isRunning());
            }
        }
    }

    @Test
    void aStartThatFailsAfterTheSocketOpenedLeavesNoProgramAndNoThread()
    {
        Lab.assumeRoot();
        try (Lab lab = Lab.up("ef"))
        {
            for (final SynackBuilder.Stage stage : SynackBuilder.Stage.values())
            {
                final String name = "xdpfail" + stage.ordinal();
                final SynackBuilder builder = onLab(lab).name(name).threading(Threading.TWO_THREADS);
                final boolean[] attached = new boolean[1];
                builder.hook = reached ->
                {
                    if (reached == stage)
                    {
                        attached[0] = lab.xdpAttached();
                        throw new IllegalStateException("injected at " + stage);
                    }
                };
                final SynackConfigException ex = assertThrows(SynackConfigException.class, builder::start);
                assertEquals("start-up failed: injected at " + stage, ex.getMessage());
                assertTrue(attached[0], "the program was attached when the failure came");
                assertFalse(lab.xdpAttached(), "and is detached after it");
                assertEquals(List.of(), SynackStackMemoryTest.synackThreads(name), "every thread joined");
            }
            try (SynackStack again = onLab(lab).start())
            {
                assertTrue(again.isRunning(), "the queue was released");
            }
        }
    }
}
