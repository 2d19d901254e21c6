package dev.peapod.cli;

import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import picocli.CommandLine;

/** Gives Quarkus' picocli runner the same configured command line the tests use. */
@ApplicationScoped
final class CommandLineProducer {

  @Produces
  CommandLine commandLine(PicocliCommandLineFactory factory) {
    return PeapodCommand.configure(factory.create());
  }
}
