package dev.synack.nic.bpf;

import dev.synack.nic.ffi.Native;

/**
 * The XDP program attached to one interface plus its XSKMAP: frames of queue Q go to the AF_XDP socket
 * registered for Q, or to the kernel when none is.
 *
 * <p>Who calls it: {@code XdpSocket} opens one per socket unless it is handed a shared one (several queues of
 * one interface in one process share one program). Thread-safety: open/register/close from one thread at a
 * time; the data path never touches it. Caveats: attached through a BPF link, so closing it — or the process
 * dying — detaches the program; an interface takes one XDP link, so a second open on the same interface fails
 * with EBUSY.
 */
public final class XskRedirectProgram implements AutoCloseable
{
    /** XSKMAP slots: queue ids 0..255. */
    public static final int MAX_QUEUES = 256;

    private final String ifName;
    private final int ifindex;
    private final int xdpFlags;
    private int mapFd = -1;
    private int progFd = -1;
    private int linkFd = -1;

    private XskRedirectProgram(final String ifName, final int ifindex, final int xdpFlags)
    {
        this.ifName = ifName;
        this.ifindex = ifindex;
        this.xdpFlags = xdpFlags;
    }

    /**
     * Creates the map, loads the program and attaches it. On failure everything made so far is closed.
     *
     * @param ifName   the interface name (for messages).
     * @param ifindex  its index in the calling thread's network namespace.
     * @param xdpFlags {@link BpfConstants#XDP_FLAGS_SKB_MODE} or {@link BpfConstants#XDP_FLAGS_DRV_MODE}.
     * @return the attached program.
     */
    public static XskRedirectProgram attach(final String ifName, final int ifindex, final int xdpFlags)
    {
        final XskRedirectProgram program = new XskRedirectProgram(ifName, ifindex, xdpFlags);
        try
        {
            program.mapFd = Bpf.createXskMap(MAX_QUEUES, "synack_xsks");
            program.progFd = Bpf.loadXdpProgram(
                XdpProgramImage.emit(program.mapFd), XdpProgramImage.INSN_COUNT, "synack_redirect");
            program.linkFd = Bpf.createXdpLink(program.progFd, ifindex, ifName, xdpFlags);
            return program;
        }
        catch (final RuntimeException ex)
        {
            program.close();
            throw ex;
        }
    }

    /**
     * Sends queue {@code queue}'s frames to a socket.
     *
     * @param queue the queue id.
     * @param xskFd the AF_XDP socket's fd (bound to that queue).
     */
    public void register(final int queue, final int xskFd)
    {
        Bpf.updateElem(mapFd, queue, xskFd);
    }

    /**
     * Gives queue {@code queue}'s frames back to the kernel.
     *
     * @param queue the queue id.
     */
    public void unregister(final int queue)
    {
        if (mapFd >= 0)
        {
            Bpf.deleteElem(mapFd, queue);
        }
    }

    /** @return the interface name. */
    public String ifName()
    {
        return ifName;
    }

    /** @return the interface index. */
    public int ifindex()
    {
        return ifindex;
    }

    /** @return the XDP attach flags in use. */
    public int xdpFlags()
    {
        return xdpFlags;
    }

    /** Detaches the program (closing the link) and frees the program and the map. Idempotent. */
    @Override
    public void close()
    {
        // link first: from then on no frame reaches the program, and the kernel can free it and the map
        linkFd = closeFd(linkFd);
        progFd = closeFd(progFd);
        mapFd = closeFd(mapFd);
    }

    private static int closeFd(final int fd)
    {
        if (fd >= 0)
        {
            Native.LIBC.close(fd);
        }
        return -1;
    }
}
