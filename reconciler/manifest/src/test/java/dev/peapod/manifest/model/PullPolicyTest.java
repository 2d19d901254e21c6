package dev.peapod.manifest.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PullPolicyTest {
  @ParameterizedTest
  @CsvSource({
      "nginx, ALWAYS",
      "nginx:latest, ALWAYS",
      "nginx:1.25, IF_NOT_PRESENT",
      "registry.example:5000/team/app, ALWAYS",
      "registry.example:5000/team/app:2, IF_NOT_PRESENT",
      "app@sha256:0123, IF_NOT_PRESENT",
      "app:latest@sha256:0123, ALWAYS",
  })
  void defaultsLikeKubernetes(String image, PullPolicy expected) {
    assertEquals(expected, PullPolicy.defaultFor(image));
  }
}
