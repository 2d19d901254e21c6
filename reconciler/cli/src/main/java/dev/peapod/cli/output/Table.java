package dev.peapod.cli.output;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows under upper-case headers, columns padded to their widest cell and separated by
 * three spaces, as {@code docker images} and {@code kubectl get} print them. The last
 * column is not padded, so lines carry no trailing blanks.
 */
public final class Table {
  private static final String GAP = "   ";

  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... headers) {
    this.headers = List.of(headers);
  }

  public Table row(String... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.size() + " columns");
    }
    rows.add(List.of(cells));
    return this;
  }

  /** The lines to print, header first; with {@code bold} the header is wrapped in ANSI bold. */
  public List<String> lines(boolean bold) {
    int[] widths = new int[headers.size()];
    for (List<String> row : allRows()) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (List<String> row : allRows()) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = row.get(i);
        line.append(cell);
        if (i < row.size() - 1) {
          line.append(" ".repeat(widths[i] - cell.length())).append(GAP);
        }
      }
      lines.add(line.toString().stripTrailing());
    }
    if (bold) {
      lines.set(0, Ansi.bold(lines.get(0)));
    }
    return lines;
  }

  private List<List<String>> allRows() {
    List<List<String>> all = new ArrayList<>(rows.size() + 1);
    all.add(headers);
    all.addAll(rows);
    return all;
  }
}
