package dev.synack.tcp;

/**
 * RFC 6675 §4's reading of the sender's scoreboard — the blocks the peer reported holding beyond SND.UNA, merged, per
 * connection: IsLost, SetPipe, and the holes NextSeg picks from. Between two SACKed blocks every unSACKed byte has
 * the same SACKed data above it, so IsLost has one answer per hole and each question is a walk over the blocks.
 * <p>
 * Stack thread only; never allocates.
 */
final class SackScoreboard
{
    /** RFC 6675 §2 DupThresh: duplicate ACKs, or SACKed segments above a hole, that mean loss, not reordering. */
    static final int DUP_THRESH = 3;

    private final OutOfOrderRanges sacked;

    SackScoreboard(final OutOfOrderRanges sacked)
    {
        this.sacked = sacked;
    }

    /**
     * RFC 6675 §4 IsLost: a byte counts as lost once the peer holds DupThresh discontiguous blocks, or more than
     * (DupThresh - 1) × SMSS bytes, above it; less could still be reordering, and resending it would be spurious.
     */
    boolean isLost(final TcpConnection c, final int seq)
    {
        final int slot = c.slot;
        long above = 0;
        int blocks = 0;
        for (int i = 0, n = sacked.count(slot); i < n; i++)
        {
            final int end = sacked.end(slot, i);
            if (SeqNum.gt(end, seq))
            {
                above += (end - SeqNum.max(sacked.start(slot, i), seq)) & 0xFFFF_FFFFL;
                blocks++;
            }
        }
        return lost(c, above, blocks);
    }

    private static boolean lost(final TcpConnection c, final long sackedAbove, final int blocksAbove)
    {
        return blocksAbove >= DUP_THRESH || sackedAbove > (DUP_THRESH - 1L) * c.sndMss;
    }

    /**
     * RFC 6675 §4 SetPipe: of the bytes between SND.UNA and HighData (SND.MAX) the peer has not SACKed, each counts
     * once unless IsLost says it left the network, and once more if this recovery retransmitted it (below HighRxt).
     * Walked from the top, so the SACKed data above each hole is known when the hole is reached.
     */
    long pipe(final TcpConnection c)
    {
        final int slot = c.slot;
        long pipe = 0;
        long sackedAbove = 0;
        int blocksAbove = 0;
        int holeEnd = c.sndMax;
        for (int i = sacked.count(slot) - 1; i >= -1; i--)
        {
            final int holeStart = i >= 0 ? SeqNum.max(sacked.end(slot, i), c.sndUna) : c.sndUna;
            if (SeqNum.lt(holeStart, holeEnd))
            {
                if (!lost(c, sackedAbove, blocksAbove))
                {
                    pipe += (holeEnd - holeStart) & 0xFFFF_FFFFL;
                }
                if (SeqNum.lt(holeStart, c.highRxt))
                {
                    pipe += (SeqNum.min(holeEnd, c.highRxt) - holeStart) & 0xFFFF_FFFFL;
                }
            }
            if (i >= 0)
            {
                final int start = sacked.start(slot, i);
                sackedAbove += (sacked.end(slot, i) - start) & 0xFFFF_FFFFL;
                blocksAbove++;
                holeEnd = SeqNum.max(start, c.sndUna);
            }
        }
        return pipe;
    }
}
