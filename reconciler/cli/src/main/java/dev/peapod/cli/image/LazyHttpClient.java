package dev.peapod.cli.image;

import dev.peapod.images.registry.RegistryClient;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The registry HttpClient, built on first use. Building one initialises TLS and parses the
 * JDK's CA certificates — about half a second of a CLI start on these machines — which
 * {@code image ls}, {@code inspect}, {@code rm} and {@code prune} never need.
 *
 * <p>A stopgap: {@code ImageStore.Builder.build()} creates its client eagerly. Once the images
 * module defers that itself, this class can go.
 */
final class LazyHttpClient extends HttpClient {
  private volatile HttpClient delegate;

  private HttpClient delegate() {
    HttpClient client = delegate;
    if (client == null) {
      synchronized (this) {
        client = delegate;
        if (client == null) {
          client = RegistryClient.defaultHttpClient();
          delegate = client;
        }
      }
    }
    return client;
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate().cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate().connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate().followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate().proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate().sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate().sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate().authenticator();
  }

  @Override
  public Version version() {
    return delegate().version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate().executor();
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    return delegate().send(request, handler);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    return delegate().sendAsync(request, handler);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
    return delegate().sendAsync(request, handler, pushPromiseHandler);
  }
}
