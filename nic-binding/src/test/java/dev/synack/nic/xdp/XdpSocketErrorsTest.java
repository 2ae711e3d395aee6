package dev.synack.nic.xdp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import dev.synack.nic.bpf.BpfConstants;
import dev.synack.nic.bpf.XskRedirectProgram;
import dev.synack.nic.ffi.NativeException;
import dev.synack.nic.ffi.NetNamespace;
import dev.synack.nic.lab.ChildJvm;
import dev.synack.nic.lab.LabNet;
import dev.synack.nic.lab.Privileged;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Root only: each way opening a socket fails gives one clear message naming the fix, and leaves no XDP program
 * attached and no queue held.
 */
class XdpSocketErrorsTest
{
    private static LabNet lab;

    @BeforeAll
    static void up()
    {
        Privileged.assume();
        lab = LabNet.up("err", false);
    }

    @AfterAll
    static void down()
    {
        if (lab != null)
        {
            lab.close();
        }
    }

    @AfterEach
    void noProgramLeftBehind()
    {
        assertFalse(LabNet.hasXdp(lab.nsA(), lab.devA()), "XDP program left attached: " +
            LabNet.linkShow(lab.nsA(), lab.devA()));
    }

    private static XdpConfig.Builder config(final String dev)
    {
        return XdpConfig.builder(dev).namespace(lab.nsA()).ringSize(256);
    }

    @Test
    void missingInterfaceNamesIt()
    {
        final NativeException ex = assertThrows(NativeException.class,
            () -> XdpSocket.open(config("nosuchdev0").build()));
        System.out.println("missing interface -> " + ex.getMessage());
        assertTrue(ex.getMessage().contains("no such interface nosuchdev0"), ex.getMessage());
    }

    @Test
    void missingNamespaceNamesIt()
    {
        final NativeException ex = assertThrows(NativeException.class,
            () -> XdpSocket.open(XdpConfig.builder("sa0").namespace("synack-no-such-ns").build()));
        assertTrue(ex.getMessage().contains("no such network namespace synack-no-such-ns"), ex.getMessage());
    }

    @Test
    void occupiedQueueSaysSoAndTheFirstSocketKeepsWorking()
    {
        try (XdpSocket first = XdpSocket.open(config(lab.devA()).build()))
        {
            final NativeException ex = assertThrows(NativeException.class,
                () -> XdpSocket.open(config(lab.devA()).build()));
            System.out.println("occupied queue -> " + ex.getMessage());
            assertTrue(ex.getMessage().contains("EBUSY"), ex.getMessage());
            assertTrue(ex.getMessage().contains("queue 0 of " + lab.devA() + " already has an AF_XDP socket"),
                ex.getMessage());
            assertTrue(LabNet.hasXdp(lab.nsA(), lab.devA()), "the first socket's program must stay");
            assertTrue(first.fd() >= 0);
        }
    }

    @Test
    void programAlreadyAttachedFailsCleanlyAndReleasesTheQueue()
    {
        final int ifindex;
        try (XdpSocket probe = XdpSocket.open(config(lab.devA()).build()))
        {
            ifindex = probe.ifindex();
        }
        // someone else's program on the interface: our attach must fail and undo the bound socket
        final XskRedirectProgram foreign = attachIn(lab.nsA(), lab.devA(), ifindex);
        try
        {
            final NativeException ex = assertThrows(NativeException.class,
                () -> XdpSocket.open(config(lab.devA()).build()));
            System.out.println("program already attached -> " + ex.getMessage());
            assertTrue(ex.getMessage().contains("already has an XDP program attached"), ex.getMessage());
            // the failed open released queue 0: a socket sharing the foreign program binds it
            try (XdpSocket shared = XdpSocket.open(config(lab.devA()).program(foreign).build()))
            {
                assertEquals(foreign, shared.program());
            }
        }
        finally
        {
            foreign.close();
        }
    }

    @Test
    void killedProcessLeavesNoProgramAttached() throws Exception
    {
        final Process child = ChildJvm.start(ChildJvm.classpath(), lab.nsA(), lab.devA(), "512", "hold");
        try
        {
            final String line = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8)).readLine();
            assertTrue(line != null && line.startsWith("OPENED"), "child did not open: " + line);
            assertTrue(LabNet.hasXdp(lab.nsA(), lab.devA()), "child's program must be attached");
        }
        finally
        {
            child.destroyForcibly().waitFor();
        }
        // the link fd died with the process: the kernel detaches (asynchronously, so allow it a moment)
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (LabNet.hasXdp(lab.nsA(), lab.devA()) && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(20);
        }
        assertFalse(LabNet.hasXdp(lab.nsA(), lab.devA()), "program outlived its process");
        // and the queue is free again
        XdpSocket.open(config(lab.devA()).build()).close();
    }

    @Test
    void umemOverMemlockLimitSaysRaiseUlimit()
    {
        assumeTrue(Privileged.onPath("prlimit") && Privileged.onPath("setpriv"), "needs prlimit and setpriv");
        // 64 KiB of locked memory, and no CAP_IPC_LOCK (root would bypass the limit with it)
        final ChildJvm.Outcome out = ChildJvm.probe(List.of("prlimit", "--memlock=65536:65536", "setpriv",
            "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock"), ChildJvm.classpath(), lab.nsA(), lab.devA(), "4096");
        System.out.println("memlock -> " + out.output().trim());
        assertEquals(3, out.exitCode(), out.output());
        assertTrue(out.output().contains("ENOBUFS"), out.output());
        assertTrue(out.output().contains("run as root or raise `ulimit -l`"), out.output());
    }

    @Test
    void nonRootSaysRunAsRoot() throws IOException
    {
        assumeTrue(Privileged.onPath("setpriv"), "needs setpriv");
        final Path dir = Files.createTempDirectory("synack-cp", PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwxr-xr-x")));
        try
        {
            final String cp = ChildJvm.worldReadableClasspath(dir);
            final ChildJvm.Outcome out = ChildJvm.probe(List.of("setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups"), cp, "-", "lo", "64");
            System.out.println("non-root -> " + out.output().trim());
            assertEquals(3, out.exitCode(), out.output());
            assertTrue(out.output().contains("EPERM"), out.output());
            assertTrue(out.output().contains("run as root"), out.output());
        }
        finally
        {
            try (Stream<Path> all = Files.walk(dir))
            {
                all.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static XskRedirectProgram attachIn(final String ns, final String ifName, final int ifindex)
    {
        try (NetNamespace entered = NetNamespace.enter(ns))
        {
            assertTrue(entered.name() != null);
            return XskRedirectProgram.attach(ifName, ifindex, BpfConstants.XDP_FLAGS_SKB_MODE);
        }
    }
}
