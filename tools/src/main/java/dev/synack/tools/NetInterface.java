package dev.synack.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.synack.wire.MacAddress;

/**
 * What {@code synack serve} learns about the interface it binds before it opens the AF_XDP socket: the
 * interface's own MAC (the default for the stack's), its MTU, the IPv4 addresses the kernel holds on it, and
 * whether an XDP program is already attached.
 * <p>
 * Outside a namespace the MAC and MTU come from {@code /sys/class/net/IFACE/}; inside one (sysfs shows the
 * namespace it was mounted in) from {@code ip -n NS -o link show dev IFACE}. The addresses and the XDP state
 * always come from {@code ip}; when {@code ip} cannot run they are reported as unknown (empty, false). Start-up
 * only; immutable.
 *
 * @param name        the interface.
 * @param namespace   its network namespace, or null for the caller's.
 * @param mac         its MAC address (low 48 bits).
 * @param macSource   where the MAC was read, for the operator.
 * @param mtu         its MTU.
 * @param ipv4        the kernel's IPv4 addresses on it, "a.b.c.d/len".
 * @param xdpAttached whether {@code ip link} shows an XDP program on it.
 * @param problem     why the interface could not be read (then the other fields are defaults), or null.
 */
record NetInterface(String name, String namespace, long mac, String macSource, int mtu, List<String> ipv4,
    boolean xdpAttached, String problem)
{
    private static final Pattern ETHER = Pattern.compile("link/ether ([0-9a-fA-F:]{17})");
    private static final Pattern MTU = Pattern.compile(" mtu ([0-9]+)");
    private static final Pattern XDP = Pattern.compile("\\b(xdp|xdpgeneric|xdpdrv|xdpoffload|xdpmulti)\\b");
    private static final Pattern INET = Pattern.compile(" inet ([0-9.]+/[0-9]+)");

    /**
     * Reads an interface.
     *
     * @param name      the interface.
     * @param namespace its namespace, or null.
     * @return what was found.
     * @throws NotAvailableException when the interface (or the namespace) does not exist or is not Ethernet.
     */
    static NetInterface read(final String name, final String namespace)
    {
        final String where = namespace == null ? "" : " in network namespace " + namespace;
        final Ip linkShow = ip(namespace, "-o", "link", "show", "dev", name);
        final String link = linkShow.ok() ? linkShow.text() : null;
        final long mac;
        final String macSource;
        final int mtu;
        if (namespace == null)
        {
            final Path dir = Path.of("/sys/class/net", name);
            final String address = sysfs(dir.resolve("address"), name);
            macSource = dir.resolve("address").toString();
            mac = parseMac(address.trim(), name, macSource);
            mtu = Integer.parseInt(sysfs(dir.resolve("mtu"), name).trim());
        }
        else
        {
            if (link == null)
            {
                throw new NotAvailableException("cannot read interface " + name + where + ": "
                    + linkShow.text().trim() + " (check `ip -n " + namespace + " link`; entering a namespace needs"
                    + " root)", null);
            }
            macSource = "ip -n " + namespace + " link show " + name;
            final Matcher ether = ETHER.matcher(link);
            if (!ether.find())
            {
                throw new NotAvailableException(name + where + " is not an Ethernet interface (no link/ether in `"
                    + macSource + "`)", null);
            }
            mac = parseMac(ether.group(1), name, macSource);
            final Matcher m = MTU.matcher(link);
            mtu = m.find() ? Integer.parseInt(m.group(1)) : 1500;
        }
        final List<String> addresses = new ArrayList<>();
        final Ip addr = ip(namespace, "-4", "-o", "addr", "show", "dev", name);
        if (addr.ok())
        {
            final Matcher inet = INET.matcher(addr.text());
            while (inet.find())
            {
                addresses.add(inet.group(1));
            }
        }
        return new NetInterface(name, namespace, mac, macSource, mtu, List.copyOf(addresses), hasXdp(link), null);
    }

    /**
     * An interface that could not be read, for when the operator gave the MAC: MTU 1500 is assumed, and opening
     * the socket will say what is wrong if something is (no such interface, no privilege).
     *
     * @param name      the interface.
     * @param namespace its namespace, or null.
     * @param problem   why it could not be read.
     * @return the defaults.
     */
    static NetInterface unread(final String name, final String namespace, final String problem)
    {
        return new NetInterface(name, namespace, 0, "", 1500, List.of(), false, problem);
    }

    /**
     * @param name      the interface.
     * @param namespace its namespace, or null.
     * @return {@code ip [-n NS] -o link show dev NAME}, or null when it could not be run or failed.
     */
    static String link(final String name, final String namespace)
    {
        final Ip link = ip(namespace, "-o", "link", "show", "dev", name);
        return link.ok() ? link.text() : null;
    }

    /**
     * @param linkShow the output of {@code ip link show} for one interface, or null.
     * @return whether it shows an XDP program (xdp, xdpgeneric, xdpdrv, ... or prog/xdp).
     */
    static boolean hasXdp(final String linkShow)
    {
        return linkShow != null && XDP.matcher(linkShow).find();
    }

    /**
     * @param ip an IPv4 address, dotted quad.
     * @return whether the kernel holds it on this interface.
     */
    boolean kernelOwns(final String ip)
    {
        return ipv4.stream().anyMatch(a -> a.substring(0, a.indexOf('/')).equals(ip));
    }

    private static String sysfs(final Path file, final String name)
    {
        try
        {
            return Files.readString(file, StandardCharsets.US_ASCII);
        }
        catch (final NoSuchFileException ex)
        {
            throw new NotAvailableException("no such interface " + name + " (" + file.getParent()
                + " does not exist): check `ip link`; for an interface in a namespace give --ns", null);
        }
        catch (final IOException ex)
        {
            throw new NotAvailableException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static long parseMac(final String text, final String name, final String source)
    {
        try
        {
            final long mac = MacAddress.parse(text);
            if (mac == 0 || MacAddress.isMulticast(mac))
            {
                throw new IllegalArgumentException("not a unicast MAC");
            }
            return mac;
        }
        catch (final IllegalArgumentException ex)
        {
            throw new NotAvailableException(name + " has no usable Ethernet address ('" + text + "' from " + source
                + "): give --mac", ex);
        }
    }

    /** Runs {@code ip [-n NS] ARGS}: its output, or why it failed (ip missing or a non-zero exit). */
    private static Ip ip(final String namespace, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("ip"));
        if (namespace != null)
        {
            command.add("-n");
            command.add(namespace);
        }
        command.addAll(List.of(args));
        try
        {
            return new Ip(true, LabNet.run(command));
        }
        catch (final IllegalStateException ex)
        {
            return new Ip(false, ex.getMessage());
        }
    }

    /** What one {@code ip} run printed, and whether it succeeded. */
    private record Ip(boolean ok, String text)
    {
    }
}
