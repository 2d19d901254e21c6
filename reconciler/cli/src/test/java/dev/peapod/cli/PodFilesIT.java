package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pod files as people already write them, end to end with the real {@code ./peapod} and real VMs:
 * a ConfigMap next to a pod and the downward API seen by the container, a changed ConfigMap planned
 * and applied as a replace in the same VM, a Secret's values in the container and in no file,
 * output or record of the host (and a changed Secret replaced in the same VM), and
 * a HyperContainer pod file (tabs, keys in other cases, a port range) whose ports answer HTTP.
 * The pod files are this test's own corpus under {@code src/test/resources/podfiles/}.
 */
class PodFilesIT {

  private static final String SECRET_VALUE = "s3cr3t-never-on-disk-4711";
  private static final String SECRET_VALUE_2 = "s3cr3t-changed-0815";
  private static final String USER_VALUE = "app-user-b64-9931";
  private static final String TLS_VALUE = "tls-key-never-on-disk-2718";
  private static final String TLS_VALUE_2 = "tls-key-rotated-3141";

  @TempDir
  Path home;

  private Path pods;
  private Peapod peapod;

  @BeforeEach
  void image() throws Exception {
    peapod = new Peapod(home);
    pods = Files.createDirectories(home.resolve("repo/pods"));
    Path layout = home.resolve("oci");
    Result built = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
        layout.toString(), "1", "image-1"), Map.of());
    assertEquals(0, built.exitCode(), built::toString);
    Result load = peapod.run("image", "load", layout.toString(), "--tag", "it/bb:1");
    assertEquals(0, load.exitCode(), load::toString);
  }

  @AfterEach
  void removeEverything() throws Exception {
    for (JsonNode pod : peapod.ps()) {
      peapod.run("rm", "--force", pod.get("name").asText());
    }
  }

  @Test
  void configMapAndDownwardValuesReachTheContainerAndAChangeReplacesIt() throws Exception {
    copy("podfiles/downward.yaml", pods.resolve("downward.yaml"));
    writeConfig("hello");
    apply(pods);

    Map<String, String> env = env("downward");
    assertEquals("hello", env.get("GREETING"));
    assertEquals("blue", env.get("CFG_color"));
    assertEquals("downward", env.get("POD_NAME"));
    assertEquals("default", env.get("POD_NAMESPACE"));
    assertEquals("front", env.get("TIER"));
    assertEquals(InetAddress.getLocalHost().getHostName(), env.get("NODE"));
    assertEquals("64", env.get("MEM_MI"));
    assertEquals(36, env.get("POD_UID").length(), env::toString);
    // status.podIP is the address the guest really has
    Result ip = peapod.run("exec", "downward", "--", "ip", "-4", "addr", "show", "eth0");
    assertTrue(ip.out().contains("inet " + env.get("POD_IP") + "/"), ip::toString);

    String boot = bootId("downward");
    writeConfig("bonjour");
    Path saved = home.resolve("configmap.plan");
    Result plan = peapod.run("plan", "-f", pods.toString(), "--detailed-exitcode", "-out", saved.toString());
    assertEquals(2, plan.exitCode(), plan::toString);
    assertTrue(plan.out().contains("~ downward: replace (same VM)"), plan::toString);
    assertTrue(plan.out().contains("because configmap \"web-config\" changed"), plan::toString);
    writeConfig("changed-after-the-plan"); // the saved plan applies what it showed
    Result applySaved = peapod.run("apply", saved.toString());
    assertEquals(0, applySaved.exitCode(), applySaved::toString);
    assertEquals(boot, bootId("downward"), "a ConfigMap change keeps the VM");
    assertEquals("bonjour", env("downward").get("GREETING"));
    assertEquals(env.get("POD_UID"), env("downward").get("POD_UID"), "the uid survives a replace");
  }

  @Test
  void secretsReachTheContainerOnlyAndAChangedOneReplacesIt() throws Exception {
    copy("podfiles/with-secret.yaml", pods.resolve("with-secret.yaml"));
    writeSecret(SECRET_VALUE);
    writeTls(TLS_VALUE);
    List<Result> outputs = new java.util.ArrayList<>();
    Result plan = peapod.run("plan", "-f", pods.toString(), "--detailed-exitcode");
    assertEquals(2, plan.exitCode(), plan::toString);
    outputs.add(plan);
    outputs.add(applied(pods));

    Map<String, String> env = env("with-secret");
    assertEquals(SECRET_VALUE, env.get("DB_PASSWORD"));
    assertEquals(SECRET_VALUE, env.get("S_password"));
    assertEquals(USER_VALUE, env.get("S_username"), "data is base64, decoded");
    assertEquals(List.of(SECRET_VALUE, "440", TLS_VALUE, "400"), secretFiles());
    String boot = bootId("with-secret");

    writeSecret(SECRET_VALUE_2);
    Result changed = peapod.run("plan", "-f", pods.toString(), "--detailed-exitcode");
    assertEquals(2, changed.exitCode(), changed::toString);
    assertTrue(changed.out().contains("~ with-secret: replace (same VM)"), changed::toString);
    assertTrue(changed.out().contains("because secret \"db-creds\" changed"), changed::toString);
    assertTrue(changed.out().contains("(sensitive value)"), changed::toString);
    outputs.add(changed);
    outputs.add(peapod.run("plan", "-f", pods.toString(), "-o", "json"));
    outputs.add(applied(pods));
    assertEquals(boot, bootId("with-secret"), "a Secret change keeps the VM");
    assertEquals(SECRET_VALUE_2, env("with-secret").get("DB_PASSWORD"));
    assertEquals(List.of(SECRET_VALUE_2, "440", TLS_VALUE, "400"), secretFiles());

    // A Secret only a volume shows is written again in place: no container restarts.
    writeTls(TLS_VALUE_2);
    Result refresh = peapod.run("plan", "-f", pods.toString(), "--detailed-exitcode");
    assertEquals(2, refresh.exitCode(), refresh::toString);
    assertTrue(refresh.out().contains("with-secret: refresh (files in place)"), refresh::toString);
    assertTrue(refresh.out().contains("because secret \"tls-files\" changed"), refresh::toString);
    outputs.add(refresh);
    outputs.add(applied(pods));
    assertEquals(boot, bootId("with-secret"));
    assertEquals(List.of(SECRET_VALUE_2, "440", TLS_VALUE_2, "400"), secretFiles());

    // A stopped pod is started again by start (or apply), which reads the Secret from its source again.
    Result stop = peapod.run("stop", "with-secret");
    assertEquals(0, stop.exitCode(), stop::toString);
    Result start = peapod.run("start", "with-secret");
    assertEquals(0, start.exitCode(), start::toString);
    outputs.add(start);
    assertEquals(SECRET_VALUE_2, env("with-secret").get("DB_PASSWORD"));
    // Without its Secret in the source, start has no value to give, and says which.
    assertEquals(0, peapod.run("stop", "with-secret").exitCode());
    Path aside = home.resolve("secret.yaml.aside");
    Files.move(pods.resolve("secret.yaml"), aside);
    Result refused = peapod.run("start", "with-secret");
    assertEquals(1, refused.exitCode(), refused::toString);
    assertTrue(refused.err().contains("takes its value from key \"password\" of secret default/db-creds, which was"
        + " not given"), refused::toString);
    outputs.add(refused);
    Files.move(aside, pods.resolve("secret.yaml"));
    outputs.add(applied(pods));
    assertEquals(SECRET_VALUE_2, env("with-secret").get("DB_PASSWORD"));

    // run -f takes the Secret from the same file.
    Path single = home.resolve("single.yaml");
    Files.writeString(single, """
        apiVersion: v1
        kind: Secret
        metadata: {name: token}
        stringData: {token: %s}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: single}
        spec:
          containers:
            - name: app
              image: it/bb:1
              command: [sleep, '100000']
              env:
                - name: TOKEN
                  valueFrom: {secretKeyRef: {name: token, key: token}}
        """.formatted(SECRET_VALUE));
    Result run = peapod.run("run", "-f", single.toString());
    assertEquals(0, run.exitCode(), run::toString);
    outputs.add(run);
    assertEquals(SECRET_VALUE, env("single").get("TOKEN"));
    Files.delete(single);

    for (String what : new String[] {"ps", "inspect", "logs"}) {
      Result shown = what.equals("logs") ? peapod.run("logs", "with-secret")
          : what.equals("ps") ? peapod.run("ps", "-o", "json") : peapod.run("inspect", "with-secret", "-o", "json");
      assertEquals(0, shown.exitCode(), shown::toString);
      outputs.add(shown);
    }
    JsonNode inspected = peapod.inspect("with-secret");
    assertTrue(inspected.toString().contains("\"secretEnv\""), "inspect shows where the value comes from: "
        + inspected);
    for (Result output : outputs) {
      for (String value : List.of(SECRET_VALUE, SECRET_VALUE_2, USER_VALUE, TLS_VALUE, TLS_VALUE_2)) {
        assertFalse(output.out().contains(value) || output.err().contains(value), output::toString);
      }
    }
    assertNowhereOnTheHost(SECRET_VALUE, SECRET_VALUE_2, USER_VALUE, TLS_VALUE, TLS_VALUE_2);
  }

  @Test
  void aPlanFileIsNotWrittenBesideASecret() throws Exception {
    writeSecret(SECRET_VALUE);
    Files.writeString(pods.resolve("secret.yaml"), Files.readString(pods.resolve("secret.yaml")) + """
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: beside-a-secret}
        spec:
          containers: [{name: app, image: "it/bb:1", command: [sleep, "100000"]}]
        """);
    Path saved = home.resolve("secret.plan");
    Result planOut = peapod.run("plan", "-f", pods.toString(), "-out", saved.toString());
    assertEquals(1, planOut.exitCode(), planOut::toString);
    assertTrue(planOut.err().contains("holds secret \"db-creds\": a saved plan keeps the text of the manifests it"
        + " needs, and a Secret is never written to disk"), planOut::toString);
    assertFalse(Files.exists(saved));
    assertNowhereOnTheHost(SECRET_VALUE);
  }

  /** No file under PEAPOD_HOME but the source's own holds any of {@code values}. */
  private void assertNowhereOnTheHost(String... values) throws IOException {
    int files = 0;
    try (Stream<Path> walk = Files.walk(home)) {
      for (Path file : walk.filter(Files::isRegularFile).filter(f -> !f.startsWith(pods)).toList()) {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        files++;
        for (String value : values) {
          assertFalse(text.contains(value), file::toString);
        }
      }
    }
    assertTrue(files > 5, "the walk saw the home's files: " + files);
  }

  /** The password file of the secret volume and the key of the projected one, each with its mode. */
  private List<String> secretFiles() throws Exception {
    Result r = peapod.run("exec", "with-secret", "--", "sh", "-c", "cat /etc/creds/password; echo;"
        + " stat -L -c %a /etc/creds/password; cat /etc/tls/private/key.pem; echo; stat -L -c %a /etc/tls/private/key.pem");
    assertEquals(0, r.exitCode(), r::toString);
    return r.out().lines().toList();
  }

  private void writeTls(String key) throws IOException {
    Files.writeString(pods.resolve("tls.yaml"), """
        apiVersion: v1
        kind: Secret
        metadata: {name: tls-files}
        type: kubernetes.io/tls
        stringData: {tls.crt: not-secret-cert, tls.key: %s}
        """.formatted(key));
  }

  private void writeSecret(String password) throws IOException {
    Files.writeString(pods.resolve("secret.yaml"), """
        apiVersion: v1
        kind: Secret
        metadata: {name: db-creds}
        type: kubernetes.io/basic-auth
        data:
          username: %s
        stringData:
          password: %s
        """.formatted(java.util.Base64.getEncoder().encodeToString(USER_VALUE.getBytes(StandardCharsets.UTF_8)),
        password));
  }

  private Result applied(Path dir) throws Exception {
    Result apply = peapod.run("apply", "-f", dir.toString(), "-auto-approve");
    assertEquals(0, apply.exitCode(), apply::toString);
    return apply;
  }

  @Test
  void aHyperContainerFileWithTabsForwardsItsPortRange() throws Exception {
    Path hyper = Files.createDirectories(home.resolve("hyper"));
    copy("podfiles/ranged.pod", hyper.resolve("ranged.pod"));
    String text = Files.readString(hyper.resolve("ranged.pod"));
    assertTrue(text.contains("\t\"PortMappings\""), "the corpus file is indented with tabs, keys in other cases");
    apply(hyper);
    for (int port : new int[] {18300, 18301}) {
      assertEquals("served on " + (port - 17000) + "\n", get(port));
    }
    JsonNode pod = peapod.inspect("ranged");
    assertTrue(pod.toString().contains("ON_FAILURE"), "the web container's own restart policy: " + pod);
  }

  private String get(int port) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (true) {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 || Instant.now().isAfter(deadline)) {
          assertEquals(200, response.statusCode(), response::body);
          return response.body();
        }
      } catch (IOException e) {
        if (Instant.now().isAfter(deadline)) {
          throw e;
        }
      }
      Thread.sleep(200);
    }
  }

  private void writeConfig(String greeting) throws IOException {
    Files.writeString(pods.resolve("config.yaml"), """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-config
        data:
          greeting: %s
          color: blue
        """.formatted(greeting));
  }

  private static void copy(String resource, Path to) throws IOException {
    try (InputStream in = PodFilesIT.class.getResourceAsStream("/" + resource)) {
      Files.write(to, in.readAllBytes());
    }
  }

  private void apply(Path dir) throws Exception {
    Result apply = peapod.run("apply", "-f", dir.toString(), "-auto-approve");
    assertEquals(0, apply.exitCode(), apply::toString);
  }

  private Map<String, String> env(String pod) throws Exception {
    Result env = peapod.run("exec", pod, "--", "env");
    assertEquals(0, env.exitCode(), env::toString);
    Map<String, String> out = new java.util.TreeMap<>();
    env.out().lines().filter(l -> l.contains("=")).forEach(l -> out.put(l.substring(0, l.indexOf('=')),
        l.substring(l.indexOf('=') + 1)));
    return out;
  }

  private String bootId(String pod) throws Exception {
    for (JsonNode p : peapod.ps()) {
      if (p.get("name").asText().equals(pod)) {
        return p.get("vm").get("bootId").asText();
      }
    }
    throw new AssertionError("no pod " + pod);
  }
}
