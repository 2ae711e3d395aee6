package dev.synack.nic.xdp;

import dev.synack.nic.bpf.BpfAttr;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every byte layout we hand to the kernel, checked two ways: against the numbers read from the kernel's
 * include/uapi/linux/if_xdp.h and bpf.h, and against JNR's C layout engine fed the header's field list (so
 * padding and alignment come from the C rules, not from our arithmetic).
 */
class LayoutTest
{
    private static final Runtime RUNTIME = Runtime.getSystemRuntime();

    /** struct sockaddr_xdp as the header declares it. */
    static final class CSockaddrXdp extends Struct
    {
        final Unsigned16 family = new Unsigned16();
        final Unsigned16 flags = new Unsigned16();
        final Unsigned32 ifindex = new Unsigned32();
        final Unsigned32 queueId = new Unsigned32();
        final Unsigned32 sharedUmemFd = new Unsigned32();

        CSockaddrXdp()
        {
            super(RUNTIME);
        }
    }

    /** struct xdp_umem_reg (6.x). */
    static final class CUmemReg extends Struct
    {
        final Unsigned64 addr = new Unsigned64();
        final Unsigned64 len = new Unsigned64();
        final Unsigned32 chunkSize = new Unsigned32();
        final Unsigned32 headroom = new Unsigned32();
        final Unsigned32 flags = new Unsigned32();
        final Unsigned32 txMetadataLen = new Unsigned32();

        CUmemReg()
        {
            super(RUNTIME);
        }
    }

    /** struct xdp_ring_offset. */
    static final class CRingOffset extends Struct
    {
        final Unsigned64 producer = new Unsigned64();
        final Unsigned64 consumer = new Unsigned64();
        final Unsigned64 desc = new Unsigned64();
        final Unsigned64 flags = new Unsigned64();

        CRingOffset()
        {
            super(RUNTIME);
        }
    }

    /** struct xdp_mmap_offsets. */
    static final class CMmapOffsets extends Struct
    {
        final CRingOffset rx = inner(new CRingOffset());
        final CRingOffset tx = inner(new CRingOffset());
        final CRingOffset fr = inner(new CRingOffset());
        final CRingOffset cr = inner(new CRingOffset());

        CMmapOffsets()
        {
            super(RUNTIME);
        }
    }

    /** struct xdp_statistics (5.9+). */
    static final class CStatistics extends Struct
    {
        final Unsigned64 rxDropped = new Unsigned64();
        final Unsigned64 rxInvalidDescs = new Unsigned64();
        final Unsigned64 txInvalidDescs = new Unsigned64();
        final Unsigned64 rxRingFull = new Unsigned64();
        final Unsigned64 rxFillRingEmptyDescs = new Unsigned64();
        final Unsigned64 txRingEmptyDescs = new Unsigned64();

        CStatistics()
        {
            super(RUNTIME);
        }
    }

    /** struct xdp_desc. */
    static final class CDesc extends Struct
    {
        final Unsigned64 addr = new Unsigned64();
        final Unsigned32 len = new Unsigned32();
        final Unsigned32 options = new Unsigned32();

        CDesc()
        {
            super(RUNTIME);
        }
    }

    /** bpf_attr for BPF_PROG_LOAD, up to expected_attach_type. */
    static final class CProgLoad extends Struct
    {
        final Unsigned32 progType = new Unsigned32();
        final Unsigned32 insnCnt = new Unsigned32();
        final Unsigned64 insns = new Unsigned64();
        final Unsigned64 license = new Unsigned64();
        final Unsigned32 logLevel = new Unsigned32();
        final Unsigned32 logSize = new Unsigned32();
        final Unsigned64 logBuf = new Unsigned64();
        final Unsigned32 kernVersion = new Unsigned32();
        final Unsigned32 progFlags = new Unsigned32();
        final Unsigned8[] progName = array(new Unsigned8[16]);
        final Unsigned32 progIfindex = new Unsigned32();
        final Unsigned32 expectedAttachType = new Unsigned32();

        CProgLoad()
        {
            super(RUNTIME);
        }
    }

    /** bpf_attr for BPF_MAP_CREATE, up to map_ifindex. */
    static final class CMapCreate extends Struct
    {
        final Unsigned32 mapType = new Unsigned32();
        final Unsigned32 keySize = new Unsigned32();
        final Unsigned32 valueSize = new Unsigned32();
        final Unsigned32 maxEntries = new Unsigned32();
        final Unsigned32 mapFlags = new Unsigned32();
        final Unsigned32 innerMapFd = new Unsigned32();
        final Unsigned32 numaNode = new Unsigned32();
        final Unsigned8[] mapName = array(new Unsigned8[16]);
        final Unsigned32 mapIfindex = new Unsigned32();

        CMapCreate()
        {
            super(RUNTIME);
        }
    }

    /** bpf_attr for BPF_MAP_*_ELEM. */
    static final class CMapElem extends Struct
    {
        final Unsigned32 mapFd = new Unsigned32();
        final Unsigned64 key = new Unsigned64();
        final Unsigned64 value = new Unsigned64();
        final Unsigned64 flags = new Unsigned64();

        CMapElem()
        {
            super(RUNTIME);
        }
    }

    /** bpf_attr for BPF_LINK_CREATE, head. */
    static final class CLinkCreate extends Struct
    {
        final Unsigned32 progFd = new Unsigned32();
        final Unsigned32 targetIfindex = new Unsigned32();
        final Unsigned32 attachType = new Unsigned32();
        final Unsigned32 flags = new Unsigned32();

        CLinkCreate()
        {
            super(RUNTIME);
        }
    }

    @Test
    void sockaddrXdpIs16BytesWithFlagsBeforeIfindex()
    {
        final CSockaddrXdp c = new CSockaddrXdp();
        assertEquals(16, SockaddrXdp.SIZE);
        assertEquals(Struct.size(c), SockaddrXdp.SIZE);
        assertEquals(c.family.offset(), SockaddrXdp.FAMILY);
        assertEquals(c.flags.offset(), SockaddrXdp.FLAGS);
        assertEquals(c.ifindex.offset(), SockaddrXdp.IFINDEX);
        assertEquals(c.queueId.offset(), SockaddrXdp.QUEUE_ID);
        assertEquals(c.sharedUmemFd.offset(), SockaddrXdp.SHARED_UMEM_FD);
        assertEquals(4, SockaddrXdp.IFINDEX);
        assertEquals(8, SockaddrXdp.QUEUE_ID);
    }

    @Test
    void umemRegIs32Bytes()
    {
        final CUmemReg c = new CUmemReg();
        assertEquals(32, XdpUmemReg.SIZE);
        assertEquals(Struct.size(c), XdpUmemReg.SIZE);
        assertEquals(c.addr.offset(), XdpUmemReg.ADDR);
        assertEquals(c.len.offset(), XdpUmemReg.LEN);
        assertEquals(c.chunkSize.offset(), XdpUmemReg.CHUNK_SIZE);
        assertEquals(c.headroom.offset(), XdpUmemReg.HEADROOM);
        assertEquals(c.flags.offset(), XdpUmemReg.FLAGS);
        assertEquals(c.txMetadataLen.offset(), XdpUmemReg.TX_METADATA_LEN);
    }

    @Test
    void mmapOffsetsAreFourRingOffsetsOf32Bytes()
    {
        final CMmapOffsets c = new CMmapOffsets();
        final CRingOffset r = new CRingOffset();
        assertEquals(32, XdpMmapOffsets.RING_OFFSET_SIZE);
        assertEquals(128, XdpMmapOffsets.SIZE);
        assertEquals(Struct.size(r), XdpMmapOffsets.RING_OFFSET_SIZE);
        assertEquals(Struct.size(c), XdpMmapOffsets.SIZE);
        assertEquals(r.producer.offset(), XdpMmapOffsets.PRODUCER);
        assertEquals(r.consumer.offset(), XdpMmapOffsets.CONSUMER);
        assertEquals(r.desc.offset(), XdpMmapOffsets.DESC);
        assertEquals(r.flags.offset(), XdpMmapOffsets.FLAGS);
        assertEquals(0, XdpMmapOffsets.RX);
        assertEquals(Struct.size(r), XdpMmapOffsets.TX);
        assertEquals(2 * Struct.size(r), XdpMmapOffsets.FILL);
        assertEquals(3 * Struct.size(r), XdpMmapOffsets.COMPLETION);
    }

    @Test
    void statisticsAreSixCountersOf8Bytes()
    {
        final CStatistics c = new CStatistics();
        assertEquals(48, XdpStatistics.SIZE);
        assertEquals(Struct.size(c), XdpStatistics.SIZE);
        assertEquals(c.rxDropped.offset(), XdpStatistics.RX_DROPPED);
        assertEquals(c.rxInvalidDescs.offset(), XdpStatistics.RX_INVALID_DESCS);
        assertEquals(c.txInvalidDescs.offset(), XdpStatistics.TX_INVALID_DESCS);
        assertEquals(c.rxRingFull.offset(), XdpStatistics.RX_RING_FULL);
        assertEquals(c.rxFillRingEmptyDescs.offset(), XdpStatistics.RX_FILL_RING_EMPTY_DESCS);
        assertEquals(c.txRingEmptyDescs.offset(), XdpStatistics.TX_RING_EMPTY_DESCS);
    }

    @Test
    void descIs16Bytes()
    {
        final CDesc c = new CDesc();
        assertEquals(16, XdpDesc.SIZE);
        assertEquals(Struct.size(c), XdpDesc.SIZE);
        assertEquals(c.addr.offset(), XdpDesc.ADDR);
        assertEquals(c.len.offset(), XdpDesc.LEN);
        assertEquals(c.options.offset(), XdpDesc.OPTIONS);
    }

    @Test
    void bpfAttrProgLoadMatchesBpfH()
    {
        final CProgLoad c = new CProgLoad();
        assertEquals(c.progType.offset(), BpfAttr.ProgLoad.PROG_TYPE);
        assertEquals(c.insnCnt.offset(), BpfAttr.ProgLoad.INSN_CNT);
        assertEquals(c.insns.offset(), BpfAttr.ProgLoad.INSNS);
        assertEquals(c.license.offset(), BpfAttr.ProgLoad.LICENSE);
        assertEquals(c.logLevel.offset(), BpfAttr.ProgLoad.LOG_LEVEL);
        assertEquals(c.logSize.offset(), BpfAttr.ProgLoad.LOG_SIZE);
        assertEquals(c.logBuf.offset(), BpfAttr.ProgLoad.LOG_BUF);
        assertEquals(c.kernVersion.offset(), BpfAttr.ProgLoad.KERN_VERSION);
        assertEquals(c.progFlags.offset(), BpfAttr.ProgLoad.PROG_FLAGS);
        assertEquals(c.progName[0].offset(), BpfAttr.ProgLoad.PROG_NAME);
        assertEquals(c.progIfindex.offset(), BpfAttr.ProgLoad.PROG_IFINDEX);
        assertEquals(c.expectedAttachType.offset(), BpfAttr.ProgLoad.EXPECTED_ATTACH_TYPE);
        assertEquals(68, BpfAttr.ProgLoad.EXPECTED_ATTACH_TYPE);
    }

    @Test
    void bpfAttrMapCreateMatchesBpfH()
    {
        final CMapCreate c = new CMapCreate();
        assertEquals(c.mapType.offset(), BpfAttr.MapCreate.MAP_TYPE);
        assertEquals(c.keySize.offset(), BpfAttr.MapCreate.KEY_SIZE);
        assertEquals(c.valueSize.offset(), BpfAttr.MapCreate.VALUE_SIZE);
        assertEquals(c.maxEntries.offset(), BpfAttr.MapCreate.MAX_ENTRIES);
        assertEquals(c.mapFlags.offset(), BpfAttr.MapCreate.MAP_FLAGS);
        assertEquals(c.innerMapFd.offset(), BpfAttr.MapCreate.INNER_MAP_FD);
        assertEquals(c.numaNode.offset(), BpfAttr.MapCreate.NUMA_NODE);
        assertEquals(c.mapName[0].offset(), BpfAttr.MapCreate.MAP_NAME);
        assertEquals(c.mapIfindex.offset(), BpfAttr.MapCreate.MAP_IFINDEX);
    }

    @Test
    void bpfAttrMapElemAndLinkCreateMatchBpfH()
    {
        final CMapElem e = new CMapElem();
        assertEquals(e.mapFd.offset(), BpfAttr.MapElem.MAP_FD);
        assertEquals(e.key.offset(), BpfAttr.MapElem.KEY);
        assertEquals(e.value.offset(), BpfAttr.MapElem.VALUE);
        assertEquals(e.flags.offset(), BpfAttr.MapElem.FLAGS);
        final CLinkCreate l = new CLinkCreate();
        assertEquals(l.progFd.offset(), BpfAttr.LinkCreate.PROG_FD);
        assertEquals(l.targetIfindex.offset(), BpfAttr.LinkCreate.TARGET_IFINDEX);
        assertEquals(l.attachType.offset(), BpfAttr.LinkCreate.ATTACH_TYPE);
        assertEquals(l.flags.offset(), BpfAttr.LinkCreate.FLAGS);
    }

    @Test
    void constantsMatchIfXdpH()
    {
        assertEquals(44, XdpConstants.AF_XDP);
        assertEquals(283, XdpConstants.SOL_XDP);
        assertEquals(1, XdpConstants.XDP_MMAP_OFFSETS);
        assertEquals(2, XdpConstants.XDP_RX_RING);
        assertEquals(3, XdpConstants.XDP_TX_RING);
        assertEquals(4, XdpConstants.XDP_UMEM_REG);
        assertEquals(5, XdpConstants.XDP_UMEM_FILL_RING);
        assertEquals(6, XdpConstants.XDP_UMEM_COMPLETION_RING);
        assertEquals(7, XdpConstants.XDP_STATISTICS);
        assertEquals(2, XdpConstants.XDP_COPY);
        assertEquals(4, XdpConstants.XDP_ZEROCOPY);
        assertEquals(8, XdpConstants.XDP_USE_NEED_WAKEUP);
        assertEquals(0x80000000L, XdpConstants.XDP_PGOFF_TX_RING);
        assertEquals(0x100000000L, XdpConstants.XDP_UMEM_PGOFF_FILL_RING);
        assertEquals(0x180000000L, XdpConstants.XDP_UMEM_PGOFF_COMPLETION_RING);
    }
}
