package dev.peapod.controller.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The bearer token that TCP clients of the API must send: 32 random bytes, hex, generated at the
 * first start into {@code $PEAPOD_HOME/api-token} (mode 0600, created with that mode so it is never
 * readable by others, not even for a moment). The unix socket needs none: its file mode decides
 * who may connect.
 */
public final class ApiToken {

  private final byte[] token;

  private ApiToken(String token) {
    this.token = token.getBytes(StandardCharsets.US_ASCII);
  }

  /** The token in {@code file}, made first if there is none. */
  public static ApiToken loadOrCreate(Path file) {
    try {
      Files.createDirectories(file.getParent());
      if (!Files.exists(file)) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(file, HexFormat.of().formatHex(random) + "\n", StandardCharsets.US_ASCII);
        } catch (FileAlreadyExistsException raced) {
          // another controller made it first: use theirs
        }
      }
      String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
      if (text.length() < 32) {
        throw new IllegalStateException(file + ": the API token is shorter than 32 characters; delete it to make a new one");
      }
      return new ApiToken(text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the API token " + file, e);
    }
  }

  /** Whether an {@code Authorization} header carries this token; constant time in the token. */
  public boolean accepts(String authorizationHeader) {
    if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = authorizationHeader.substring("Bearer ".length()).trim().getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(given, token);
  }
}
