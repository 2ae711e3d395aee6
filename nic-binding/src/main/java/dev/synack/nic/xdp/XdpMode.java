package dev.synack.nic.xdp;

import dev.synack.nic.bpf.BpfConstants;

/**
 * Where the XDP program runs: in the generic (skb) path, which every device has, or natively in the driver.
 *
 * <p>Who calls it: whoever builds an {@link XdpConfig}. Thread-safety: immutable.
 */
public enum XdpMode
{
    /** Generic XDP after the skb is built: slower, works on every device, copy mode only. */
    GENERIC("generic (skb)", BpfConstants.XDP_FLAGS_SKB_MODE),
    /** Native XDP in the driver: needs driver support; the only mode where zero-copy is possible. */
    NATIVE("native (drv)", BpfConstants.XDP_FLAGS_DRV_MODE);

    private final String label;
    private final int attachFlags;

    XdpMode(final String label, final int attachFlags)
    {
        this.label = label;
        this.attachFlags = attachFlags;
    }

    /** @return a human label, e.g. "generic (skb)". */
    public String label()
    {
        return label;
    }

    /** @return the XDP_FLAGS_* value for BPF_LINK_CREATE. */
    public int attachFlags()
    {
        return attachFlags;
    }
}
