package dev.peapod.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TableTest {

  @Test
  void padsEveryColumnButTheLastToItsWidestCell() {
    Table table = new Table("NAME", "STATE", "AGE")
        .row("web", "Running", "5 minutes ago")
        .row("database-primary", "Created", "2 days ago");
    assertEquals(List.of(
        "NAME               STATE     AGE",
        "web                Running   5 minutes ago",
        "database-primary   Created   2 days ago"), table.lines(false));
  }

  @Test
  void emptyLastCellLeavesNoTrailingBlanks() {
    assertEquals(List.of("A   B", "x"), new Table("A", "B").row("x", "").lines(false));
  }

  @Test
  void boldHeaderOnlyWhenAsked() {
    assertEquals("\u001b[1mA\u001b[0m", new Table("A").lines(true).get(0));
  }

  @Test
  void rowOfTheWrongWidthIsABug() {
    assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("x"));
  }
}
