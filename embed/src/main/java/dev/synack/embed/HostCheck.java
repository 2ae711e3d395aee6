package dev.synack.embed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.synack.wire.MacAddress;

/**
 * What {@link SynackBuilder#start()} checks on the host before it opens anything: the interface (its MAC, MTU and
 * rx queues), the namespace, the process's capabilities and the CPUs. Each failure is a
 * {@link SynackConfigException} whose one line names the value and where it was looked up.
 * <p>
 * Outside a namespace the interface is read from {@code /sys/class/net/IF}; inside one from
 * {@code ip -n NS -o link show dev IF} and {@code ip netns exec NS ls /sys/class/net/IF/queues}, because our sysfs
 * shows the namespace it was mounted in, not the interface's.
 * Start-up only; stateless.
 */
final class HostCheck
{
    /** CAP_NET_ADMIN: attach the XDP program, bind to a queue. */
    static final int CAP_NET_ADMIN = 12;
    /** CAP_NET_RAW: socket(AF_XDP). */
    static final int CAP_NET_RAW = 13;
    /** CAP_SYS_ADMIN: bpf() on kernels before 5.8. */
    static final int CAP_SYS_ADMIN = 21;
    /** CAP_BPF: bpf() (program and map) since 5.8. */
    static final int CAP_BPF = 39;

    private static final String FAILED = "exit ";
    private static final Pattern ETHER = Pattern.compile("link/ether ([0-9a-fA-F:]{17})");
    private static final Pattern MTU = Pattern.compile(" mtu ([0-9]+)");

    /**
     * What start-up needs of the interface.
     *
     * @param mac its Ethernet address.
     * @param mtu its MTU.
     * @param rxQueues how many rx queues it has.
     * @param source where this was read, for messages.
     */
    record Nic(long mac, int mtu, int rxQueues, String source)
    {
    }

    private HostCheck()
    {
    }

    /**
     * @param name an interface name.
     * @return why it cannot be one, or null.
     */
    static String badInterfaceName(final String name)
    {
        if (name.isEmpty() || name.length() > 15 || name.equals(".") || name.equals("..")
            || name.chars().anyMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c)))
        {
            return "device '" + name + "': an interface name is 1..15 characters without '/', ':' or spaces";
        }
        return null;
    }

    /**
     * @param sysNet the sysfs directory of interfaces ({@code /sys/class/net}; another in tests).
     * @param name the interface.
     * @param namespace its network namespace (a name from {@code ip netns list}), or null for ours.
     * @return what was found.
     */
    static Nic nic(final Path sysNet, final String name, final String namespace)
    {
        return namespace == null ? fromSysfs(sysNet.resolve(name), name) : fromIp(name, namespace);
    }

    private static Nic fromSysfs(final Path dir, final String name)
    {
        if (!Files.isDirectory(dir))
        {
            throw new SynackConfigException("no such interface " + name + " (" + dir + " does not exist): check"
                + " `ip link`; for an interface in another network namespace give namespace(...)");
        }
        final String address = read(dir.resolve("address"));
        final int mtu = Integer.parseInt(read(dir.resolve("mtu")));
        int queues = 0;
        try (DirectoryStream<Path> rx = Files.newDirectoryStream(dir.resolve("queues"), "rx-*"))
        {
            for (final Path ignored : rx)
            {
                queues++;
            }
        }
        catch (final IOException ex)
        {
            throw new SynackConfigException("cannot list " + dir.resolve("queues") + ": " + ex.getMessage(), ex);
        }
        return new Nic(mac(address, name, dir.resolve("address").toString()), mtu, queues,
            dir.resolve("queues") + "/rx-*");
    }

    private static Nic fromIp(final String name, final String namespace)
    {
        if (!Files.exists(Path.of("/run/netns", namespace)))
        {
            throw new SynackConfigException("namespace '" + namespace + "': no such network namespace (/run/netns/"
                + namespace + " does not exist): check `ip netns list`");
        }
        final List<String> command = List.of("ip", "-n", namespace, "-o", "link", "show", "dev", name);
        final String source = String.join(" ", command);
        final String text = run(command);
        if (text == null || text.startsWith(FAILED))
        {
            throw new SynackConfigException("no such interface " + name + " in network namespace " + namespace
                + " (`" + source + "` failed" + (text == null ? "" : ": " + firstLine(text)) + "): check `ip -n "
                + namespace + " link` (entering a namespace needs root)");
        }
        final Matcher ether = ETHER.matcher(text);
        if (!ether.find())
        {
            throw new SynackConfigException(name + " in network namespace " + namespace
                + " is not an Ethernet interface (no link/ether in `" + source + "`)");
        }
        final Matcher mtu = MTU.matcher(text);
        // The queues in use, as sysfs shows them inside the namespace (`ip netns exec` mounts the namespace's own
        // sysfs); ip's numrxqueues is what the device could have (veth: one per possible CPU), not what it has.
        final String dir = "/sys/class/net/" + name + "/queues";
        final String listing = run(List.of("ip", "netns", "exec", namespace, "ls", dir));
        if (listing == null || listing.startsWith(FAILED))
        {
            throw new SynackConfigException("cannot list " + dir + " in network namespace " + namespace
                + (listing == null ? "" : ": " + firstLine(listing)));
        }
        int queues = 0;
        for (final String entry : listing.split("\\s+"))
        {
            queues += entry.startsWith("rx-") ? 1 : 0;
        }
        return new Nic(mac(ether.group(1), name, source), mtu.find() ? Integer.parseInt(mtu.group(1)) : 1500,
            queues, dir + "/rx-* in network namespace " + namespace);
    }

    private static long mac(final String text, final String name, final String source)
    {
        long mac;
        try
        {
            mac = MacAddress.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            mac = 0;
        }
        if (mac == 0 || MacAddress.isMulticast(mac))
        {
            throw new SynackConfigException(name + " has no usable Ethernet address ('" + text + "' from " + source
                + "): give mac(...)");
        }
        return mac;
    }

    /**
     * @param procStatus the process status file ({@code /proc/self/status}; another in tests).
     * @param device the interface, for the message.
     * @throws SynackConfigException naming what is missing, when AF_XDP cannot be opened.
     */
    static void requireAfXdpCapabilities(final Path procStatus, final String device)
    {
        long effective = 0;
        for (final String line : read(procStatus).split("\n"))
        {
            if (line.startsWith("CapEff:"))
            {
                effective = Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        }
        final String missing = missingCapabilities(effective);
        if (missing != null)
        {
            throw new SynackConfigException("AF_XDP on " + device + " needs CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF"
                + " (or CAP_SYS_ADMIN); this process lacks " + missing + " (CapEff " + String.format("%016x",
                effective) + " in " + procStatus + "): run as root");
        }
    }

    /**
     * @param effective the effective capability set, a bit per capability.
     * @return the missing capabilities' names, or null when AF_XDP can be opened.
     */
    static String missingCapabilities(final long effective)
    {
        final StringBuilder missing = new StringBuilder();
        if (!has(effective, CAP_NET_ADMIN))
        {
            missing.append("CAP_NET_ADMIN");
        }
        if (!has(effective, CAP_NET_RAW))
        {
            missing.append(missing.length() > 0 ? ", " : "").append("CAP_NET_RAW");
        }
        if (!has(effective, CAP_BPF) && !has(effective, CAP_SYS_ADMIN))
        {
            missing.append(missing.length() > 0 ? ", " : "").append("CAP_BPF");
        }
        return missing.length() == 0 ? null : missing.toString();
    }

    private static boolean has(final long effective, final int capability)
    {
        return (effective & (1L << capability)) != 0;
    }

    /**
     * @param online the kernel's list of online CPUs ({@code /sys/devices/system/cpu/online}; another in tests).
     * @return the online CPUs, or null when the list cannot be read (then any id is let through to the kernel).
     */
    static BitSet onlineCpus(final Path online)
    {
        if (!Files.isReadable(online))
        {
            return null;
        }
        final BitSet cpus = new BitSet();
        for (final String range : read(online).split(","))
        {
            final int dash = range.indexOf('-');
            final int first = Integer.parseInt(range.substring(0, dash < 0 ? range.length() : dash).trim());
            final int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1).trim());
            cpus.set(first, last + 1);
        }
        return cpus;
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        }
        catch (final IOException ex)
        {
            throw new SynackConfigException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static String firstLine(final String text)
    {
        final String trimmed = text.trim();
        final int newline = trimmed.indexOf('\n');
        return newline < 0 ? trimmed : trimmed.substring(0, newline);
    }

    /** Runs a command for 10 s at most: its output (stdout and stderr), or null when it failed or could not run. */
    private static String run(final List<String> command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (InputStream in = process.getInputStream())
            {
                in.transferTo(out);
            }
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return null;
            }
            final String text = out.toString(StandardCharsets.UTF_8);
            return process.exitValue() == 0 ? text : FAILED + process.exitValue() + ": " + text;
        }
        catch (final IOException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
