package dev.synack.nic.lab;

import dev.synack.nic.ffi.NativeException;
import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpSocket;

/**
 * Child-process probe for the error-path tests: tries to open an XdpSocket and prints one line,
 * "OPENED mode" (exit 0) or "FAILED: message" (exit 3). Args: namespace ("-" for none), device, frame count.
 */
public final class OpenProbe
{
    private OpenProbe()
    {
    }

    public static void main(final String[] args)
    {
        final String ns = "-".equals(args[0]) ? null : args[0];
        final int frames = Integer.parseInt(args[2]);
        try (XdpSocket socket = XdpSocket.open(XdpConfig.builder(args[1]).namespace(ns).frameCount(frames).build()))
        {
            System.out.println("OPENED " + socket.mode());
        }
        catch (final NativeException ex)
        {
            System.out.println("FAILED: " + ex.getMessage());
            System.exit(3);
        }
    }
}
