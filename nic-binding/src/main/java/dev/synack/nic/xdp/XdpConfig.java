package dev.synack.nic.xdp;

import java.util.Objects;

import dev.synack.nic.bpf.XskRedirectProgram;

/**
 * Everything needed to open an {@link XdpSocket}: interface, queue, XDP mode, copy vs zero-copy, UMEM and ring
 * sizes, and optionally the network namespace the interface lives in.
 *
 * <p>Who calls it: the application (or the lab harness) at start-up, through {@link #builder(String)}.
 * Thread-safety: immutable. Caveats: ring sizes are powers of two; the UMEM must stay under 2 GiB (one
 * {@code UnsafeBuffer} views it); with the defaults the UMEM has as many frames as the fill and TX rings
 * together, so receive can never starve transmit of frames or the reverse.
 *
 * @param ifName             interface name, e.g. "sa0".
 * @param queue              NIC queue id to bind.
 * @param mode               where the XDP program runs.
 * @param zeroCopy           try zero-copy first (falls back to copy with a note in {@link XdpSocket#mode()}).
 * @param frameSize          UMEM frame (chunk) size: 2048 or 4096.
 * @param frameCount         UMEM frames.
 * @param fillRingSize       fill ring entries.
 * @param completionRingSize completion ring entries.
 * @param rxRingSize         RX ring entries.
 * @param txRingSize         TX ring entries.
 * @param needWakeup         bind with XDP_USE_NEED_WAKEUP (kick only when the kernel asks).
 * @param namespace          network namespace name (as in /var/run/netns) to open the socket in, or null.
 * @param program            a shared XDP program already attached to the interface, or null to attach one.
 */
public record XdpConfig(
    String ifName,
    int queue,
    XdpMode mode,
    boolean zeroCopy,
    int frameSize,
    int frameCount,
    int fillRingSize,
    int completionRingSize,
    int rxRingSize,
    int txRingSize,
    boolean needWakeup,
    String namespace,
    XskRedirectProgram program)
{
    /** Default ring size. */
    public static final int DEFAULT_RING_SIZE = 2048;

    /**
     * Checks the values.
     */
    public XdpConfig
    {
        Objects.requireNonNull(ifName, "ifName");
        Objects.requireNonNull(mode, "mode");
        if (ifName.isEmpty() || ifName.length() > 15)
        {
            throw new IllegalArgumentException("interface name must be 1..15 characters: '" + ifName + "'");
        }
        if (queue < 0 || queue >= XskRedirectProgram.MAX_QUEUES)
        {
            throw new IllegalArgumentException("queue must be 0.." + (XskRedirectProgram.MAX_QUEUES - 1));
        }
        if (frameSize != 2048 && frameSize != 4096)
        {
            throw new IllegalArgumentException("frameSize must be 2048 or 4096: " + frameSize);
        }
        requirePowerOfTwo("fillRingSize", fillRingSize);
        requirePowerOfTwo("completionRingSize", completionRingSize);
        requirePowerOfTwo("rxRingSize", rxRingSize);
        requirePowerOfTwo("txRingSize", txRingSize);
        if (frameCount <= 0 || (long)frameCount * frameSize > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("frameCount × frameSize must be in 1..2 GiB: " + frameCount);
        }
    }

    /**
     * A builder with defaults: queue 0, generic mode, copy, 2048-byte frames, 2048-entry rings, 4096 frames,
     * need-wakeup on.
     *
     * @param ifName the interface.
     * @return the builder.
     */
    public static Builder builder(final String ifName)
    {
        return new Builder(ifName);
    }

    /** @return frameCount × frameSize. */
    public long umemBytes()
    {
        return (long)frameCount * frameSize;
    }

    private static void requirePowerOfTwo(final String name, final int value)
    {
        if (value <= 0 || (value & (value - 1)) != 0)
        {
            throw new IllegalArgumentException(name + " must be a power of two: " + value);
        }
    }

    /**
     * Builds an {@link XdpConfig}. Not thread-safe; use once.
     */
    public static final class Builder
    {
        private final String ifName;
        private int queue;
        private XdpMode mode = XdpMode.GENERIC;
        private boolean zeroCopy;
        private int frameSize = 2048;
        private int frameCount = 2 * DEFAULT_RING_SIZE;
        private int fillRingSize = DEFAULT_RING_SIZE;
        private int completionRingSize = DEFAULT_RING_SIZE;
        private int rxRingSize = DEFAULT_RING_SIZE;
        private int txRingSize = DEFAULT_RING_SIZE;
        private boolean needWakeup = true;
        private String namespace;
        private XskRedirectProgram program;

        private Builder(final String ifName)
        {
            this.ifName = ifName;
        }

        /**
         * @param queue NIC queue id.
         * @return this.
         */
        public Builder queue(final int queue)
        {
            this.queue = queue;
            return this;
        }

        /**
         * @param mode generic or native.
         * @return this.
         */
        public Builder mode(final XdpMode mode)
        {
            this.mode = mode;
            return this;
        }

        /**
         * @param zeroCopy try zero-copy first.
         * @return this.
         */
        public Builder zeroCopy(final boolean zeroCopy)
        {
            this.zeroCopy = zeroCopy;
            return this;
        }

        /**
         * @param frameSize 2048 or 4096.
         * @return this.
         */
        public Builder frameSize(final int frameSize)
        {
            this.frameSize = frameSize;
            return this;
        }

        /**
         * @param frameCount UMEM frames.
         * @return this.
         */
        public Builder frameCount(final int frameCount)
        {
            this.frameCount = frameCount;
            return this;
        }

        /**
         * Sets all four ring sizes, and the frame count to fill + TX.
         *
         * @param size entries, a power of two.
         * @return this.
         */
        public Builder ringSize(final int size)
        {
            this.fillRingSize = size;
            this.completionRingSize = size;
            this.rxRingSize = size;
            this.txRingSize = size;
            this.frameCount = 2 * size;
            return this;
        }

        /**
         * @param needWakeup bind with XDP_USE_NEED_WAKEUP.
         * @return this.
         */
        public Builder needWakeup(final boolean needWakeup)
        {
            this.needWakeup = needWakeup;
            return this;
        }

        /**
         * @param namespace network namespace (/var/run/netns name) holding the interface, or null.
         * @return this.
         */
        public Builder namespace(final String namespace)
        {
            this.namespace = namespace;
            return this;
        }

        /**
         * @param program a program already attached to this interface to register into (not owned).
         * @return this.
         */
        public Builder program(final XskRedirectProgram program)
        {
            this.program = program;
            return this;
        }

        /** @return the config. */
        public XdpConfig build()
        {
            return new XdpConfig(ifName, queue, mode, zeroCopy, frameSize, frameCount, fillRingSize,
                completionRingSize, rxRingSize, txRingSize, needWakeup, namespace, program);
        }
    }
}
