package dev.peapod.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** Peapod's version, written into peapod-version.properties by Maven resource filtering. */
public final class PeapodVersion {
  private PeapodVersion() {}

  public static String get() {
    try (InputStream in = PeapodVersion.class.getResourceAsStream("/peapod-version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties props = new Properties();
      props.load(in);
      return props.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** For {@code peapod --version}. */
  public static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"peapod " + get()};
    }
  }
}
