package dev.peapod.manifest.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Cases from Kubernetes' quantity_test.go semantics: input, canonical text, exact value. */
class QuantityTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "0, 0, 0",
      "0Mi, 0, 0",
      "1, 1, 1",
      "500m, 500m, 0.5",
      "1.5, 1500m, 1.5",
      "0.1, 100m, 0.1",
      ".5, 500m, 0.5",
      "1., 1, 1",
      "+1, 1, 1",
      "-1.5, -1500m, -1.5",
      "1000, 1k, 1000",
      "1500, 1500, 1500",
      "1000m, 1, 1",
      "1k, 1k, 1000",
      "1M, 1M, 1000000",
      "1G, 1G, 1000000000",
      "1000000k, 1G, 1000000000",
      "1E, 1E, 1000000000000000000",
      "1Ki, 1Ki, 1024",
      "1024, 1024, 1024",
      "128Mi, 128Mi, 134217728",
      "1.5Gi, 1536Mi, 1610612736",
      "0.5Ki, 512, 512",
      "1023Ki, 1023Ki, 1047552",
      "1025, 1025, 1025",
      "1e3, 1e3, 1000",
      "1E6, 1e6, 1000000",
      "1.5e3, 1500, 1500",
      "5e-3, 5e-3, 0.005",
      "100n, 100n, 0.0000001",
      "1n, 1n, 0.000000001",
      "0.1n, 1n, 0.000000001",
      "1.0000000001, 1000000001n, 1.000000001",
      "-0.1n, -1n, -0.000000001",
      "1u, 1u, 0.000001",
  })
  void parsesAndPrintsCanonicalText(String input, String canonical, String value) {
    Quantity q = Quantity.parse(input);
    assertEquals(canonical, q.toString());
    assertEquals(0, new java.math.BigDecimal(value).compareTo(q.value()), q.value().toPlainString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "-", "1K", "1 Mi", " 1", "1Mib", "1m1", "1e", "1.2.3", "Mi",
      "1ki", "1e3.5", "0x10", "1,5", "abc", "1MB", "e3"})
  void rejectsWhatKubernetesRejects(String input) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantity.parse(input));
    assertTrue(e.getMessage().contains("quantity"), e.getMessage());
  }

  @Test
  void equalityIsByValueAsKubernetesSemanticEquality() {
    assertEquals(Quantity.parse("1"), Quantity.parse("1000m"));
    assertEquals(Quantity.parse("1Ki"), Quantity.parse("1024"));
    assertEquals(Quantity.parse("1Ki").hashCode(), Quantity.parse("1024").hashCode());
    assertEquals(Quantity.parse("1e3"), Quantity.parse("1k"));
    assertNotEquals(Quantity.parse("1G"), Quantity.parse("1Gi"));
    assertTrue(Quantity.parse("1G").compareTo(Quantity.parse("1Gi")) < 0);
    assertTrue(Quantity.parse("500m").compareTo(Quantity.parse("1")) < 0);
  }

  @Test
  void normalizedTextDependsOnTheValueOnly() {
    assertEquals("1Ki", Quantity.parse("1024").toNormalizedString());
    assertEquals("1Ki", Quantity.parse("1Ki").toNormalizedString());
    assertEquals("128Mi", Quantity.parse("134217728").toNormalizedString());
    assertEquals("1k", Quantity.parse("1e3").toNormalizedString());
    assertEquals("500m", Quantity.parse("0.5").toNormalizedString());
    assertEquals("1G", Quantity.parse("1G").toNormalizedString());
  }

  @Test
  void binaryValuesAreCappedAtTheLargestInt64() {
    assertEquals(Long.MAX_VALUE, Quantity.parse("9Ei").value().longValueExact());
  }

  @Test
  void roundsUpToWholeUnits() {
    assertEquals(2, Quantity.parse("1001m").toWholeCeil());
    assertEquals(1, Quantity.parse("1").toWholeCeil());
    assertEquals(2, Quantity.parse("1Mi").plus(Quantity.parse("1")).toMebibytesCeil());
    assertEquals(954, Quantity.parse("1G").toMebibytesCeil());
  }
}
