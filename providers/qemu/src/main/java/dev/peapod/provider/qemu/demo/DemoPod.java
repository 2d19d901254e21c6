package dev.peapod.provider.qemu.demo;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.qemu.QemuProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * Boots the demo pod through the provider SPI until the CLI exists: a web
 * server and a sidecar that fetches it over localhost, port 8080 forwarded.
 *
 * <p>Usage: {@code DemoPod up IMAGE.erofs} | {@code DemoPod down}
 */
public final class DemoPod {

  private static final String POD = "demo";

  private DemoPod() {}

  public static void main(String[] args) throws Exception {
    try (QemuProvider provider = new QemuProvider()) {
      if (args.length >= 1 && args[0].equals("down")) {
        if (provider.inspect(POD).isPresent()) {
          provider.remove(POD, Duration.ofSeconds(5));
        }
        System.out.println("demo pod removed");
        return;
      }
      if (args.length < 2 || !args[0].equals("up")) {
        System.err.println("usage: DemoPod up IMAGE.erofs | DemoPod down");
        System.exit(2);
      }
      up(provider, new ImageRootfs("busybox-demo", Path.of(args[1]).toAbsolutePath()));
    }
  }

  private static void up(QemuProvider provider, ImageRootfs image) throws InterruptedException {
    if (provider.inspect(POD).isPresent()) {
      provider.remove(POD, Duration.ofSeconds(5));
    }
    ContainerSpec web = ContainerSpec.of("web", image,
        List.of("httpd", "-f", "-v", "-p", "80", "-h", "/var/www"));
    ContainerSpec fetcher = ContainerSpec.of("fetcher", image, List.of("sh", "-c",
            "while true; do echo \"$(date +%T) $(wget -q -O - http://127.0.0.1/)\"; sleep 5; done"))
        .withRestartPolicy(RestartPolicy.ALWAYS);
    PodSpec spec = PodSpec.of(POD, List.of(web, fetcher))
        .withPorts(List.of(PortForward.tcp(8080, 80)))
        .withTerminationGracePeriod(Duration.ofSeconds(5));
    provider.create(spec);
    PodStatus status = provider.start(POD);
    var vm = status.vm().orElseThrow();
    System.out.printf("pod %s running: VM pid %d, %s, boot id %s, booted in %d ms%n", POD,
        vm.pid(), vm.accelerator(), vm.bootId(), vm.bootTime().toMillis());
    status.containers().forEach(c -> System.out.printf("  container %-8s %s pid %d%n",
        c.name(), c.state(), c.pid()));
    Thread.sleep(2000);
    try (Stream<LogRecord> logs = provider.logs(POD,
        new LogQuery(Optional.of("fetcher"), false, OptionalInt.of(3)))) {
      logs.forEach(r -> System.out.print("  fetcher| " + r.text()));
    }
    System.out.println();
    System.out.println("Reach it:      curl 127.0.0.1:8080");
    System.out.println("Remove it:     scripts/demo down");
  }
}
