package dev.peapod.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HumanUnitsTest {

  @Test
  void sizesInDecimalUnitsWithThreeSignificantDigits() {
    assertEquals("0B", HumanUnits.size(0));
    assertEquals("999B", HumanUnits.size(999));
    assertEquals("1kB", HumanUnits.size(1000));
    assertEquals("1.5MB", HumanUnits.size(1_500_000));
    assertEquals("4.26MB", HumanUnits.size(4_262_144));
    assertEquals("123MB", HumanUnits.size(123_456_789));
    assertEquals("1.1GB", HumanUnits.size(1_100_000_000L));
  }

  @Test
  void agesInTheLargestNaturalUnit() {
    Instant now = Instant.parse("2024-03-01T00:00:00Z");
    assertEquals("less than a second ago", HumanUnits.ago(now, now));
    assertEquals("1 second ago", HumanUnits.ago(now.minusSeconds(1), now));
    assertEquals("5 minutes ago", HumanUnits.ago(now.minus(Duration.ofMinutes(5)), now));
    assertEquals("47 hours ago", HumanUnits.ago(now.minus(Duration.ofHours(47)), now));
    assertEquals("3 days ago", HumanUnits.ago(now.minus(Duration.ofDays(3)), now));
    assertEquals("4 weeks ago", HumanUnits.ago(now.minus(Duration.ofDays(29)), now));
    assertEquals("3 months ago", HumanUnits.ago(now.minus(Duration.ofDays(95)), now));
    assertEquals("2 years ago", HumanUnits.ago(now.minus(Duration.ofDays(800)), now));
    assertEquals("just now", HumanUnits.ago(now.plusSeconds(30), now));
  }

  @Test
  void shortAgesAndDurations() {
    Instant now = Instant.parse("2024-03-01T00:00:00Z");
    assertEquals("45s", HumanUnits.age(now.minusSeconds(45), now));
    assertEquals("12m", HumanUnits.age(now.minus(Duration.ofMinutes(12)), now));
    assertEquals("5h", HumanUnits.age(now.minus(Duration.ofHours(5)), now));
    assertEquals("3d", HumanUnits.age(now.minus(Duration.ofDays(3)), now));
    assertEquals("0s", HumanUnits.age(now.plusSeconds(5), now));
    assertEquals("471ms", HumanUnits.duration(Duration.ofMillis(471)));
    assertEquals("1.2s", HumanUnits.duration(Duration.ofMillis(1234)));
  }
}
