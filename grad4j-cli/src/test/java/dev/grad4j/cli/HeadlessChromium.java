package dev.grad4j.cli;

import dev.grad4j.io.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A headless Chromium driven over the Chrome DevTools Protocol with the JDK's own WebSocket client:
 * no driver, no browser download, no new dependency. Used by the dashboard's end-to-end test.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

  private final Process process;
  private final WebSocket page;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<Map<?, ?>>> pending = new ConcurrentHashMap<>();

  /** The Chromium to use: {@code /usr/bin/chromium}, else {@code chromium} on the PATH, or null. */
  static Path find() {
    Path debian = Path.of("/usr/bin/chromium");
    if (Files.isExecutable(debian)) {
      return debian;
    }
    String onPath = GraphCommand.findOnPath("chromium");
    return onPath == null ? null : Path.of(onPath);
  }

  private HeadlessChromium(Process process, WebSocket page) {
    this.process = process;
    this.page = page;
  }

  /**
   * Starts {@code chromium} headless with a fresh profile in {@code profile}, a window of {@code
   * width} x {@code height}, and connects to its first page.
   */
  static HeadlessChromium launch(Path chromium, Path profile, int width, int height)
      throws IOException, InterruptedException {
    Files.createDirectories(profile);
    Path log = profile.resolve("stderr.log");
    Process p =
        new ProcessBuilder(
                chromium.toString(),
                "--headless",
                "--no-sandbox", // root in CI containers
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--user-data-dir=" + profile.resolve("profile"),
                "--window-size=" + width + "," + height,
                "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      URI browser = devToolsUri(p, log);
      URI http = URI.create("http://" + browser.getAuthority());
      HttpClient client = HttpClient.newHttpClient();
      String pageSocket = null;
      for (int i = 0; i < 100 && pageSocket == null; i++) {
        String list =
            client
                .send(
                    HttpRequest.newBuilder(http.resolve("/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        for (Object target : (List<?>) Json.parseValue(list)) {
          Map<?, ?> t = (Map<?, ?>) target;
          if ("page".equals(t.get("type"))) {
            pageSocket = (String) t.get("webSocketDebuggerUrl");
            break;
          }
        }
        if (pageSocket == null) {
          Thread.sleep(100);
        }
      }
      if (pageSocket == null) {
        throw new IOException("chromium shows no page target at " + http + "/json/list");
      }
      HeadlessChromium[] self = new HeadlessChromium[1];
      WebSocket ws =
          client
              .newWebSocketBuilder()
              .buildAsync(URI.create(pageSocket), new Receiver(m -> self[0].receive(m)))
              .get(30, TimeUnit.SECONDS);
      self[0] = new HeadlessChromium(p, ws);
      return self[0];
    } catch (IOException | InterruptedException | RuntimeException e) {
      p.destroyForcibly();
      throw e;
    } catch (Exception e) {
      p.destroyForcibly();
      throw new IOException("cannot connect to chromium: " + e, e);
    }
  }

  // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr.
  private static URI devToolsUri(Process p, Path log) throws IOException, InterruptedException {
    for (int i = 0; i < 300; i++) {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      Matcher m = LISTENING.matcher(text);
      if (m.find()) {
        return URI.create(m.group(1));
      }
      if (!p.isAlive()) {
        throw new IOException("chromium exited with status " + p.exitValue() + ": " + text.strip());
      }
      Thread.sleep(100);
    }
    throw new IOException(
        "chromium printed no DevTools address within 30 s: "
            + Files.readString(log, StandardCharsets.UTF_8).strip());
  }

  /** Sends a DevTools command with {@code params} (a JSON object) and returns its result. */
  Map<?, ?> send(String method, String params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<Map<?, ?>> reply = new CompletableFuture<>();
    pending.put(id, reply);
    StringBuilder msg = new StringBuilder("{\"id\":").append(id).append(",\"method\":");
    Json.writeString(msg, method, "method").append(",\"params\":").append(params).append('}');
    synchronized (page) {
      page.sendText(msg, true).get(30, TimeUnit.SECONDS);
    }
    Map<?, ?> answer = reply.get(60, TimeUnit.SECONDS);
    if (answer.containsKey("error")) {
      throw new IOException(method + " failed: " + answer.get("error"));
    }
    return (Map<?, ?>) answer.get("result");
  }

  private void receive(String message) {
    if (!message.startsWith("{\"id\":")) {
      return; // an event; only replies to commands matter here
    }
    try {
      Map<?, ?> m = (Map<?, ?>) Json.parseValue(message);
      if (m.get("id") instanceof Long id) {
        CompletableFuture<Map<?, ?>> f = pending.remove(id.intValue());
        if (f != null) {
          f.complete(m);
        }
      }
    } catch (Json.ParseException e) {
      pending.values().forEach(f -> f.completeExceptionally(e));
    }
  }

  /** Opens {@code url} and waits until it has loaded. */
  void navigate(URI url) throws Exception {
    send("Page.enable", "{}");
    StringBuilder p = new StringBuilder("{\"url\":");
    Json.writeString(p, url.toString(), "url").append('}');
    send("Page.navigate", p.toString());
    for (int i = 0; i < 300; i++) {
      if ("complete".equals(evaluate("document.readyState"))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IOException(url + " did not finish loading within 30 s");
  }

  /** The value of a JavaScript expression in the page (numbers come back as Long or Double). */
  Object evaluate(String expression) throws Exception {
    StringBuilder p = new StringBuilder("{\"expression\":");
    Json.writeString(p, expression, "expression").append(",\"returnByValue\":true}");
    Map<?, ?> r = send("Runtime.evaluate", p.toString());
    if (r.containsKey("exceptionDetails")) {
      throw new IOException("'" + expression + "' threw: " + r.get("exceptionDetails"));
    }
    return ((Map<?, ?>) r.get("result")).get("value");
  }

  /** A PNG of the whole page, {@code width} wide. */
  byte[] screenshot(int width) throws Exception {
    Object height = evaluate("document.documentElement.scrollHeight");
    long h = height instanceof Number n ? n.longValue() : 1200;
    send(
        "Emulation.setDeviceMetricsOverride",
        "{\"width\":" + width + ",\"height\":" + h + ",\"deviceScaleFactor\":1,\"mobile\":false}");
    Thread.sleep(300); // let the page redraw its charts at the new size
    Map<?, ?> r = send("Page.captureScreenshot", "{\"format\":\"png\"}");
    return Base64.getDecoder().decode((String) r.get("data"));
  }

  @Override
  public void close() throws InterruptedException {
    try {
      page.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    } catch (RuntimeException e) {
      // closing anyway
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Collects a WebSocket's text messages, which may arrive in parts. */
  private static final class Receiver implements WebSocket.Listener {
    private final java.util.function.Consumer<String> onMessage;
    private final StringBuilder parts = new StringBuilder();

    Receiver(java.util.function.Consumer<String> onMessage) {
      this.onMessage = onMessage;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      parts.append(data);
      if (last) {
        String message = parts.toString();
        parts.setLength(0);
        onMessage.accept(message);
      }
      ws.request(1);
      return null;
    }
  }
}
