package dev.peapod.images.registry;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * What a failed registry request tells: its cause in words for a person ("connection refused",
 * not {@code java.net.ConnectException}), and whether asking again can help. Java's HttpClient
 * wraps most causes in exceptions without a message, so the cause chain is what is read.
 */
final class NetworkFailure {
  private NetworkFailure() {}

  /** The host name did not resolve: it will not on the next try either. */
  static boolean unresolvedHost(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Failures that trying again cannot mend: a name that does not resolve, a TLS handshake that
   * failed (a certificate the host does not trust, or a server that does not speak TLS), and
   * what this client refused on purpose (a redirect to plain HTTP).
   */
  static boolean permanent(IOException e) {
    return unresolvedHost(e) || e instanceof SSLHandshakeException || plainHttpAnswer(e)
        || e instanceof RedirectRefusedException;
  }

  /** The cause in words, e.g. "connection refused", "no response within the request timeout". */
  static String describe(IOException e) {
    if (unresolvedHost(e)) {
      return "host name does not resolve";
    }
    if (e instanceof HttpConnectTimeoutException) {
      return "connection timed out";
    }
    if (e instanceof HttpTimeoutException) {
      return "no response within the request timeout";
    }
    if (e instanceof ConnectException) {
      return message(e).orElse("connection refused"); // HttpClient's carries no message when refused
    }
    if (plainHttpAnswer(e)) {
      return "TLS handshake failed: the server answered in plain HTTP (if it has no HTTPS, mark it"
          + " insecure: true in the registry configuration)";
    }
    if (e instanceof SSLHandshakeException) {
      return "TLS handshake failed: " + message(e).orElse("no detail");
    }
    if (e instanceof SocketTimeoutException || e instanceof RedirectRefusedException) {
      return message(e).orElse("timed out");
    }
    if (e instanceof EOFException || e instanceof ClosedChannelException) {
      return "connection closed before the response ended";
    }
    return message(e).orElse("connection failed");
  }

  private static boolean plainHttpAnswer(IOException e) {
    return e instanceof SSLException && !(e instanceof SSLHandshakeException)
        && String.valueOf(e.getMessage()).contains("plaintext connection");
  }

  private static java.util.Optional<String> message(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank()) {
        return java.util.Optional.of(m.strip());
      }
    }
    return java.util.Optional.empty();
  }
}
