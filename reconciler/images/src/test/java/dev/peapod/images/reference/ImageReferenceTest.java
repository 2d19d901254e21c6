package dev.peapod.images.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.InvalidReferenceException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {
  private static final String HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "busybox, docker.io/library/busybox:latest",
      "nginx:1.25, docker.io/library/nginx:1.25",
      "library/nginx, docker.io/library/nginx:latest",
      "bitnami/redis:7, docker.io/bitnami/redis:7",
      "docker.io/busybox, docker.io/library/busybox:latest",
      "index.docker.io/library/busybox:1, docker.io/library/busybox:1",
      "registry.example:5000/team/app:1.0, registry.example:5000/team/app:1.0",
      "localhost/app, localhost/app:latest",
      "localhost:5000/app, localhost:5000/app:latest",
      "quay.io/coreos/etcd:v3.5.0, quay.io/coreos/etcd:v3.5.0",
      "Host/app, Host/app:latest",
      "127.0.0.1:5000/a/b/c, 127.0.0.1:5000/a/b/c:latest",
      "[::1]:5000/app:x, [::1]:5000/app:x",
      "my_app-name/x__y.z:T_a.g-1, docker.io/my_app-name/x__y.z:T_a.g-1",
  })
  void normalisesLikeDocker(String input, String expected) {
    assertEquals(expected, ImageReference.parse(input).toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "busybox@sha256:" + HEX + ", docker.io/library/busybox@sha256:" + HEX,
      "nginx:1.25@sha256:" + HEX + ", docker.io/library/nginx:1.25@sha256:" + HEX,
      "registry.example:5000/team/app@sha256:" + HEX + ", registry.example:5000/team/app@sha256:" + HEX,
  })
  void digestsPinTheContent(String input, String expected) {
    ImageReference ref = ImageReference.parse(input);
    assertEquals(expected, ref.toString());
    assertTrue(ref.isPinned());
    assertEquals("sha256:" + HEX, ref.manifestReference());
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "''|empty image reference",
      "' busybox'|whitespace",
      "Busybox|must be lowercase",
      "busybox:|invalid tag",
      "busybox:-x|invalid tag",
      "a//b|empty path component",
      "team/App|must be lowercase",
      "busybox@sha256:abc|invalid digest",
      "busybox@md5:" + HEX + "|unsupported digest algorithm",
      "-bad.host:5000/x|invalid registry host",
      "example.com/|missing repository name",
      "app..name|invalid repository name component",
  })
  void refusesInvalidReferencesSayingWhy(String input, String reason) {
    InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(input));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertTrue(e.getMessage().startsWith("\"" + input + "\""), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void tagsAreAtMost128Characters() {
    ImageReference.parse("busybox:" + "a".repeat(128));
    assertThrows(InvalidReferenceException.class, () -> ImageReference.parse("busybox:" + "a".repeat(129)));
  }

  @org.junit.jupiter.api.Test
  void familiarFormDropsDockerHubDefaults() {
    assertEquals("busybox:latest", ImageReference.parse("docker.io/library/busybox").familiar());
    assertEquals("bitnami/redis:7", ImageReference.parse("bitnami/redis:7").familiar());
    assertEquals("quay.io/a/b:1", ImageReference.parse("quay.io/a/b:1").familiar());
    assertNull(ImageReference.parse("busybox@sha256:" + HEX).tag());
  }
}
