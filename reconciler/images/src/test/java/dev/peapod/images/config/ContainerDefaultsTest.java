package dev.peapod.images.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.oci.ImageConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContainerDefaultsTest {
  private static final ImageConfig NGINX = ImageConfig.of(List.of("/docker-entrypoint.sh"), List.of("nginx", "-g", "daemon off;"),
      List.of("PATH=/usr/sbin:/usr/bin", "NGINX_VERSION=1.25"), "/srv", "nginx");

  private static List<String> argv(ImageConfig image, List<String> command, List<String> args) {
    return ContainerDefaults.apply(image, ContainerOverrides.none().withCommand(command).withArgs(args), "web").argv();
  }

  // The four cases of the Kubernetes documentation ("Define a Command and Arguments for a Container").
  @Test
  void neitherCommandNorArgsRunsEntrypointAndCmd() {
    assertEquals(List.of("/docker-entrypoint.sh", "nginx", "-g", "daemon off;"), argv(NGINX, null, null));
  }

  @Test
  void commandAloneReplacesEntrypointAndDropsCmd() {
    assertEquals(List.of("/bin/sh"), argv(NGINX, List.of("/bin/sh"), null));
  }

  @Test
  void argsAloneReplaceCmdAfterTheEntrypoint() {
    assertEquals(List.of("/docker-entrypoint.sh", "nginx", "-T"), argv(NGINX, null, List.of("nginx", "-T")));
  }

  @Test
  void commandAndArgsReplaceBoth() {
    assertEquals(List.of("/bin/echo", "hi"), argv(NGINX, List.of("/bin/echo"), List.of("hi")));
  }

  @ParameterizedTest(name = "entrypoint={0} cmd={1} command={2} args={3} -> {4}")
  @CsvSource(delimiter = ';', nullValues = "-", value = {
      "-;sh;-;-;sh",
      "-;sh;-;ls,-l;ls,-l",
      "-;sh;env;-;env",
      "ep;-;-;-;ep",
      "ep;-;-;a;ep,a",
      "ep;c;x;y;x,y",
      "-;-;x;-;x",
      "-;-;-;a,b;a,b",
  })
  void matrixOverImagesWithAndWithoutEntrypointOrCmd(String ep, String cmd, String command, String args, String expected) {
    ImageConfig image = ImageConfig.of(split(ep), split(cmd), List.of(), "", "");
    assertEquals(split(expected), argv(image, split(command), split(args)));
  }

  @Test
  void emptyListsCountAsUnsetAsInKubernetes() {
    assertEquals(argv(NGINX, null, null), argv(NGINX, List.of(), List.of()));
  }

  @Test
  void nothingToRunIsAnError() {
    ImageConfig empty = ImageConfig.of(null, null, List.of(), "", "");
    InvalidContainerException e = assertThrows(InvalidContainerException.class, () -> argv(empty, null, null));
    assertTrue(e.getMessage().contains("container \"web\" has no command"), e.getMessage());
  }

  @Test
  void podEnvOverridesImageEnvKeepingImageOrder() {
    ProcessDefaults p = ContainerDefaults.apply(NGINX, ContainerOverrides.none()
        .withEnv(List.of(new EnvVar("NGINX_VERSION", "custom"), new EnvVar("EXTRA", "1"))), "web");
    assertEquals(List.of("PATH", "NGINX_VERSION", "EXTRA"), List.copyOf(p.env().keySet()));
    assertEquals("custom", p.env().get("NGINX_VERSION"));
    assertEquals("/usr/sbin:/usr/bin", p.env().get("PATH"));
  }

  @Test
  void pathDefaultsLikeDockerWhenNobodySetsIt() {
    ProcessDefaults p = ContainerDefaults.apply(ImageConfig.of(null, List.of("x"), List.of("A=1", "FLAG"), "", ""),
        ContainerOverrides.none(), "c");
    assertEquals(Map.of("A", "1", "FLAG", "", "PATH", ContainerDefaults.DEFAULT_PATH), p.env());
  }

  @Test
  void variablesExpandFromContainerEnvOnly() {
    ProcessDefaults p = ContainerDefaults.apply(NGINX, ContainerOverrides.none()
        .withEnv(List.of(new EnvVar("GREETING", "hello"), new EnvVar("MSG", "$(GREETING) world"),
            new EnvVar("LATER", "$(UNDEFINED_YET)")))
        .withCommand(List.of("echo", "$(MSG)", "$$(MSG)", "$(NGINX_VERSION)", "$(nope", "cost: $5"))
        .withArgs(List.of("$(GREETING)")), "web");
    assertEquals(List.of("echo", "hello world", "$(MSG)", "$(NGINX_VERSION)", "$(nope", "cost: $5", "hello"), p.argv());
    assertEquals("$(UNDEFINED_YET)", p.env().get("LATER"));
  }

  @Test
  void workingDirFromContainerThenImageThenRoot() {
    assertEquals("/srv", ContainerDefaults.apply(NGINX, ContainerOverrides.none(), "c").workingDir());
    assertEquals("/data", ContainerDefaults.apply(NGINX, ContainerOverrides.none().withWorkingDir("/data"), "c").workingDir());
    assertEquals("/", ContainerDefaults.apply(ImageConfig.of(null, List.of("x"), null, null, null),
        ContainerOverrides.none(), "c").workingDir());
  }

  @Test
  void userFromSecurityContextWinsOverImage() {
    assertEquals("nginx", ContainerDefaults.apply(NGINX, ContainerOverrides.none(), "c").user());
    assertEquals("1000", ContainerDefaults.apply(NGINX, ContainerOverrides.none().withRunAs(1000L, null), "c").user());
    assertEquals("1000:2000", ContainerDefaults.apply(NGINX, ContainerOverrides.none().withRunAs(1000L, 2000L), "c").user());
    assertEquals("", ContainerDefaults.apply(ImageConfig.of(null, List.of("x"), null, null, null),
        ContainerOverrides.none(), "c").user());
    InvalidContainerException e = assertThrows(InvalidContainerException.class,
        () -> ContainerDefaults.apply(NGINX, ContainerOverrides.none().withRunAs(null, 5L), "c"));
    assertTrue(e.getMessage().contains("runAsGroup 5 without runAsUser"));
  }

  private static List<String> split(String csv) {
    return csv == null ? null : List.of(csv.split(","));
  }
}
