package dev.synack.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.nic.rss.Ethtool;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpConnection;
import dev.synack.workload.EchoServer;

/**
 * As root, on a 2-queue veth in native (drv) XDP mode (where veth spreads the kernel's flows over the rx queues): a
 * 2-queue synack echo server serves 2,000 kernel connections on both queues; a 2-queue synack client opens 2,000
 * connections to a kernel echo server, the return traffic that lands on the wrong queue handed over and counted;
 * a JVM killed with SIGKILL and a start that fails half-way leave no XDP program; a queue the NIC lacks is named.
 * Skipped, with the reason printed, when not root.
 */
class MultiQueueAfXdpTest
{
    private static final int CONNECTIONS = 2000;
    private static final int BYTES = 1000;
    private static final Pattern RESULT = Pattern.compile("ok=(\\d+) bytes=(\\d+) failed=(\\d+)");

    private static SynackBuilder twoQueues(final Lab lab)
    {
        return Synack.builder().namespace(lab.nsA()).device(lab.devA()).address(Lab.SYNACK_IP + "/24")
            .queueCount(2).xdpMode(XdpMode.NATIVE).connections(4096);
    }

    @Test
    void aKernelClientsTwoThousandConnectionsAreEchoedOnBothQueues() throws Exception
    {
        Lab.assumeRoot("python3");
        try (Lab lab = Lab.up("mqs", "--queues", "2"))
        {
            assertEquals(2, Ethtool.channels(lab.devA(), lab.nsA()).rxQueues(), "ETHTOOL_GCHANNELS: 2 rx queues");
            assertNull(Ethtool.rss(lab.devA(), lab.nsA()), "veth reports no RSS key or table (ETHTOOL_GRSSH)");
            final EchoServer[] echo = new EchoServer[2];
            final long start = System.nanoTime();
            try (SynackStack server = twoQueues(lab).start())
            {
                server.listenEach(7, i -> echo[i] = new EchoServer());
                assertEquals(2, server.queueCount());
                assertTrue(lab.xdpAttached(), "one XDP program for both queues");
                assertTrue(server.wire().startsWith("native (drv), copy; 2 queues [0, 1]"), server.wire());
                final String out = KernelPeer.run(KernelPeer.python(lab.nsB(), KernelPeer.ECHO_CLIENT, Lab.SYNACK_IP,
                    "7", String.valueOf(CONNECTIONS), "16", String.valueOf(BYTES)), 45);
                final Matcher result = RESULT.matcher(out);
                assertTrue(result.find(), out);
                server.stop();
                final StringBuilder figures = new StringBuilder();
                for (int i = 0; i < 2; i++)
                {
                    final SynackStack queue = server.queue(i);
                    final long opens = queue.counters().get(StackCounter.TCP_PASSIVE_OPENS);
                    figures.append(String.format("queue %d: %,d passive opens, %,d segments in, %,d bytes echoed, %,d"
                        + " frames handed over; ", i, opens, queue.counters().get(StackCounter.TCP_SEGMENTS_IN),
                        echo[i].bytesEchoed(), queue.handedOver()));
                }
                System.out.printf("multi-queue server: %s in %.1f s; %s%n", out.trim(),
                    (System.nanoTime() - start) / 1e9, figures);
                assertEquals(CONNECTIONS + " " + CONNECTIONS * BYTES + " 0", result.group(1) + " " + result.group(2)
                    + " " + result.group(3), "every connection echoed byte for byte: " + out);
                assertEquals(CONNECTIONS, server.total(StackCounter.TCP_PASSIVE_OPENS), figures.toString());
                assertEquals(CONNECTIONS, server.counters().get(StackCounter.TCP_PASSIVE_OPENS), "the summed view");
                for (int i = 0; i < 2; i++)
                {
                    assertTrue(server.queue(i).counters().get(StackCounter.TCP_PASSIVE_OPENS) > 0, "queue " + i
                        + " served connections: " + figures);
                    assertTrue(echo[i].bytesEchoed() > 0, figures.toString());
                }
                assertEquals(0, server.handedOver(), "passive flows stay on the queue they land on");
                assertEquals(0, server.total(StackCounter.TCP_RETRANSMITS) + server.total(StackCounter.TCP_RESETS_SENT)
                    + server.handoverLost(), figures.toString());
            }
            assertFalse(lab.xdpAttached(), "close detached the XDP program");
        }
    }

    @Test
    void aTwoQueueClientsTwoThousandConnectionsComeBackWithWrongQueueFramesHandedOver() throws Exception
    {
        Lab.assumeRoot("python3", "ss");
        try (Lab lab = Lab.up("mqc", "--queues", "2"))
        {
            final Process server = new ProcessBuilder(KernelPeer.python(lab.nsB(), KernelPeer.ECHO_SERVER,
                Lab.KERNEL_IP, "7")).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (SynackStack client = twoQueues(lab).start())
            {
                awaitListening(lab, server);
                final long start = System.nanoTime();
                final CountDownLatch done = new CountDownLatch(CONNECTIONS);
                final Semaphore inFlight = new Semaphore(64);
                final Queue<String> failures = new ConcurrentLinkedQueue<>();
                for (int i = 0; i < CONNECTIONS; i++)
                {
                    if (!inFlight.tryAcquire(20, TimeUnit.SECONDS))
                    {
                        break;
                    }
                    final EchoCheck check = new EchoCheck(i, done, inFlight, failures);
                    if (client.connect(Lab.KERNEL_IP, 7, check) < 0)
                    {
                        failures.add("connect " + i + " refused by the stack");
                        inFlight.release();
                        done.countDown();
                    }
                }
                assertTrue(done.await(30, TimeUnit.SECONDS), done.getCount() + " connections unfinished: "
                    + failures);
                final double seconds = (System.nanoTime() - start) / 1e9;
                final long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (client.takenOver() != client.handedOver() + client.arpCopies()
                    && System.nanoTime() - settle < 0)
                {
                    Thread.sleep(10); // a frame handed over this instant is taken over within a duty cycle
                }
                final long handed = client.handedOver() + client.arpCopies();
                final long taken = client.takenOver();
                client.stop();
                final String figures = String.format("%,d connections in %.1f s; active opens %,d + %,d; frames handed"
                    + " over %,d (taken over %,d), ARP replies copied %,d, lost %,d; retransmits %,d", CONNECTIONS,
                    seconds, client.queue(0).counters().get(StackCounter.TCP_ACTIVE_OPENS),
                    client.queue(1).counters().get(StackCounter.TCP_ACTIVE_OPENS), client.handedOver(),
                    client.takenOver(), client.arpCopies(), client.handoverLost(),
                    client.total(StackCounter.TCP_RETRANSMITS));
                System.out.println("multi-queue client: " + figures);
                assertEquals(List.of(), new ArrayList<>(failures), "every byte came back on every connection");
                assertEquals(CONNECTIONS, client.total(StackCounter.TCP_ACTIVE_OPENS), figures);
                for (int i = 0; i < 2; i++)
                {
                    assertEquals(CONNECTIONS / 2, client.queue(i).counters().get(StackCounter.TCP_ACTIVE_OPENS),
                        "connect takes the queues in turn: " + figures);
                }
                assertTrue(client.handedOver() > 0, "some return traffic landed on the other queue: " + figures);
                assertEquals(handed, taken, "every segment and ARP reply handed over was taken over by its stack"
                    + " (while running; a frame handed over as the stacks stop stays in the ring): " + figures);
                assertEquals(0, client.handoverLost(), figures);
                assertTrue(client.steering().startsWith("active opens' return traffic handed over"),
                    client.steering());
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
    void aKilledJvmLeavesNoXdpProgramAndNeitherDoesAHalfFailedStart() throws Exception
    {
        Lab.assumeRoot();
        try (Lab lab = Lab.up("mqk", "--queues", "2"))
        {
            final String lacks = assertThrows(SynackConfigException.class, () -> twoQueues(lab).queues(0, 2).start())
                .getMessage();
            assertEquals("queue 2: " + lab.devA() + " has 2 rx queues (0..1, from /sys/class/net/" + lab.devA()
                + "/queues/rx-* in network namespace " + lab.nsA() + ")", lacks);

            // a start that fails once the second queue's socket is open: both sockets closed, the program detached
            final SynackBuilder failing = twoQueues(lab).name("mqfail");
            final int[] attached = new int[1];
            final boolean[] programSeen = new boolean[1];
            failing.hook = stage ->
            {
                if (stage == SynackBuilder.Stage.ATTACHED && ++attached[0] == 2)
                {
                    programSeen[0] = lab.xdpAttached();
                    throw new IllegalStateException("injected at the second queue");
                }
            };
            assertEquals("start-up failed: injected at the second queue",
                assertThrows(SynackConfigException.class, failing::start).getMessage());
            assertTrue(programSeen[0]);
            assertFalse(lab.xdpAttached(), "detached after a half-way failure");
            assertEquals(List.of(), SynackStackMemoryTest.synackThreads("mqfail"), "every thread joined");

            final List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), MultiQueueChild.class.getName(), lab.nsA(), lab.devA(),
                Lab.SYNACK_IP + "/24");
            final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            try
            {
                final BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
                final String ready = lines.readLine();
                assertTrue(ready != null && ready.startsWith("READY 2 queues"), "child: " + ready);
                assertTrue(lab.xdpAttached(), "the child's program is attached: " + lab.linkA());
                child.destroyForcibly(); // SIGKILL to that PID: no shutdown hook, no close
                assertTrue(child.waitFor(10, TimeUnit.SECONDS));
                assertEquals(137, child.exitValue(), "killed by SIGKILL");
            }
            finally
            {
                child.destroyForcibly();
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (lab.xdpAttached() && System.nanoTime() - deadline < 0)
            {
                Thread.sleep(20); // the kernel releases the BPF link with the dead process's files
            }
            assertFalse(lab.xdpAttached(), "no XDP program after the JVM was killed: " + lab.linkA());
            // both queues free again; the other thread shape, and one counters file for both queues
            final Path counters = Files.createTempFile("synack-mq-", ".counters");
            try (SynackStack again = twoQueues(lab).threading(Threading.TWO_THREADS).countersFile(counters).start())
            {
                again.listen(7, (connection, buffer, offset, length) -> connection.send(buffer, offset, length));
                final String out = KernelPeer.run(KernelPeer.python(lab.nsB(), KernelPeer.ECHO_CLIENT, Lab.SYNACK_IP,
                    "7", "200", "8", "100"), 30);
                assertTrue(out.startsWith("ok=200 bytes=20000 failed=0"), out);
                final List<String> labels = new ArrayList<>();
                again.countersReader().forEach((value, id, label) ->
                {
                    if (label.endsWith(StackCounter.TCP_PASSIVE_OPENS.label()) && value > 0)
                    {
                        labels.add(label + " " + value);
                    }
                });
                assertEquals(2, labels.size(), "each queue's passive opens in the one file: " + labels);
                assertEquals(200, again.total(StackCounter.TCP_PASSIVE_OPENS));
            }
            finally
            {
                Files.deleteIfExists(counters);
            }
        }
    }

    private static void awaitListening(final Lab lab, final Process server) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0 && server.isAlive())
        {
            if (KernelPeer.run(List.of("ip", "netns", "exec", lab.nsB(), "ss", "-ltnH", "sport", "=", ":7"), 10)
                .contains(":7"))
            {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the kernel echo server did not start listening (alive: " + server.isAlive()
            + ")");
    }

    /** One client connection on its stack's thread: sends a pattern, half-closes, checks every byte comes back. */
    private static final class EchoCheck implements TcpHandler
    {
        private final int id;
        private final CountDownLatch done;
        private final Semaphore inFlight;
        private final Queue<String> failures;
        private final UnsafeBuffer request = new UnsafeBuffer(new byte[BYTES]);
        private int sent;
        private int received;
        private boolean mismatch;

        EchoCheck(final int id, final CountDownLatch done, final Semaphore inFlight, final Queue<String> failures)
        {
            this.id = id;
            this.done = done;
            this.inFlight = inFlight;
            this.failures = failures;
            for (int i = 0; i < BYTES; i++)
            {
                request.putByte(i, (byte)(id * 31 + i));
            }
        }

        @Override
        public void onOpen(final TcpConnection connection)
        {
            onWritable(connection);
        }

        @Override
        public void onWritable(final TcpConnection connection)
        {
            if (sent < BYTES)
            {
                sent += Math.max(0, connection.send(request, sent, BYTES - sent));
                if (sent == BYTES)
                {
                    connection.shutdownOutput();
                }
            }
        }

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            for (int i = 0; i < length; i++)
            {
                mismatch |= received + i >= BYTES || buffer.getByte(offset + i) != request.getByte(received + i);
            }
            received += length;
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
            if (reason != CloseReason.NORMAL || received != BYTES || mismatch)
            {
                failures.add("connection " + id + ": " + reason + ", " + received + " of " + BYTES + " bytes back"
                    + (mismatch ? ", not the bytes sent" : ""));
            }
            inFlight.release();
            done.countDown();
        }
    }
}
