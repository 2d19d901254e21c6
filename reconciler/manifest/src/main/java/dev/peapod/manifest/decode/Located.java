package dev.peapod.manifest.decode;

import dev.peapod.manifest.source.Position;

/** A decoded value with where it was written, for checks that compare values across a pod. */
record Located<T>(T value, Position position, FieldPath path) {}
