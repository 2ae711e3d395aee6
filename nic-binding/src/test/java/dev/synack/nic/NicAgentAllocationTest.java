package dev.synack.nic;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

import dev.synack.nic.lab.Frames;
import dev.synack.nic.lab.LabNet;
import dev.synack.nic.lab.Privileged;
import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpSocket;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Root only: the NIC agent's data path allocates nothing per frame — tens of thousands of ARP request/reply
 * round trips through the AF_XDP rings after warm-up, measured with the thread's allocated-bytes counter.
 */
class NicAgentAllocationTest
{
    private static LabNet lab;

    @BeforeAll
    static void up()
    {
        Privileged.assume();
        lab = LabNet.up("alloc", false);
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
    void dataPathAllocatesNothing()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
        final RingBuffer rx = ring();
        final RingBuffer tx = ring();
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[Frames.ARP_FRAME_LENGTH]);
        final int length = Frames.arpRequest(frame, 0, Frames.MAC_A, Frames.IP_A, Frames.IP_B);
        final Counter replies = new Counter();
        try (XdpSocket socket = XdpSocket.open(XdpConfig.builder(lab.devA()).namespace(lab.nsA()).ringSize(256)
            .build()))
        {
            final NicAgent agent = new NicAgent(socket, rx, tx);
            agent.onStart();
            roundTrips(agent, rx, tx, frame, length, replies, 20_000); // warm-up: JIT, JNR stubs, class loading
            final long tid = Thread.currentThread().getId();
            final long before = threads.getThreadAllocatedBytes(tid);
            final int done = roundTrips(agent, rx, tx, frame, length, replies, 20_000);
            final long allocated = threads.getThreadAllocatedBytes(tid) - before;
            final long wakeBytes = leastOf(threads, tid, socket::wakeFill);
            final long kickBytes = leastOf(threads, tid, socket::kickTx);
            final long idleBytes = leastOf(threads, tid, agent::doWork);
            System.out.println("NicAgent: " + done + " ARP round trips, " + allocated + " bytes allocated; kicks " +
                agent.txKicks() + ", fill wakeups " + agent.fillWakeups() + "; wake " + wakeBytes + ", kick " +
                kickBytes + ", idle " + idleBytes);
            assertTrue(done > 1_000, "too few replies: " + done);
            // no allocation per frame; a one-off of ~0.4-2 KB sometimes shows up per run (the same figure for 2 000
            // or 20 000 round trips). JFR's TLAB events point at the test's own OneToOneRingBuffer.write (the
            // producer side), not at the agent — kicks, wake-ups and idle rounds are checked for exactly 0 below
            assertTrue(allocated < done, "bytes allocated on the data path: " + allocated + " for " + done);
            assertEquals(0, wakeBytes + kickBytes + idleBytes, "kicks, wake-ups and idle rounds allocate nothing");
        }
    }

    private static int roundTrips(
        final NicAgent agent, final RingBuffer rx, final RingBuffer tx, final UnsafeBuffer frame, final int length,
        final Counter replies, final int count)
    {
        final int start = replies.count;
        for (int i = 0; i < count; i++)
        {
            tx.write(1, frame, 0, length);
            for (int spin = 0; spin < 1_000 && replies.count - start <= i; spin++)
            {
                agent.doWork();
                rx.read(replies);
            }
        }
        return replies.count - start;
    }

    /**
     * The fewest bytes allocated over three rounds of 20,000 calls. A one-off (a deoptimisation, a JNR stub
     * resolved late; CI once saw 1,552 B in one round) can land in any single round; an allocation per call lands
     * in all three.
     */
    private static long leastOf(final com.sun.management.ThreadMXBean threads, final long tid, final Runnable call)
    {
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++)
        {
            final long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 20_000; i++)
            {
                call.run();
            }
            least = Math.min(least, threads.getThreadAllocatedBytes(tid) - before);
        }
        return least;
    }

    private static RingBuffer ring()
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(64 * 1024 + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** Counts ARP replies from the peer; allocated once. */
    private static final class Counter implements MessageHandler
    {
        int count;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (Frames.isArpReplyFrom(buffer, index, length, Frames.IP_B))
            {
                count++;
            }
        }
    }
}
