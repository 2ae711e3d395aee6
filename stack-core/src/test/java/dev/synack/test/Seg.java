package dev.synack.test;

import dev.synack.tcp.TcpHeader;

/**
 * A TCP segment as a scenario test states it: flags, seq, ack, window, payload, MSS option. Unset fields
 * are not checked by {@link #matches}.
 */
public final class Seg
{
    public int flags;
    public Integer seq;
    public Integer ack;
    public Integer window;
    public Integer mss;
    public Integer windowScale;
    /** SACK-permitted option (in a SYN). */
    public boolean sackPermitted;
    /** SACK blocks as left, right pairs, in the order of the option; empty for none. */
    public int[] sack = new int[0];
    /** TSval, or null for no timestamps option. */
    public Integer tsVal;
    public Integer tsEcr;
    public byte[] payload = new byte[0];
    public Integer payloadLength;
    public int srcPort;
    public int dstPort;

    public static Seg seg()
    {
        return new Seg();
    }

    public Seg syn()
    {
        flags |= TcpHeader.SYN;
        return this;
    }

    public Seg ack()
    {
        flags |= TcpHeader.ACK;
        return this;
    }

    public Seg fin()
    {
        flags |= TcpHeader.FIN;
        return this;
    }

    public Seg rst()
    {
        flags |= TcpHeader.RST;
        return this;
    }

    public Seg psh()
    {
        flags |= TcpHeader.PSH;
        return this;
    }

    public Seg seq(final int seq)
    {
        this.seq = seq;
        return this;
    }

    public Seg ack(final int ack)
    {
        this.flags |= TcpHeader.ACK;
        this.ack = ack;
        return this;
    }

    public Seg win(final int window)
    {
        this.window = window;
        return this;
    }

    public Seg mss(final int mss)
    {
        this.mss = mss;
        return this;
    }

    /** Adds SACK-permitted (RFC 2018). */
    public Seg sackOk()
    {
        this.sackPermitted = true;
        return this;
    }

    /** Adds SACK blocks (RFC 2018), given as left, right pairs. */
    public Seg sack(final int... blocks)
    {
        this.sack = blocks;
        return this;
    }

    /** Adds the RFC 7323 timestamps option. */
    public Seg ts(final int val, final int ecr)
    {
        this.tsVal = val;
        this.tsEcr = ecr;
        return this;
    }

    public Seg wscale(final int shift)
    {
        this.windowScale = shift;
        return this;
    }

    public Seg data(final byte[] payload)
    {
        this.payload = payload;
        this.payloadLength = payload.length;
        return this;
    }

    public Seg len(final int payloadLength)
    {
        this.payloadLength = payloadLength;
        return this;
    }

    /** Exact flags (PSH ignored, as it is advisory), and every field this spec sets. */
    public boolean matches(final Seg actual)
    {
        final int mask = ~TcpHeader.PSH;
        return (flags & mask) == (actual.flags & mask)
            && (seq == null || seq.equals(actual.seq))
            && (ack == null || ack.equals(actual.ack))
            && (window == null || window.equals(actual.window))
            && (mss == null || mss.equals(actual.mss))
            && (tsVal == null || tsVal.equals(actual.tsVal))
            && (tsEcr == null || tsEcr.equals(actual.tsEcr))
            && (payloadLength == null || payloadLength.equals(actual.payloadLength));
    }

    @Override
    public String toString()
    {
        return "<" + (seq == null ? "" : "SEQ=" + Integer.toUnsignedString(seq) + ">")
            + (ack == null ? "" : "<ACK=" + Integer.toUnsignedString(ack) + ">")
            + "<CTL=" + TcpHeader.flagsToString(flags) + ">"
            + (window == null ? "" : "<WND=" + window + ">")
            + (mss == null ? "" : "<MSS=" + mss + ">")
            + (sackPermitted ? "<SACK-OK>" : "")
            + (sack.length == 0 ? "" : "<SACK=" + java.util.Arrays.toString(sack) + ">")
            + (tsVal == null ? ""
                : "<TS=" + Integer.toUnsignedString(tsVal) + "," + Integer.toUnsignedString(tsEcr) + ">")
            + (payloadLength == null || payloadLength == 0 ? "" : "<DATA=" + payloadLength + ">");
    }
}
