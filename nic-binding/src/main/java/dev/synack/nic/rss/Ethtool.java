package dev.synack.nic.rss;

import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.nic.ffi.Errno;
import dev.synack.nic.ffi.Native;
import dev.synack.nic.ffi.NativeException;
import dev.synack.nic.ffi.NetNamespace;
import dev.synack.nic.ffi.OffHeap;

/**
 * What the NIC says of its queues and its RSS, through ethtool's ioctl (SIOCETHTOOL, include/uapi/linux/ethtool.h):
 * the channel counts (ETHTOOL_GCHANNELS, as {@code ethtool -l}) and the RSS hash function, key and indirection table
 * (ETHTOOL_GRSSH, as {@code ethtool -x}).
 * <p>
 * Who calls it: the embedding's start-up, to check the queues asked for and to choose how active opens keep their
 * flows on their own queue. Start-up only (JNR calls, allocates); stateless, any thread — each call enters the
 * namespace on the calling thread and leaves it.
 */
public final class Ethtool
{
    /** ioctl request: an ethtool command through a struct ifreq. */
    static final long SIOCETHTOOL = 0x8946;
    /** Get the channel counts. */
    static final int ETHTOOL_GCHANNELS = 0x3c;
    /** Get the RSS hash function, key and indirection table. */
    static final int ETHTOOL_GRSSH = 0x46;
    /** ETH_RSS_HASH_TOP: the Toeplitz hash function, as ETHTOOL_GRSSH reports it. */
    static final int ETH_RSS_HASH_TOP = 1;
    /** sizeof(struct ifreq). */
    static final int IFREQ_SIZE = 40;
    /** offsetof(struct ifreq, ifr_data). */
    static final int IFREQ_DATA = 16;
    /** sizeof(struct ethtool_channels): nine u32. */
    static final int CHANNELS_SIZE = 36;
    /** sizeof(struct ethtool_rxfh) before rss_config[]. */
    static final int RXFH_SIZE = 24;

    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;

    /**
     * The channel counts of struct ethtool_channels.
     *
     * @param maxRx most rx-only channels.
     * @param maxCombined most combined channels.
     * @param rx rx-only channels in use.
     * @param tx tx-only channels in use.
     * @param combined combined channels in use.
     */
    public record Channels(int maxRx, int maxCombined, int rx, int tx, int combined)
    {
        /** @return the rx queues an AF_XDP socket may bind: rx-only and combined channels. */
        public int rxQueues()
        {
            return rx + combined;
        }
    }

    private Ethtool()
    {
    }

    /**
     * ETHTOOL_GCHANNELS.
     *
     * @param ifName the interface.
     * @param namespace its network namespace, or null for ours.
     * @return its channels.
     * @throws NativeException naming the call (EOPNOTSUPP: the driver does not report channels).
     */
    public static Channels channels(final String ifName, final String namespace)
    {
        final UnsafeBuffer command = OffHeap.allocate(CHANNELS_SIZE);
        command.putInt(0, ETHTOOL_GCHANNELS);
        ioctl(ifName, namespace, command, "ETHTOOL_GCHANNELS");
        return new Channels(command.getInt(4), command.getInt(16), command.getInt(20), command.getInt(24),
            command.getInt(32));
    }

    /**
     * ETHTOOL_GRSSH: the NIC's RSS, when it is a Toeplitz hash this process can predict.
     *
     * @param ifName the interface.
     * @param namespace its network namespace, or null for ours.
     * @return the key and indirection table, or null when the driver does not report them (veth: EOPNOTSUPP), uses
     *     another hash function than Toeplitz, or has no key or table.
     */
    public static RssSteering rss(final String ifName, final String namespace)
    {
        final UnsafeBuffer sizes = OffHeap.allocate(RXFH_SIZE);
        sizes.putInt(0, ETHTOOL_GRSSH);
        try
        {
            ioctl(ifName, namespace, sizes, "ETHTOOL_GRSSH");
        }
        catch (final NativeException ex)
        {
            if (ex.errno() == Errno.EOPNOTSUPP || ex.errno() == Errno.ENOTSUP_ALIAS || ex.errno() == Errno.EINVAL)
            {
                return null;
            }
            throw ex;
        }
        final int indirSize = sizes.getInt(8);
        final int keySize = sizes.getInt(12);
        if (indirSize <= 0 || keySize < Toeplitz.IPV4_TCP_INPUT + 4 || indirSize > 65536 || keySize > 1024)
        {
            return null;
        }
        final UnsafeBuffer full = OffHeap.allocate(RXFH_SIZE + 4 * indirSize + keySize);
        full.putInt(0, ETHTOOL_GRSSH);
        full.putInt(8, indirSize);
        full.putInt(12, keySize);
        ioctl(ifName, namespace, full, "ETHTOOL_GRSSH");
        if ((full.getByte(16) & 0xFF) != ETH_RSS_HASH_TOP)
        {
            return null;
        }
        final int[] indirection = new int[indirSize];
        for (int i = 0; i < indirSize; i++)
        {
            indirection[i] = full.getInt(RXFH_SIZE + 4 * i);
        }
        final byte[] key = new byte[keySize];
        full.getBytes(RXFH_SIZE + 4 * indirSize, key);
        return new RssSteering(key, indirection);
    }

    private static void ioctl(final String ifName, final String namespace, final UnsafeBuffer command,
        final String name)
    {
        final byte[] nameBytes = ifName.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length > 15)
        {
            throw new IllegalArgumentException("interface name must be 1..15 characters: '" + ifName + "'");
        }
        final UnsafeBuffer ifreq = OffHeap.allocate(IFREQ_SIZE);
        ifreq.putBytes(0, nameBytes);
        ifreq.putLong(IFREQ_DATA, command.addressOffset());
        final NetNamespace inside = NetNamespace.enter(namespace);
        try
        {
            final int fd = Native.check(Native.LIBC.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0),
                "socket(AF_INET, SOCK_DGRAM, 0)", null);
            try
            {
                if (Native.LIBC.ioctl(fd, SIOCETHTOOL, ifreq.addressOffset()) < 0)
                {
                    final int errno = Native.errno();
                    throw Native.fail("ioctl(SIOCETHTOOL, " + name + ", \"" + ifName + "\")", errno,
                        errno == Errno.ENODEV ? "no such interface " + ifName + (namespace == null ? ""
                        : " in network namespace " + namespace) : null);
                }
            }
            finally
            {
                Native.LIBC.close(fd);
            }
        }
        finally
        {
            inside.close();
        }
    }
}
