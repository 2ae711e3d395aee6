package dev.synack.nic.xdp;

import java.util.concurrent.locks.LockSupport;

import dev.synack.nic.bpf.XskRedirectProgram;
import dev.synack.nic.ffi.Errno;
import dev.synack.nic.ffi.Native;
import dev.synack.nic.ffi.NativeException;
import dev.synack.nic.ffi.NetNamespace;
import dev.synack.nic.ffi.OffHeap;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.synack.nic.xdp.XdpConstants.AF_XDP;
import static dev.synack.nic.xdp.XdpConstants.SOL_XDP;

/**
 * An AF_XDP socket bound to one queue of one interface: its UMEM, its four rings and the XDP program that
 * steers the queue's frames to it.
 *
 * <p>Who calls it: the application or harness opens it with {@link #open(XdpConfig)} and hands it to a
 * {@code NicAgent} (or the reflect tool), which is then the only user of the rings. Thread-safety: open and
 * close on one thread; the rings, {@link #kickTx()}, {@link #wakeFill()} and {@link #statistics} belong to the
 * single thread that runs the data path. Caveats: needs root (CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF, and
 * CAP_IPC_LOCK or a big enough RLIMIT_MEMLOCK for the UMEM); close it to detach the program — the kernel also
 * detaches it when the process dies, because it is attached through a BPF link.
 */
public final class XdpSocket implements AutoCloseable
{
    private static final long BUSY_RETRY_NS = 500_000_000L;
    private static final long BUSY_RETRY_PAUSE_NS = 5_000_000L;
    private static final int SOCK_FLAGS = XdpConstants.SOCK_RAW | XdpConstants.SOCK_CLOEXEC;

    private final XdpConfig config;
    private final UnsafeBuffer scratch = OffHeap.allocate(256);
    private final long scratchAddress = scratch.addressOffset();
    private int fd = -1;
    private int ifindex;
    private long umemAddress;
    private UnsafeBuffer umem;
    private ProducerRing fill;
    private ConsumerRing completion;
    private ConsumerRing rx;
    private ProducerRing tx;
    private XskRedirectProgram program;
    private boolean ownsProgram;
    private boolean zeroCopy;
    private String modeNote = "";

    private XdpSocket(final XdpConfig config)
    {
        this.config = config;
    }

    /**
     * Opens, binds and wires a socket; on any failure releases everything it made and throws.
     *
     * @param config what to open.
     * @return the socket, ready for the data path.
     * @throws NativeException naming the failed call and the fix.
     */
    public static XdpSocket open(final XdpConfig config)
    {
        final XdpSocket socket = new XdpSocket(config);
        final NetNamespace namespace = NetNamespace.enter(config.namespace());
        try
        {
            socket.doOpen();
            return socket;
        }
        catch (final RuntimeException ex)
        {
            socket.close();
            throw ex;
        }
        finally
        {
            namespace.close();
        }
    }

    private void doOpen()
    {
        final String ifName = config.ifName();
        ifindex = Native.LIBC.if_nametoindex(ifName);
        if (ifindex == 0)
        {
            final int errno = Native.errno();
            throw new NativeException("if_nametoindex(\"" + ifName + "\")", errno,
                errno == 0 ? "returned 0" : Native.LIBC.strerror(errno),
                "no such interface " + ifName +
                (config.namespace() == null ? "" : " in network namespace " + config.namespace()) +
                ": check `ip link`" + (config.namespace() == null ? "" : " (ip -n " + config.namespace() + " link)"));
        }
        fd = Native.check(Native.LIBC.socket(AF_XDP, SOCK_FLAGS, 0), "socket(AF_XDP, SOCK_RAW, 0)", null);
        registerUmem();
        setRingSize(XdpConstants.XDP_UMEM_FILL_RING, "XDP_UMEM_FILL_RING", config.fillRingSize());
        setRingSize(XdpConstants.XDP_UMEM_COMPLETION_RING, "XDP_UMEM_COMPLETION_RING", config.completionRingSize());
        setRingSize(XdpConstants.XDP_RX_RING, "XDP_RX_RING", config.rxRingSize());
        setRingSize(XdpConstants.XDP_TX_RING, "XDP_TX_RING", config.txRingSize());
        mapRings(readOffsets());
        bind();
        if (config.program() != null)
        {
            program = config.program();
        }
        else
        {
            program = XskRedirectProgram.attach(ifName, ifindex, config.mode().attachFlags());
            ownsProgram = true;
        }
        // last: from here the queue's frames stop reaching the kernel stack and land on our RX ring
        program.register(config.queue(), fd);
    }

    private void registerUmem()
    {
        final long bytes = config.umemBytes();
        // anonymous, private, populated now so the data path never page-faults into the kernel
        umemAddress = Native.mmap(0, bytes, XdpConstants.PROT_READ_WRITE,
            XdpConstants.MAP_PRIVATE | XdpConstants.MAP_ANONYMOUS | XdpConstants.MAP_POPULATE, -1, 0);
        if (umemAddress == -1)
        {
            umemAddress = 0;
            throw Native.fail("mmap(UMEM, " + bytes + " bytes, anonymous)", "not enough memory for the UMEM: " +
                "lower frameCount");
        }
        umem = new UnsafeBuffer(umemAddress, (int)bytes);
        scratch.setMemory(0, XdpUmemReg.SIZE, (byte)0);
        scratch.putLong(XdpUmemReg.ADDR, umemAddress);
        scratch.putLong(XdpUmemReg.LEN, bytes);
        scratch.putInt(XdpUmemReg.CHUNK_SIZE, config.frameSize());
        scratch.putInt(XdpUmemReg.HEADROOM, 0);
        if (Native.LIBC.setsockopt(fd, SOL_XDP, XdpConstants.XDP_UMEM_REG, scratchAddress, XdpUmemReg.SIZE) < 0)
        {
            final int errno = Native.errno();
            final String fix = errno == Errno.ENOBUFS || errno == Errno.ENOMEM ?
                "UMEM of " + bytes + " bytes is over RLIMIT_MEMLOCK: run as root or raise `ulimit -l` " +
                "(or lower frameCount)" : null;
            throw Native.fail("setsockopt(fd=" + fd + ", SOL_XDP, XDP_UMEM_REG, len=" + bytes + ", chunk_size=" +
                config.frameSize() + ")", errno, fix);
        }
    }

    private void setRingSize(final int option, final String name, final int size)
    {
        scratch.putInt(0, size);
        if (Native.LIBC.setsockopt(fd, SOL_XDP, option, scratchAddress, 4) < 0)
        {
            throw Native.fail("setsockopt(fd=" + fd + ", SOL_XDP, " + name + ", " + size + ")", null);
        }
    }

    private XdpMmapOffsets readOffsets()
    {
        scratch.setMemory(0, XdpMmapOffsets.SIZE + 8, (byte)0);
        final int lengthAt = XdpMmapOffsets.SIZE;
        scratch.putInt(lengthAt, XdpMmapOffsets.SIZE);
        if (Native.LIBC.getsockopt(fd, SOL_XDP, XdpConstants.XDP_MMAP_OFFSETS, scratchAddress,
            scratchAddress + lengthAt) < 0)
        {
            throw Native.fail("getsockopt(fd=" + fd + ", SOL_XDP, XDP_MMAP_OFFSETS)", null);
        }
        if (scratch.getInt(lengthAt) != XdpMmapOffsets.SIZE)
        {
            throw new NativeException("getsockopt(fd=" + fd + ", SOL_XDP, XDP_MMAP_OFFSETS)", 0,
                "returned " + scratch.getInt(lengthAt) + " bytes, expected " + XdpMmapOffsets.SIZE,
                "kernel too old (no ring flags): use Linux >= 5.4");
        }
        return new XdpMmapOffsets().read(scratch, 0);
    }

    private void mapRings(final XdpMmapOffsets offsets)
    {
        rx = new ConsumerRing(mapRing(offsets, XdpMmapOffsets.RX, config.rxRingSize(), XdpDesc.SIZE,
            XdpConstants.XDP_PGOFF_RX_RING, "RX"), XskRing.mapLength(offsets, XdpMmapOffsets.RX,
            config.rxRingSize(), XdpDesc.SIZE), offsets, XdpMmapOffsets.RX, config.rxRingSize(), XdpDesc.SIZE);
        tx = new ProducerRing(mapRing(offsets, XdpMmapOffsets.TX, config.txRingSize(), XdpDesc.SIZE,
            XdpConstants.XDP_PGOFF_TX_RING, "TX"), XskRing.mapLength(offsets, XdpMmapOffsets.TX,
            config.txRingSize(), XdpDesc.SIZE), offsets, XdpMmapOffsets.TX, config.txRingSize(), XdpDesc.SIZE);
        fill = new ProducerRing(mapRing(offsets, XdpMmapOffsets.FILL, config.fillRingSize(),
            XdpDesc.UMEM_ENTRY_SIZE, XdpConstants.XDP_UMEM_PGOFF_FILL_RING, "FILL"),
            XskRing.mapLength(offsets, XdpMmapOffsets.FILL, config.fillRingSize(), XdpDesc.UMEM_ENTRY_SIZE),
            offsets, XdpMmapOffsets.FILL, config.fillRingSize(), XdpDesc.UMEM_ENTRY_SIZE);
        completion = new ConsumerRing(mapRing(offsets, XdpMmapOffsets.COMPLETION, config.completionRingSize(),
            XdpDesc.UMEM_ENTRY_SIZE, XdpConstants.XDP_UMEM_PGOFF_COMPLETION_RING, "COMPLETION"),
            XskRing.mapLength(offsets, XdpMmapOffsets.COMPLETION, config.completionRingSize(),
            XdpDesc.UMEM_ENTRY_SIZE), offsets, XdpMmapOffsets.COMPLETION, config.completionRingSize(),
            XdpDesc.UMEM_ENTRY_SIZE);
    }

    private long mapRing(
        final XdpMmapOffsets offsets, final int which, final int size, final int entrySize, final long pgoff,
        final String name)
    {
        final long length = XskRing.mapLength(offsets, which, size, entrySize);
        final long address = Native.mmap(0, length, XdpConstants.PROT_READ_WRITE,
            XdpConstants.MAP_SHARED | XdpConstants.MAP_POPULATE, fd, pgoff);
        if (address == -1)
        {
            throw Native.fail("mmap(" + name + " ring, fd=" + fd + ", " + length + " bytes, pgoff=0x" +
                Long.toHexString(pgoff) + ")", null);
        }
        return address;
    }

    private void bind()
    {
        final int wakeup = config.needWakeup() ? XdpConstants.XDP_USE_NEED_WAKEUP : 0;
        if (config.zeroCopy() && config.mode() == XdpMode.GENERIC)
        {
            modeNote = "; zero-copy asked for but generic (skb) mode is copy-only";
        }
        else if (config.zeroCopy())
        {
            final int rc = tryBind(XdpConstants.XDP_ZEROCOPY | wakeup);
            if (rc == 0)
            {
                zeroCopy = true;
                return;
            }
            final int errno = Native.errno();
            if (errno != Errno.EOPNOTSUPP && errno != Errno.EINVAL && errno != Errno.ENOTSUP_ALIAS)
            {
                throw bindFailure(XdpConstants.XDP_ZEROCOPY | wakeup, errno);
            }
            modeNote = "; zero-copy not supported by " + config.ifName() + " (" + Errno.name(errno) +
                "): fell back to copy mode";
        }
        final int flags = XdpConstants.XDP_COPY | wakeup;
        if (tryBind(flags) < 0)
        {
            throw bindFailure(flags, Native.errno());
        }
    }

    private int tryBind(final int flags)
    {
        // a socket closed just before releases its queue from a kernel work item (xp_release_deferred), so a
        // quick re-open sees EBUSY for a few milliseconds: retry briefly before calling the queue occupied
        final long deadline = System.nanoTime() + BUSY_RETRY_NS;
        int rc;
        while ((rc = bindOnce(flags)) < 0 && Native.errno() == Errno.EBUSY && System.nanoTime() - deadline < 0)
        {
            LockSupport.parkNanos(BUSY_RETRY_PAUSE_NS);
        }
        return rc;
    }

    private int bindOnce(final int flags)
    {
        scratch.setMemory(0, SockaddrXdp.SIZE, (byte)0);
        scratch.putShort(SockaddrXdp.FAMILY, (short)AF_XDP);
        scratch.putShort(SockaddrXdp.FLAGS, (short)flags);
        scratch.putInt(SockaddrXdp.IFINDEX, ifindex);
        scratch.putInt(SockaddrXdp.QUEUE_ID, config.queue());
        return Native.LIBC.bind(fd, scratchAddress, SockaddrXdp.SIZE);
    }

    private NativeException bindFailure(final int flags, final int errno)
    {
        final String fix;
        if (errno == Errno.EBUSY)
        {
            fix = "queue " + config.queue() + " of " + config.ifName() + " already has an AF_XDP socket " +
                "(another synack, or a socket not closed): close it or use another queue";
        }
        else if (errno == Errno.EINVAL)
        {
            fix = "queue " + config.queue() + " does not exist on " + config.ifName() +
                " (see `ethtool -l " + config.ifName() + "`)";
        }
        else if (errno == Errno.ENETDOWN)
        {
            fix = config.ifName() + " is down: `ip link set dev " + config.ifName() + " up`";
        }
        else
        {
            fix = null;
        }
        return Native.fail("bind(fd=" + fd + ", ifindex=" + ifindex + " (" + config.ifName() + "), queue=" +
            config.queue() + ", flags=0x" + Integer.toHexString(flags) + ")", errno, fix);
    }

    /**
     * Kicks the kernel to transmit what the TX ring holds: {@code sendto(fd, NULL, 0, MSG_DONTWAIT)}. Call it
     * after {@link ProducerRing#submit} when {@code tx().needsWakeup()} (always when need-wakeup is off).
     * Allocation-free.
     *
     * @return true if the kernel took the kick; false on a transient refusal (EAGAIN, EBUSY, ENOBUFS,
     *         ENETDOWN) — retry on the next round.
     * @throws NativeException on any other error.
     */
    public boolean kickTx()
    {
        if (Native.LIBC.sendto(fd, 0, 0, XdpConstants.MSG_DONTWAIT, 0, 0) >= 0)
        {
            return true;
        }
        final int errno = Native.errno();
        if (errno == Errno.EAGAIN || errno == Errno.EBUSY || errno == Errno.ENOBUFS || errno == Errno.ENETDOWN)
        {
            return false;
        }
        throw Native.fail("sendto(fd=" + fd + ", NULL, 0, MSG_DONTWAIT)", null);
    }

    /**
     * Kicks TX until the kernel has taken everything submitted, the kernel stops asking, a kick is refused, or
     * {@code maxKicks} kicks were made. Copy mode sends at most 32 frames per sendto() (the kernel's per-call
     * budget), so a batch of 64 needs two kicks or the TX ring backs up and the fill ring runs dry.
     * Allocation-free.
     *
     * @param maxKicks the most sendto() calls to make.
     * @return kicks made.
     */
    public int drainTx(final int maxKicks)
    {
        int kicks = 0;
        while (kicks < maxKicks && tx.needsWakeup() && tx.pending() > 0)
        {
            kicks++;
            if (!kickTx())
            {
                break;
            }
        }
        return kicks;
    }

    /**
     * Wakes the kernel to take fill-ring entries: {@code recvfrom(fd, NULL, 0, MSG_DONTWAIT)}. Call it when
     * {@code fill().needsWakeup()}. Allocation-free; errors are ignored (the next round retries).
     */
    public void wakeFill()
    {
        Native.LIBC.recvfrom(fd, 0, 0, XdpConstants.MSG_DONTWAIT, 0, 0);
    }

    /**
     * Reads the kernel's XDP_STATISTICS into {@code into}; allocation-free. Call from the data-path thread.
     *
     * @param into the caller's snapshot.
     * @return {@code into}.
     */
    public XdpStatistics statistics(final XdpStatistics into)
    {
        final int lengthAt = 128;
        scratch.putInt(lengthAt, XdpStatistics.SIZE);
        if (Native.LIBC.getsockopt(fd, SOL_XDP, XdpConstants.XDP_STATISTICS, scratchAddress,
            scratchAddress + lengthAt) < 0)
        {
            throw Native.fail("getsockopt(fd=" + fd + ", SOL_XDP, XDP_STATISTICS)", null);
        }
        return into.read(scratch, 0, scratch.getInt(lengthAt));
    }

    /**
     * The mode actually in use, e.g. "native (drv), zero-copy" or "generic (skb), copy; zero-copy not supported
     * by sa0 (EOPNOTSUPP): fell back to copy mode".
     *
     * @return the description.
     */
    public String mode()
    {
        return config.mode().label() + ", " + (zeroCopy ? "zero-copy" : "copy") + modeNote;
    }

    /** @return true when the socket runs zero-copy. */
    public boolean isZeroCopy()
    {
        return zeroCopy;
    }

    /** @return the configuration it was opened with. */
    public XdpConfig config()
    {
        return config;
    }

    /** @return the socket fd. */
    public int fd()
    {
        return fd;
    }

    /** @return the interface index (in the socket's namespace). */
    public int ifindex()
    {
        return ifindex;
    }

    /** @return the UMEM: frame {@code i} starts at {@code i * frameSize}. */
    public UnsafeBuffer umem()
    {
        return umem;
    }

    /** @return the fill ring (we produce empty frames for the kernel to receive into). */
    public ProducerRing fill()
    {
        return fill;
    }

    /** @return the completion ring (the kernel hands back transmitted frames). */
    public ConsumerRing completion()
    {
        return completion;
    }

    /** @return the RX ring (received frames). */
    public ConsumerRing rx()
    {
        return rx;
    }

    /** @return the TX ring (frames to send). */
    public ProducerRing tx()
    {
        return tx;
    }

    /** @return the XDP program steering frames to this socket. */
    public XskRedirectProgram program()
    {
        return program;
    }

    /**
     * Detaches the program (if this socket attached it), unmaps the rings and the UMEM and closes the socket.
     * Idempotent. Never call it while a data-path thread still uses the rings.
     */
    @Override
    public void close()
    {
        if (program != null)
        {
            try
            {
                if (ownsProgram)
                {
                    program.close();
                }
                else
                {
                    program.unregister(config.queue());
                }
            }
            finally
            {
                program = null;
            }
        }
        rx = unmap(rx);
        tx = unmap(tx);
        fill = unmap(fill);
        completion = unmap(completion);
        if (fd >= 0)
        {
            Native.LIBC.close(fd);
            fd = -1;
        }
        if (umemAddress != 0)
        {
            Native.LIBC.munmap(umemAddress, config.umemBytes());
            umemAddress = 0;
            umem = null;
        }
    }

    private static <T extends XskRing> T unmap(final T ring)
    {
        if (ring != null)
        {
            Native.LIBC.munmap(ring.mapAddress(), ring.mapLengthBytes());
        }
        return null;
    }
}
