package dev.peapod.apply;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.Provider;
import dev.peapod.provider.ProviderContract;
import java.nio.file.Path;
import java.util.List;

/** The executor tests' fake keeps the promises {@code QemuProvider} keeps with real VMs. */
class FakeProviderContractTest extends ProviderContract {

  @Override
  protected Provider newProvider() {
    return new FakeProvider();
  }

  @Override
  protected PodSpec runnableSpec(String name) {
    return PodSpec.of(name, List.of(ContainerSpec.of("main", new ImageRootfs("sha256:fake", Path.of("/nonexistent")),
        List.of("sleep", "100000"))));
  }
}
