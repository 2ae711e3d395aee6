package dev.synack.tools;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import dev.synack.tools.capture.CaptureException;
import dev.synack.tools.capture.LadderCommand;
import dev.synack.tools.capture.PcapCommand;

/**
 * The {@code synack} command line: {@code demo}, {@code stat}, {@code pcap}, {@code ladder}, {@code http-lab},
 * {@code serve}.
 * Exit codes: 0 done, 1 failed while running, 2 wrong arguments, a feature not available here, or a capture that
 * cannot be read or written (with the reason).
 * <p>
 * Run through {@code tools/bin/synack}, which adds the JVM flags Agrona needs.
 */
public final class Main
{
    static final String USAGE = String.join(System.lineSeparator(),
        "usage: synack <command> [options]",
        "  demo   two synack stacks: ARP + ping, one TCP connection frame by frame, then handshakes/s and",
        "         keep-alive exchanges/s with latency percentiles, and the counters",
        "         " + DemoCommand.USAGE.substring("usage: ".length()),
        "  stat   print a running stack's counters file",
        "         " + StatCommand.USAGE.substring("usage: ".length()),
        "  pcap   write a capture journal (demo --capture DIR) as a pcap file for tshark/Wireshark",
        "         " + PcapCommand.USAGE.substring("usage: ".length()),
        "  ladder print a ladder diagram per TCP connection of a capture journal or pcap file",
        "         " + LadderCommand.USAGE.substring("usage: ".length()),
        "  http-lab  (root) wrk against synack's HTTP responder over AF_XDP and against a kernel-socket server",
        "         " + HttpLabCommand.USAGE.substring("usage: ".length()),
        "  serve  (root) synack as a server on a named interface (a lab NIC): HTTP and echo over AF_XDP, a status",
        "         line per second, counters for `synack stat`; until --seconds or SIGINT/SIGTERM",
        "         " + ServeCommand.USAGE.substring("usage: ".length()));

    private Main()
    {
    }

    /**
     * @param args the command line.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs a command; never calls {@code System.exit}.
     *
     * @param args the command line.
     * @param out standard output.
     * @param err standard error.
     * @return the exit code.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        try
        {
            if (args.length == 0)
            {
                throw new UsageException("no command given");
            }
            final List<String> rest = Arrays.asList(args).subList(1, args.length);
            switch (args[0])
            {
                case "demo":
                    return new DemoCommand(rest, out).run();
                case "stat":
                    return new StatCommand(rest, out).run();
                case "pcap":
                    return new PcapCommand(rest, out).run();
                case "ladder":
                    return new LadderCommand(rest, out).run();
                case "http-lab":
                    return new HttpLabCommand(rest, out).run();
                case "serve":
                    return new ServeCommand(rest, out).run();
                case "help":
                case "--help":
                case "-h":
                    out.println(USAGE);
                    return 0;
                default:
                    throw new UsageException("unknown command '" + args[0] + "'");
            }
        }
        catch (final UsageException ex)
        {
            err.println("synack: " + ex.getMessage());
            err.println(USAGE);
            return 2;
        }
        catch (final NotAvailableException ex)
        {
            err.println("synack: not available: " + ex.getMessage());
            return 2;
        }
        catch (final CaptureException ex)
        {
            err.println("synack: " + ex.getMessage());
            return 2;
        }
        catch (final RuntimeException ex)
        {
            err.println("synack: failed: " + ex);
            ex.printStackTrace(err);
            return 1;
        }
    }

    /** @return whether this process runs as root (uid 0). */
    static boolean isRoot()
    {
        try
        {
            return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return false;
        }
    }
}
