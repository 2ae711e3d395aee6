package dev.synack.test;

import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.ip.Ipv4Address;
import dev.synack.ip.Ipv4Header;
import dev.synack.tcp.TcpHeader;
import dev.synack.tcp.TcpOptions;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.FrameOutput;

/**
 * A SYN flood: SYNs from random spoofed addresses in 198.19.0.0/16 and random ports, written straight into a
 * stack's rx ring as if a router had forwarded them. Nobody ever answers the SYN-ACKs. Allocation-free once built.
 */
public final class SpoofedSyns
{
    /** The network the spoofed sources come from: off-link, so the stack answers through its gateway. */
    public static final int SPOOFED_NET = Ipv4Address.parse("198.19.0.0");

    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[128]);
    private final SplittableRandom random;
    private final long stackMac;
    private final long routerMac;
    private final int stackIp;
    private final int stackPort;
    /** SYNs written so far. */
    public long sent;

    /**
     * @param seed the random sources' seed.
     * @param stackMac the victim's MAC.
     * @param routerMac the MAC the flood arrives from.
     * @param stackIp the victim's address.
     * @param stackPort the listening port.
     */
    public SpoofedSyns(final long seed, final long stackMac, final long routerMac, final int stackIp,
        final int stackPort)
    {
        this.random = new SplittableRandom(seed);
        this.stackMac = stackMac;
        this.routerMac = routerMac;
        this.stackIp = stackIp;
        this.stackPort = stackPort;
    }

    /**
     * Writes {@code count} SYNs <SEQ=random><CTL=SYN><MSS=1460> into the ring (not run).
     *
     * @param rx the victim's rx ring.
     * @param count SYNs.
     */
    public void queue(final RingBuffer rx, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final int source = SPOOFED_NET | (1 + random.nextInt(0xFFFE));
            final int tcpLength = TcpHeader.MIN_HEADER_LENGTH + 4;
            int at = EthernetFrame.writeHeader(frame, 0, stackMac, routerMac, EthernetFrame.TYPE_IPV4);
            at = Ipv4Header.writeHeader(frame, at, source, stackIp, Ipv4Header.PROTOCOL_TCP, tcpLength, 1, 64);
            TcpHeader.writeHeader(frame, at, 1024 + random.nextInt(65536 - 1024), stackPort, random.nextInt(),
                0, tcpLength, TcpHeader.SYN, 65535);
            TcpOptions.writeMss(frame, at + TcpHeader.MIN_HEADER_LENGTH, 1460);
            TcpHeader.writeChecksum(frame, at, tcpLength, source, stackIp);
            if (!rx.write(FrameOutput.MSG_TYPE_FRAME, frame, 0, at + tcpLength))
            {
                throw new IllegalStateException("rx ring full after " + sent + " spoofed SYNs");
            }
            sent++;
        }
    }
}
