package dev.peapod.images.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.images.RegistryException;
import dev.peapod.images.registry.RegistryConfig;
import dev.peapod.images.registry.RetryPolicy;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An HTTPS registry (a self-signed certificate made with keytool, trusted by the client) that
 * redirects to plain HTTP, as a compromised or misconfigured registry or CDN might: the pull
 * must stop there, and the plain-HTTP server must never be asked.
 */
class HttpsRedirectTest {
  private static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir Path tmp;
  private HttpsServer https;
  private HttpServer plain;
  private final List<String> plainRequests = new CopyOnWriteArrayList<>();
  private SSLContext tls;

  @BeforeEach
  void start() throws Exception {
    tls = selfSigned(tmp.resolve("tls.p12"));
    plain = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    plain.createContext("/", exchange -> {
      plainRequests.add(exchange.getRequestURI().toString());
      answer(exchange, 404, null);
    });
    plain.start();
    https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(tls));
    https.createContext("/", exchange -> answer(exchange, 307,
        "http://127.0.0.1:" + plain.getAddress().getPort() + exchange.getRequestURI().getPath() + "?X-Signature=secret"));
    https.start();
  }

  @AfterEach
  void stop() {
    https.stop(0);
    plain.stop(0);
  }

  @Test
  void aRedirectFromHttpsToPlainHttpIsRefused() {
    String host = "127.0.0.1:" + https.getAddress().getPort();
    RegistryConfig httpsOnLoopback = RegistryConfig.parse(("{\"registries\":{\"" + host + "\":{\"insecure\":false}}}")
        .getBytes(StandardCharsets.UTF_8), "registries.json");
    HttpClient client = HttpClient.newBuilder().sslContext(tls).followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1).build();
    try (ImageStore store = ImageStore.builder(tmp.resolve("store")).registries(httpsOnLoopback).httpClient(client)
        .retry(RetryPolicy.DEFAULT).build()) {
      RegistryException e = assertThrows(RegistryException.class, () -> store.pull(host + "/app:1", PullListener.NONE));
      assertEquals(host + "/app:1: cannot reach registry " + host + " for manifest 1: refused a redirect from HTTPS to plain"
          + " HTTP: https://" + host + "/v2/app/manifests/1 -> http://127.0.0.1:" + plain.getAddress().getPort()
          + "/v2/app/manifests/1", e.getMessage());
    }
    assertEquals(List.of(), plainRequests, "nothing was asked of the plain-HTTP server");
  }

  private static void answer(HttpExchange exchange, int status, String location) throws IOException {
    try (exchange) {
      if (location != null) {
        exchange.getResponseHeaders().add("Location", location);
      }
      exchange.sendResponseHeaders(status, -1);
    }
  }

  /** A PKCS#12 key store with a self-signed certificate for 127.0.0.1, as the server's key and the client's trust. */
  private static SSLContext selfSigned(Path store) throws Exception {
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
        "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
        .redirectErrorStream(true).start();
    String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool: " + out);
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(store.toFile())) {
      keys.load(in, PASSWORD);
    }
    KeyManagerFactory km = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    km.init(keys, PASSWORD);
    TrustManagerFactory tm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tm.init(keys);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(km.getKeyManagers(), tm.getTrustManagers(), null);
    return context;
  }
}
