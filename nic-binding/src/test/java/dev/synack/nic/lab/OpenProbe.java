package dev.synack.nic.lab;

import dev.synack.nic.ffi.NativeException;
import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpSocket;

/**
 * Child-process probe for the error-path tests: tries to open an XdpSocket and prints one line,
 * "OPENED mode" (exit 0) or "FAILED: message" (exit 3). Args: namespace ("-" for none), device, frame count,
 * and optionally "hold" to keep the socket open until killed.
 */
public final class OpenProbe
{
    private OpenProbe()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final String ns = "-".equals(args[0]) ? null : args[0];
        final int frames = Integer.parseInt(args[2]);
        try (XdpSocket socket = XdpSocket.open(XdpConfig.builder(args[1]).namespace(ns).frameCount(frames).build()))
        {
            System.out.println("OPENED " + socket.mode());
            System.out.flush();
            if (args.length > 3 && "hold".equals(args[3]))
            {
                Thread.sleep(60_000);
            }
        }
        catch (final NativeException ex)
        {
            System.out.println("FAILED: " + ex.getMessage());
            System.exit(3);
        }
    }
}
