package dev.synack.tools;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import picocli.CommandLine.IVersionProvider;

/**
 * {@code synack --version}: the Maven project version, written into {@code version.properties} when the build
 * filters the tools module's resources, and the JDK and OS it runs on. Thread-safe (stateless).
 */
public final class Version implements IVersionProvider
{
    private static final String RESOURCE = "/dev/synack/tools/version.properties";

    /** @return the project version from the build, or "unknown" when run from classes the build did not filter. */
    public static String project()
    {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                return "unknown";
            }
            final Properties properties = new Properties();
            properties.load(in);
            final String version = properties.getProperty("version", "unknown");
            return version.startsWith("${") ? "unknown" : version;
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion()
    {
        return new String[] {"synack " + project(),
            "JDK " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch")};
    }
}
