package dev.grad4j.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The dashboard's web server: the page and its script and style (bundled resources, no CDN), the
 * run's state as JSON, the graph picture and the newest attack picture. It listens on the loopback
 * address only, so nothing outside the machine can reach it.
 *
 * <ul>
 *   <li>{@code /} the page; {@code /dashboard.js}, {@code /dashboard.css}
 *   <li>{@code /api/state?since=N} the record as JSON ({@link DashboardJson}), batch rows from N on
 *   <li>{@code /graph.svg} the training-step graph drawn by Graphviz; {@code /graph.dot} its text
 *   <li>{@code /attack.png} the newest attack picture in the run directory
 * </ul>
 *
 * <p>Requests are served by one daemon thread: the page polls once a second, and a single thread
 * keeps the server's share of the CPU small next to training.
 */
final class DashboardServer implements AutoCloseable {
  /** The port tried first when none is given (TensorBoard's, which users know). */
  static final int DEFAULT_PORT = 6006;

  // Only what the page's own files need: scripts, styles and images from this server.
  private static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src"
          + " 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final Map<String, String> ASSETS =
      Map.of(
          "/", "index.html",
          "/index.html", "index.html",
          "/dashboard.js", "dashboard.js",
          "/dashboard.css", "dashboard.css");

  private final TrainingRecord record;
  private final GraphPicture graph;
  private final Path runDir;
  private final HttpServer server;
  private final ExecutorService executor;
  private final CountDownLatch closed = new CountDownLatch(1);

  private DashboardServer(
      TrainingRecord record, GraphPicture graph, Path runDir, HttpServer server) {
    this.record = record;
    this.graph = graph;
    this.runDir = runDir;
    this.server = server;
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "grad4j-dashboard");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Starts serving {@code record} on the loopback address.
   *
   * @param graph the training-step graph, or null
   * @param runDir where to look for attack pictures, or null
   * @param port the port; 0 for any free one; null for {@link #DEFAULT_PORT}, or any free port when
   *     that one is taken
   * @throws IOException when the given port is taken or cannot be used
   */
  static DashboardServer start(TrainingRecord record, GraphPicture graph, Path runDir, Integer port)
      throws IOException {
    if (port != null && (port < 0 || port > 65535)) {
      throw new IllegalArgumentException("--port must be 0 to 65535, got " + port);
    }
    InetAddress loopback = InetAddress.getLoopbackAddress();
    HttpServer server;
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(loopback, port == null ? DEFAULT_PORT : port), 16);
    } catch (BindException e) {
      if (port != null) {
        throw new IOException(
            "cannot serve the dashboard on port "
                + port
                + " ("
                + e.getMessage()
                + "); choose another with --port, or --port 0 for any free port",
            e);
      }
      server = HttpServer.create(new InetSocketAddress(loopback, 0), 16);
    }
    return new DashboardServer(record, graph, runDir, server);
  }

  /** The port served. */
  int port() {
    return server.getAddress().getPort();
  }

  /** The page's address, e.g. {@code http://127.0.0.1:6006/}. */
  URI uri() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + a.getPort() + "/");
  }

  /** The address bound (the loopback address). */
  InetAddress address() {
    return server.getAddress().getAddress();
  }

  /** Waits until {@link #close} is called (from another thread). */
  void awaitClose() throws InterruptedException {
    closed.await();
  }

  /** Stops serving at once. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    closed.countDown();
  }

  // ---------------------------------------------------------------- requests

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        send(ex, 405, "text/plain", text("only GET and HEAD are served here\n"));
        return;
      }
      String path = ex.getRequestURI().getPath();
      String asset = ASSETS.get(path);
      if (asset != null) {
        send(ex, 200, contentType(asset), resource(asset));
      } else if (path.equals("/api/state")) {
        state(ex);
      } else if (path.equals("/graph.svg")) {
        graphSvg(ex);
      } else if (path.equals("/graph.dot")) {
        if (graph == null) {
          send(ex, 404, "text/plain", text("this run has no graph picture\n"));
        } else {
          send(ex, 200, "text/plain", text(graph.dotText()));
        }
      } else if (path.equals("/attack.png")) {
        attack(ex);
      } else {
        send(ex, 404, "text/plain", text("not found: " + path + "\n"));
      }
    } catch (RuntimeException e) {
      // A failure in one request must not stop the server; the page shows the message.
      send(ex, 500, "text/plain", text("grad4j dashboard: " + Grad4j.oneLine(e) + "\n"));
    }
  }

  private void state(HttpExchange ex) throws IOException {
    int since;
    try {
      since = since(ex.getRequestURI().getRawQuery());
    } catch (IllegalArgumentException e) {
      send(ex, 400, "text/plain", text(e.getMessage() + "\n"));
      return;
    }
    String attack = runDir == null ? null : attackName();
    String kind = graph == null ? "none" : graph.kind();
    String json = DashboardJson.state(record, since, new DashboardJson.Extras(kind, attack));
    send(ex, 200, "application/json", text(json));
  }

  /** The {@code since} query parameter (0 when absent). */
  static int since(String query) {
    if (query == null || query.isEmpty()) {
      return 0;
    }
    for (String part : query.split("&")) {
      if (part.startsWith("since=")) {
        String v = part.substring("since=".length());
        try {
          int n = Integer.parseInt(v);
          if (n >= 0) {
            return n;
          }
        } catch (NumberFormatException e) {
          // reported below
        }
        throw new IllegalArgumentException(
            "since must be a row number (0 or more), got '" + v + "'");
      }
    }
    return 0;
  }

  private String attackName() {
    Path p = RunDirectory.newestAttackPicture(runDir);
    return p == null ? null : runDir.relativize(p).toString();
  }

  private void graphSvg(HttpExchange ex) throws IOException {
    byte[] svg = graph == null ? null : graph.svg();
    if (svg == null) {
      String why = graph == null ? "this run has no graph picture" : graph.problem();
      send(ex, 404, "text/plain", text(why + "\n"));
    } else {
      send(ex, 200, "image/svg+xml", svg);
    }
  }

  private void attack(HttpExchange ex) throws IOException {
    Path p = runDir == null ? null : RunDirectory.newestAttackPicture(runDir);
    if (p == null) {
      send(ex, 404, "text/plain", text(RunDirectory.attackHint(runDir) + "\n"));
      return;
    }
    byte[] png;
    try {
      png = Files.readAllBytes(p);
    } catch (IOException e) {
      send(ex, 404, "text/plain", text("cannot read " + p + ": " + e.getMessage() + "\n"));
      return;
    }
    send(ex, 200, "image/png", png);
  }

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String contentType(String asset) {
    if (asset.endsWith(".html")) {
      return "text/html";
    } else if (asset.endsWith(".js")) {
      return "text/javascript";
    } else {
      return "text/css";
    }
  }

  /** A bundled file of the page. */
  static byte[] resource(String name) throws IOException {
    try (InputStream in = DashboardServer.class.getResourceAsStream("/dashboard/" + name)) {
      if (in == null) {
        throw new IOException("the dashboard file " + name + " is missing from the jar");
      }
      return in.readAllBytes();
    }
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    var h = ex.getResponseHeaders();
    h.set("Content-Type", type.startsWith("image/png") ? type : type + "; charset=utf-8");
    h.set("Content-Security-Policy", CSP);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Cache-Control", "no-store");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
