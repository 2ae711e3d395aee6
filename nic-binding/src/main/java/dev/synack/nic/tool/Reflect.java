package dev.synack.nic.tool;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.nic.xdp.XdpSocket;
import dev.synack.nic.xdp.XdpStatistics;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;

/**
 * The raw reflect tool: the AF_XDP ceiling of a link, measured with no stack in the way.
 *
 * <pre>
 * Reflect bench   --ns-a NS --dev-a DEV --ns-b NS --dev-b DEV [--seconds 5] [--mode skb|drv] [--ring 2048]
 *                 [--batch 64] [--window 1024] [--cpu-a 0] [--cpu-b 1]
 *     reflector on DEV in NS-a, 60-byte frame blaster on the far end; prints one line
 *     "reflect frames/s: N (...)" with the reflected rate (frames sent, bounced and received back).
 * Reflect reflect --ns NS --dev DEV [--seconds 0 = forever] [--mode skb|drv] [--ring 2048] [--cpu 0]
 *     reflector only, against any traffic source; prints "reflect frames/s: N" every second.
 * </pre>
 *
 * <p>Who calls it: operators and the lab harness (run it in the same run as the stack's figures); the reflect
 * test calls {@link #bench}. Needs root and an interface nobody else binds. Thread-safety: one run at a time
 * per interface.
 */
public final class Reflect
{
    private static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
    private static final byte[] MAC_B = {2, 0, 0, 0, 0, 2};

    private Reflect()
    {
    }

    /**
     * What a bench run measured.
     *
     * @param framesPerSecond reflected frames received back per second.
     * @param sent            frames the blaster sent.
     * @param reflected       frames the reflector bounced.
     * @param received        frames the blaster got back.
     * @param seconds         measured time.
     * @param mode            the reflector socket's mode.
     * @param cpus            "reflector cpu X, blaster cpu Y" (or unpinned).
     * @param statistics      the reflector's XDP statistics at the end.
     * @param window          the blaster's window.
     * @param maxInFlight     the most frames the blaster ever had in flight (never above the window).
     */
    public record Result(
        double framesPerSecond, long sent, long reflected, long received, double seconds, String mode, String cpus,
        String statistics, int window, long maxInFlight)
    {
        /** @return the one labelled line the tool prints. */
        public String line()
        {
            return String.format(Locale.ROOT, "reflect frames/s: %.0f (60-byte frames, window %d, at most %d in " +
                "flight, %s, %.1f s, sent %d, reflected %d, received back %d, %s; %s)", framesPerSecond, window,
                maxInFlight, mode, seconds, sent, reflected, received, cpus, statistics);
        }
    }

    /**
     * Runs reflector and blaster for a while.
     *
     * @param nsA     namespace of the reflector's interface (or null).
     * @param devA    reflector's interface.
     * @param nsB     namespace of the blaster's interface (or null).
     * @param devB    blaster's interface.
     * @param mode    XDP mode for both.
     * @param seconds measuring time.
     * @param ring    ring size.
     * @param batch   batch per doWork.
     * @param window  blaster's frames in flight.
     * @param cpuA    reflector CPU, -1 unpinned.
     * @param cpuB    blaster CPU, -1 unpinned.
     * @return the result.
     * @throws InterruptedException if interrupted while measuring.
     */
    public static Result bench(
        final String nsA, final String devA, final String nsB, final String devB, final XdpMode mode,
        final double seconds, final int ring, final int batch, final int window, final int cpuA, final int cpuB)
        throws InterruptedException
    {
        try (XdpSocket a = XdpSocket.open(XdpConfig.builder(devA).namespace(nsA).mode(mode).ringSize(ring).build());
            XdpSocket b = XdpSocket.open(XdpConfig.builder(devB).namespace(nsB).mode(mode).ringSize(ring).build()))
        {
            final ReflectAgent reflector = new ReflectAgent(a, batch);
            final BlastAgent blaster = new BlastAgent(b, MAC_A, MAC_B, batch, window);
            final PinnedAgent pinnedA = new PinnedAgent(reflector, cpuA);
            final PinnedAgent pinnedB = new PinnedAgent(blaster, cpuB);
            final AgentRunner runA = new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null,
                pinnedA);
            final AgentRunner runB = new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null,
                pinnedB);
            try
            {
                AgentRunner.startOnThread(runA);
                AgentRunner.startOnThread(runB);
                Thread.sleep(500); // warm-up: JIT and rings primed before the clock starts
                final long r0 = blaster.received();
                final long s0 = blaster.sent();
                final long f0 = reflector.reflected();
                final long t0 = System.nanoTime();
                Thread.sleep((long)(seconds * 1000));
                final long t1 = System.nanoTime();
                final long r1 = blaster.received();
                final double elapsed = (t1 - t0) / 1e9;
                final String cpus = "reflector cpu " + (pinnedA.pinned() ? cpuA : "unpinned") + ", blaster cpu " +
                    (pinnedB.pinned() ? cpuB : "unpinned");
                return new Result((r1 - r0) / elapsed, blaster.sent() - s0, reflector.reflected() - f0, r1 - r0,
                    elapsed, a.mode(), cpus, a.statistics(new XdpStatistics()).toString(), window,
                    blaster.maxInFlight());
            }
            finally
            {
                runA.close();
                runB.close();
            }
        }
    }

    /**
     * Command line entry point (see the class comment).
     *
     * @param args the arguments.
     * @throws InterruptedException if interrupted.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        if (args.length == 0 || !(args[0].equals("bench") || args[0].equals("reflect")))
        {
            System.err.println("usage: Reflect bench --ns-a NS --dev-a DEV --ns-b NS --dev-b DEV [--seconds 5] " +
                "[--mode skb|drv] [--ring 2048] [--batch 64] [--window 1024] [--cpu-a 0] [--cpu-b 1]\n" +
                "       Reflect reflect --ns NS --dev DEV [--seconds 0] [--mode skb|drv] [--ring 2048] [--cpu 0]");
            System.exit(2);
        }
        final Map<String, String> opts = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2)
        {
            opts.put(args[i], args[i + 1]);
        }
        final XdpMode mode = "drv".equals(opts.getOrDefault("--mode", "skb")) ? XdpMode.NATIVE : XdpMode.GENERIC;
        final int ring = Integer.parseInt(opts.getOrDefault("--ring", "2048"));
        final int batch = Integer.parseInt(opts.getOrDefault("--batch", "64"));
        if (args[0].equals("bench"))
        {
            final int cpus = Runtime.getRuntime().availableProcessors();
            final Result result = bench(opts.get("--ns-a"), require(opts, "--dev-a"), opts.get("--ns-b"),
                require(opts, "--dev-b"), mode, Double.parseDouble(opts.getOrDefault("--seconds", "5")), ring, batch,
                Integer.parseInt(opts.getOrDefault("--window", "1024")),
                Integer.parseInt(opts.getOrDefault("--cpu-a", cpus > 1 ? "0" : "-1")),
                Integer.parseInt(opts.getOrDefault("--cpu-b", cpus > 1 ? "1" : "-1")));
            System.out.println(result.line());
        }
        else
        {
            reflectOnly(opts.get("--ns"), require(opts, "--dev"), mode, ring, batch,
                Long.parseLong(opts.getOrDefault("--seconds", "0")),
                Integer.parseInt(opts.getOrDefault("--cpu", "-1")));
        }
    }

    private static void reflectOnly(
        final String ns, final String dev, final XdpMode mode, final int ring, final int batch, final long seconds,
        final int cpu) throws InterruptedException
    {
        try (XdpSocket socket = XdpSocket.open(XdpConfig.builder(dev).namespace(ns).mode(mode).ringSize(ring)
            .build()))
        {
            System.out.println("reflecting on " + dev + " (" + socket.mode() + ")");
            final ReflectAgent reflector = new ReflectAgent(socket, batch);
            try (AgentRunner runner = new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null,
                new PinnedAgent(reflector, cpu)))
            {
                AgentRunner.startOnThread(runner);
                long last = reflector.reflected();
                for (long s = 0; seconds == 0 || s < seconds; s++)
                {
                    TimeUnit.SECONDS.sleep(1);
                    final long now = reflector.reflected();
                    System.out.println("reflect frames/s: " + (now - last));
                    last = now;
                }
            }
        }
    }

    private static String require(final Map<String, String> opts, final String key)
    {
        final String value = opts.get(key);
        if (value == null)
        {
            throw new IllegalArgumentException("missing " + key);
        }
        return value;
    }
}
