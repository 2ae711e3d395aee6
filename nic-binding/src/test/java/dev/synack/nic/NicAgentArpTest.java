package dev.synack.nic;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import dev.synack.nic.lab.Frames;
import dev.synack.nic.lab.LabNet;
import dev.synack.nic.lab.Privileged;
import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.nic.xdp.XdpSocket;
import dev.synack.nic.xdp.XdpStatistics;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Root only: an AF_XDP socket on the lab veth sends a hand-built ARP request to the kernel peer (198.18.0.2)
 * and the kernel's ARP reply comes back through the NicAgent and the Agrona rings — driven by the test thread,
 * by an AgentRunner thread, and inside a CompositeAgent.
 */
class NicAgentArpTest
{
    private static LabNet lab;

    @BeforeAll
    static void up()
    {
        Privileged.assume();
        lab = LabNet.up("arp", false);
    }

    @AfterAll
    static void down()
    {
        if (lab != null)
        {
            lab.close();
        }
    }

    @Test
    void kernelPeerAnswersOurArpRequestThroughTheRings()
    {
        for (final XdpMode mode : XdpMode.values())
        {
            final Harness h = new Harness(mode);
            try
            {
                h.agent.onStart();
                h.sendArp();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!h.replied[0] && System.nanoTime() - deadline < 0)
                {
                    h.agent.doWork();
                    h.drainRx();
                }
                final XdpStatistics stats = h.socket.statistics(new XdpStatistics());
                assertTrue(h.replied[0], mode + ": no ARP reply; " + stats + ", rx=" + h.agent.rxFrames() +
                    ", tx=" + h.agent.txFrames() + ", mode " + h.socket.mode());
                assertEquals("02:00:00:00:00:02", h.replyMac[0]);
                assertEquals(1, h.agent.txFrames());
                assertTrue(LabNet.hasXdp(lab.nsA(), lab.devA()), "program attached while open");
                System.out.println("ARP reply via NicAgent in mode " + h.socket.mode() + "; " + stats);
            }
            finally
            {
                h.close();
            }
            assertFalse(LabNet.hasXdp(lab.nsA(), lab.devA()), "program left attached after close: " +
                LabNet.linkShow(lab.nsA(), lab.devA()));
        }
    }

    @Test
    void zeroCopyOnVethFallsBackToCopyAndSaysSo()
    {
        try (XdpSocket socket = XdpSocket.open(XdpConfig.builder(lab.devA()).namespace(lab.nsA())
            .mode(XdpMode.NATIVE).zeroCopy(true).ringSize(256).build()))
        {
            System.out.println("zero-copy asked on veth -> " + socket.mode());
            assertFalse(socket.isZeroCopy());
            assertTrue(socket.mode().contains("fell back to copy mode"), socket.mode());
        }
        assertFalse(LabNet.hasXdp(lab.nsA(), lab.devA()));
    }

    @Test
    void worksOnItsOwnAgentRunnerAndInsideACompositeAgent() throws Exception
    {
        for (final boolean composite : new boolean[] {false, true})
        {
            final Harness h = new Harness(XdpMode.GENERIC);
            final Agent other = new Agent()
            {
                @Override
                public int doWork()
                {
                    return h.drainRx();
                }

                @Override
                public String roleName()
                {
                    return "test-consumer";
                }
            };
            final Agent agent = composite ? new CompositeAgent(h.agent, other) : h.agent;
            final AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace,
                null, agent);
            try
            {
                AgentRunner.startOnThread(runner);
                h.sendArp();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!h.replied[0] && System.nanoTime() - deadline < 0)
                {
                    if (!composite)
                    {
                        h.drainRx();
                    }
                    Thread.sleep(1);
                }
                assertTrue(h.replied[0], (composite ? "composite" : "runner") + ": no ARP reply");
            }
            finally
            {
                runner.close();
                h.close();
            }
        }
    }

    /** A socket, an agent and two rings on the lab's synack side. */
    private static final class Harness
    {
        final XdpSocket socket;
        final RingBuffer rx = ring();
        final RingBuffer tx = ring();
        final NicAgent agent;
        final boolean[] replied = new boolean[1];
        final String[] replyMac = new String[1];

        Harness(final XdpMode mode)
        {
            socket = XdpSocket.open(XdpConfig.builder(lab.devA()).namespace(lab.nsA()).mode(mode).ringSize(256)
                .build());
            agent = new NicAgent(socket, rx, tx);
        }

        void sendArp()
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[Frames.ARP_FRAME_LENGTH]);
            final int length = Frames.arpRequest(frame, 0, Frames.MAC_A, Frames.IP_A, Frames.IP_B);
            assertTrue(tx.write(7, frame, 0, length));
        }

        int drainRx()
        {
            return rx.read((msgTypeId, buffer, index, length) ->
            {
                assertEquals(NicAgent.MSG_TYPE_FRAME, msgTypeId);
                if (Frames.isArpReplyFrom(buffer, index, length, Frames.IP_B))
                {
                    replyMac[0] = Frames.mac(buffer, index + 6);
                    replied[0] = true;
                }
            });
        }

        void close()
        {
            socket.close();
        }

        private static RingBuffer ring()
        {
            return new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(64 * 1024 + RingBufferDescriptor.TRAILER_LENGTH)));
        }
    }
}
