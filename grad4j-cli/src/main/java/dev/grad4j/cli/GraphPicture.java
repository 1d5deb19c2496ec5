package dev.grad4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The training-step graph for the dashboard: its DOT text, made and drawn as SVG by Graphviz's
 * {@code dot} the first time the page asks for it (on the server's thread, not at start, so
 * training never waits for it), then kept.
 */
final class GraphPicture {
  private final Supplier<String> source;
  private final String dot;
  private String dotText;
  private byte[] svg;
  private String problem;

  /**
   * A picture of the DOT text that {@code source} makes (once, when first needed), drawn with the
   * {@code dot} program at {@code dot} (null when Graphviz is not installed: then only the DOT text
   * is offered).
   */
  GraphPicture(Supplier<String> source, String dot) {
    this.source = source;
    this.dot = dot;
  }

  /** A picture of {@code dotText}, drawn with the {@code dot} program at {@code dot} (or null). */
  GraphPicture(String dotText, String dot) {
    this(() -> dotText, dot);
  }

  /** With the {@code dot} found on the PATH, if any. */
  static GraphPicture onPath(Supplier<String> source) {
    return new GraphPicture(source, GraphCommand.findOnPath("dot"));
  }

  /** The DOT text. */
  synchronized String dotText() {
    if (dotText == null) {
      dotText = source.get();
    }
    return dotText;
  }

  /** "svg" when Graphviz can draw it, else "dot" (the page shows the DOT text). */
  String kind() {
    return dot != null && problem == null ? "svg" : "dot";
  }

  /**
   * The SVG drawing, or null when Graphviz is missing or failed ({@link #problem} says why); drawn
   * once.
   */
  synchronized byte[] svg() {
    if (svg != null || dot == null || problem != null) {
      return svg;
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("grad4j-graph");
      Path in = dir.resolve("graph.dot");
      Path out = dir.resolve("graph.svg");
      Files.writeString(in, dotText(), StandardCharsets.UTF_8);
      GraphCommand.render(dot, "svg", in, out);
      svg = Files.readAllBytes(out);
    } catch (IOException e) {
      problem = e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problem = "interrupted while drawing the graph";
    } finally {
      deleteQuietly(dir);
    }
    return svg;
  }

  /** Why there is no SVG: Graphviz missing, or its error. */
  synchronized String problem() {
    if (dot == null) {
      return "Graphviz's 'dot' is not on the PATH (Debian: apt-get install graphviz), so here is"
          + " the DOT text";
    }
    return problem;
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
