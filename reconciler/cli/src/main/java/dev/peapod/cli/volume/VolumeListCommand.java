package dev.peapod.cli.volume;

import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.cli.output.Table;
import dev.peapod.engine.spec.PersistentVolumes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code peapod volume ls}: every claim, with the size it asked for and the bytes it holds. */
@Command(name = "ls", aliases = "list", description = "List persistent volume claims.")
public final class VolumeListCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    List<PersistentVolumes.Claim> claims;
    try {
      claims = new PersistentVolumes(root.environment().home()).list();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the claims in " + root.environment().home().resolve("claims"), e);
    }
    if (output.structured()) {
      output.data(claims.stream().map(c -> {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("namespace", c.namespace());
        data.put("name", c.name());
        data.put("path", c.directory().toString());
        data.put("storage", c.storage().orElse(null));
        data.put("accessModes", c.accessModes());
        data.put("usedBytes", c.usedBytes());
        data.put("created", c.created().map(Object::toString).orElse(null));
        data.put("pods", ClaimUsers.of(root.environment().home(), c));
        return data;
      }).toList());
      return;
    }
    Table table = new Table("NAMESPACE", "CLAIM", "SIZE", "USED", "ACCESS", "PODS", "PATH");
    for (PersistentVolumes.Claim c : claims) {
      table.row(c.namespace(), c.name(), c.storage().orElse("-"), c.usedBytes() + " B",
          c.accessModes().isEmpty() ? "-" : String.join(",", c.accessModes()),
          String.join(",", ClaimUsers.of(root.environment().home(), c)), c.directory().toString());
    }
    output.table(table);
  }
}
