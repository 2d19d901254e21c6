package dev.peapod.plan;

import static dev.peapod.plan.Pods.actual;
import static dev.peapod.plan.Pods.desired;
import static dev.peapod.plan.Pods.manifest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.provider.PodState;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A changed Secret plans a change with its reason, and no plan output holds its value or hash. */
class SensitivePlanTest {

  private static final Planner PLANNER =
      new Planner(Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC));

  private static final String SPEC = """
        containers:
          - name: app
            image: app:1
            env:
              - name: DB_PASSWORD
                valueFrom:
                  secretKeyRef: {name: db, key: password}
      """;

  private static ConfigObject secret(String password) {
    return new ConfigObject(ConfigObject.Kind.SECRET, "default", "db", "Opaque",
        Map.of("password", password.getBytes(StandardCharsets.UTF_8)), "pods/secret.yaml", 1, 1);
  }

  private static PodManifest pod(ConfigObject secret) {
    return manifest("app", SPEC).withInputs(List.of(secret));
  }

  @Test
  void aChangedSecretIsAReplaceNamingItWithItsValueShownAsSensitive() throws Exception {
    ConfigObject before = secret("old-password-1");
    ConfigObject after = secret("new-password-2");
    ActualState actual = ActualState.of(List.of(actual(pod(before), PodState.RUNNING)), "rev-1");
    Plan plan = PLANNER.plan(List.of(desired(pod(after))), actual, PlanOptions.DEFAULT);

    Change change = plan.changes().get(0);
    assertEquals(Action.REPLACE, change.action());
    assertEquals(List.of("secret \"db\" changed"), change.reasons().stream().map(Reason::text).toList());
    FieldChange field = change.diff().get(0);
    assertEquals("spec.configInputs.secret/default/db", field.path());
    assertEquals("(sensitive value)", field.before());
    assertEquals("(sensitive value)", field.after());

    String text = new PlanRenderer(false).render(plan);
    String json = PlanJson.toJson(plan).toString();
    assertTrue(text.contains("(sensitive value)"), text);
    for (String shown : List.of(text, json)) {
      assertFalse(shown.contains(before.hash().substring(7)), shown);
      assertFalse(shown.contains(after.hash().substring(7)), shown);
      assertFalse(shown.contains("password-"), shown);
    }
  }

  @Test
  void aSecretAddedToAPodIsShownAsSensitiveToo() {
    PodManifest without = manifest("app", """
          containers:
            - {name: app, image: "app:1"}
        """);
    ConfigObject secret = secret("first-password");
    ActualState actual = ActualState.of(List.of(actual(without, PodState.RUNNING)), "rev-1");
    Plan plan = PLANNER.plan(List.of(desired(pod(secret))), actual, PlanOptions.DEFAULT);
    String text = new PlanRenderer(false).render(plan) + PlanJson.toJson(plan);
    assertFalse(text.contains(secret.hash().substring(7)), text);
    assertTrue(text.contains("(sensitive value)"), text);
  }

  @Test
  void aSecretOnlyAVolumeShowsIsARefreshShownAsSensitive() {
    PodManifest volume = manifest("app", """
          containers:
            - name: app
              image: app:1
              volumeMounts: [{name: creds, mountPath: /etc/creds}]
          volumes:
            - name: creds
              secret: {secretName: db}
        """);
    ConfigObject before = secret("volume-password-1");
    ConfigObject after = secret("volume-password-2");
    ActualState actual = ActualState.of(List.of(actual(volume.withInputs(List.of(before)), PodState.RUNNING)),
        "rev-1");
    Plan plan = PLANNER.plan(List.of(desired(volume.withInputs(List.of(after)))), actual, PlanOptions.DEFAULT);
    Change change = plan.changes().get(0);
    assertEquals(Action.REFRESH, change.action());
    assertEquals("spec.fileInputs.secret/default/db", change.diff().get(0).path());
    String text = new PlanRenderer(false).render(plan) + PlanJson.toJson(plan);
    assertTrue(text.contains("(sensitive value)"), text);
    assertTrue(text.contains("secret \"db\" changed"), text);
    assertFalse(text.contains(before.hash().substring(7)) || text.contains(after.hash().substring(7)), text);
  }
}
