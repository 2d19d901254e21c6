package dev.peapod.manifest.model;

import java.util.Optional;

/** The {@code cpu} and {@code memory} of a {@code limits} or {@code requests} block. */
public record ResourceList(Optional<Quantity> cpu, Optional<Quantity> memory) {
  public static final ResourceList NONE = new ResourceList(Optional.empty(), Optional.empty());

  public ResourceList {
    cpu = cpu == null ? Optional.empty() : cpu;
    memory = memory == null ? Optional.empty() : memory;
  }

  public boolean isEmpty() {
    return cpu.isEmpty() && memory.isEmpty();
  }
}
