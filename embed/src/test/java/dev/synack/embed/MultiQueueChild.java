package dev.synack.embed;

import dev.synack.nic.xdp.XdpMode;

/**
 * A child JVM for {@link MultiQueueAfXdpTest}: starts a 2-queue echo service on the given veth end, says READY, and
 * waits to be killed (SIGKILL: no shutdown hook runs, nothing is closed).
 */
public final class MultiQueueChild
{
    private MultiQueueChild()
    {
    }

    /**
     * @param args namespace, device, address/prefix.
     * @throws InterruptedException never, in practice: the test kills the process.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final SynackStack stack = Synack.builder().namespace(args[0]).device(args[1]).address(args[2]).queueCount(2)
            .xdpMode(XdpMode.NATIVE).start()
            .listen(7, (connection, buffer, offset, length) -> connection.send(buffer, offset, length));
        System.out.println("READY " + stack.queueCount() + " queues, " + stack.wire());
        System.out.flush();
        Thread.sleep(60_000);
        stack.close();
    }
}
