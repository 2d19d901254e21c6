package dev.peapod.cli;

import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import io.quarkus.runtime.annotations.CommandLineArguments;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import picocli.CommandLine;

/**
 * Gives Quarkus' picocli runner the same configured command line the tests use, with only the
 * subcommand the arguments name (see {@link PeapodCommand#subcommandsFor}).
 */
@ApplicationScoped
final class CommandLineProducer {

  @Produces
  CommandLine commandLine(PicocliCommandLineFactory factory, @CommandLineArguments String[] args) {
    return PeapodCommand.configure(factory.create(), PeapodCommand.subcommandsFor(args));
  }
}
