package dev.synack.nic.tool;

import dev.synack.nic.lab.LabNet;
import dev.synack.nic.lab.Privileged;
import dev.synack.nic.xdp.XdpMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Root only: the raw reflect tool measures a non-zero frames/s over the lab veth (bare: two AF_XDP ends).
 */
class ReflectTest
{
    private static LabNet lab;

    @BeforeAll
    static void up()
    {
        Privileged.assume();
        lab = LabNet.up("rfl", true);
    }

    @AfterAll
    static void down()
    {
        if (lab != null)
        {
            lab.close();
        }
    }

    @Test
    void reflectsFramesOverTheVeth() throws InterruptedException
    {
        final Reflect.Result result = bench(512);
        assertTrue(result.framesPerSecond() > 0, result.line());
        assertTrue(result.received() > 0 && result.reflected() >= result.received() / 2, result.line());
        assertFalse(LabNet.hasXdp(lab.nsA(), lab.devA()));
        assertFalse(LabNet.hasXdp(lab.nsB(), lab.devB()));
    }

    @Test
    void aWindowOfOneKeepsExactlyOneFrameInFlight() throws InterruptedException
    {
        // the per-window ceiling the demo holds synack's 1-in-flight figure against: a blaster that lets more than
        // its window into flight (late frames after a write-off once bought it extra slots) inflates that ceiling
        final Reflect.Result result = bench(1);
        assertTrue(result.received() > 0, result.line());
        assertEquals(1, result.maxInFlight(), result.line());
    }

    /** One second of reflect over the lab veth, reflector and blaster on cores 0 and 1 where there are two. */
    private static Reflect.Result bench(final int window) throws InterruptedException
    {
        final int cpus = Runtime.getRuntime().availableProcessors();
        final Reflect.Result result = Reflect.bench(lab.nsA(), lab.devA(), lab.nsB(), lab.devB(), XdpMode.GENERIC,
            1.0, 1024, 64, window, cpus > 1 ? 0 : -1, cpus > 1 ? 1 : -1);
        System.out.println(result.line());
        return result;
    }
}
