package dev.grad4j.explain;

import dev.grad4j.Tensor;
import dev.grad4j.autograd.AccumulateGrad;
import dev.grad4j.autograd.FunctionNode;
import dev.grad4j.autograd.Node;
import dev.grad4j.nn.Module;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The computation graph behind a tensor as a picture: Graphviz DOT text, micrograd's {@code
 * draw_dot} for grad4j.
 *
 * <pre>{@code
 * Tensor loss = Losses.crossEntropy(model.forward(x), y);
 * String dot = GraphDot.of(loss).names(model).toDot();        // dot -Tsvg graph.dot > graph.svg
 * loss.backward();
 * String small = GraphDot.of(loss).values(true).toDot();      // values and gradients on nodes
 * }</pre>
 *
 * <p>Each recorded op is one box with its name and output shape. Leaves that require grad are
 * ellipses: parameters, labelled with their module names ({@code 1.weight}) when a module or a name
 * map is given, else "leaf". Op inputs that need no gradient (the data, constants) are grey notes
 * labelled "input" with the shape the op saw. Edges point the way data flows, from an input to the
 * op that reads it, so the loss is the last node. A value is shown while its tensor is still alive
 * (ops hold only weak references to their outputs) and has at most {@link #maxElements} elements; a
 * gradient is shown for leaves after backward and for tensors that called {@link
 * Tensor#retainGrad()}.
 *
 * <p>The walk is iterative, so graphs of any depth export without a stack overflow.
 */
public final class GraphDot {
  /** What a vertex of the picture stands for. */
  public enum Kind {
    /** A recorded op ({@code matmul}, {@code relu}, ...). */
    OP,
    /** A leaf tensor that requires grad (a parameter, or a watched input). */
    PARAMETER,
    /** An op input that needs no gradient: data or a constant. */
    INPUT
  }

  /**
   * One vertex: its DOT id, kind, name (op name, parameter name, or "input"), shape, and the value
   * and gradient shown on it (null when not shown).
   */
  public record Vertex(String id, Kind kind, String name, int[] shape, Tensor value, Tensor grad) {}

  /** One edge, from the vertex that produced a tensor to the op that reads it. */
  public record Edge(String from, String to) {}

  /** The graph as lists, in discovery order from the root (the root is vertex 0). */
  public record Graph(List<Vertex> vertices, List<Edge> edges) {
    /** The number of vertices of the given kind. */
    public long count(Kind kind) {
      return vertices.stream().filter(v -> v.kind() == kind).count();
    }
  }

  private final Tensor root;
  private final Map<Tensor, String> names = new IdentityHashMap<>();
  private boolean values;
  private int maxElements = 16;
  private boolean inputs = true;
  private String title;

  private GraphDot(Tensor root) {
    this.root = root;
  }

  /** A picture of the graph that computed {@code root}. */
  public static GraphDot of(Tensor root) {
    if (root == null) {
      throw new IllegalArgumentException("GraphDot.of: the tensor is null");
    }
    return new GraphDot(root);
  }

  /** Names parameters after the module's dotted parameter names ({@code 1.weight}). */
  public GraphDot names(Module module) {
    return names(module.namedParameters());
  }

  /** Names the given tensors (parameters, or watched inputs) on the picture. */
  public GraphDot names(Map<String, Tensor> byName) {
    byName.forEach((name, t) -> names.put(t, name));
    return this;
  }

  /** Shows values and gradients (micrograd-style) on tensors with at most maxElements elements. */
  public GraphDot values(boolean show) {
    this.values = show;
    return this;
  }

  /** The largest tensor whose value and gradient are written on its node (default 16). */
  public GraphDot maxElements(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("GraphDot.maxElements: must be at least 1, got " + n);
    }
    this.maxElements = n;
    return this;
  }

  /** Whether to draw op inputs that need no gradient (default true). */
  public GraphDot inputs(boolean show) {
    this.inputs = show;
    return this;
  }

  /** A caption drawn above the graph. */
  public GraphDot title(String text) {
    this.title = text;
    return this;
  }

  /** Walks the graph from the root without recursion and lists its vertices and edges. */
  public Graph graph() {
    List<Vertex> vertices = new ArrayList<>();
    List<Edge> edges = new ArrayList<>();
    Node start = root.gradNode();
    if (start == null) {
      vertices.add(vertex("n0", Kind.INPUT, nameOr(root, "input"), root.shape(), root));
      return new Graph(Collections.unmodifiableList(vertices), List.of());
    }
    Map<Node, String> ids = new IdentityHashMap<>();
    Deque<Node> todo = new ArrayDeque<>();
    ids.put(start, "n0");
    vertices.add(describe(start, "n0"));
    todo.push(start);
    int inputCount = 0;
    while (!todo.isEmpty()) {
      Node node = todo.pop();
      if (!(node instanceof FunctionNode op)) {
        continue;
      }
      String to = ids.get(node);
      for (int i = 0; i < op.inputCount(); i++) {
        Node in = op.input(i);
        if (in == null) {
          if (inputs) {
            String id = "i" + inputCount++;
            vertices.add(vertex(id, Kind.INPUT, "input", op.inputShape(i).clone(), null));
            edges.add(new Edge(id, to));
          }
          continue;
        }
        String from = ids.get(in);
        if (from == null) {
          from = "n" + ids.size();
          ids.put(in, from);
          vertices.add(describe(in, from));
          todo.push(in);
        }
        edges.add(new Edge(from, to));
      }
    }
    return new Graph(Collections.unmodifiableList(vertices), Collections.unmodifiableList(edges));
  }

  /** The graph as Graphviz DOT text, laid out left to right. */
  public String toDot() {
    Graph g = graph();
    var sb = new StringBuilder();
    sb.append("digraph grad4j {\n");
    sb.append("  rankdir=LR;\n");
    if (title != null) {
      sb.append("  labelloc=t;\n  label=").append(quote(title)).append(";\n");
    }
    sb.append("  node [fontname=\"Helvetica\", fontsize=10];\n");
    sb.append("  edge [color=\"#555555\"];\n");
    boolean first = true;
    for (Vertex v : g.vertices()) {
      sb.append("  ").append(v.id()).append(" [label=").append(quote(label(v)));
      switch (v.kind()) {
        case OP ->
            sb.append(", shape=box, style=\"rounded,filled\", fillcolor=")
                .append(first ? "\"#ffd59e\"" : "\"#e8f0fe\"");
        case PARAMETER -> sb.append(", shape=ellipse, style=filled, fillcolor=\"#c8e6c9\"");
        case INPUT -> sb.append(", shape=note, style=filled, fillcolor=\"#eeeeee\"");
      }
      if (first) {
        sb.append(", penwidth=2");
      }
      sb.append("];\n");
      first = false;
    }
    for (Edge e : g.edges()) {
      sb.append("  ").append(e.from()).append(" -> ").append(e.to()).append(";\n");
    }
    sb.append("}\n");
    return sb.toString();
  }

  private Vertex describe(Node node, String id) {
    if (node instanceof AccumulateGrad acc) {
      Tensor leaf = acc.leaf();
      return vertex(id, Kind.PARAMETER, nameOr(leaf, "leaf"), leaf.shape(), leaf);
    }
    FunctionNode op = (FunctionNode) node;
    return vertex(id, Kind.OP, op.name(), op.outputShape(), op.output());
  }

  private Vertex vertex(String id, Kind kind, String name, int[] shape, Tensor t) {
    Tensor value = null;
    Tensor grad = null;
    if (values && t != null && t.numel() <= maxElements) {
      value = t;
      Tensor g = t.grad();
      grad = g != null && g.numel() <= maxElements ? g : null;
    }
    return new Vertex(id, kind, name, shape, value, grad);
  }

  private String nameOr(Tensor t, String fallback) {
    String name = names.get(t);
    return name != null ? name : fallback;
  }

  private static String label(Vertex v) {
    var sb = new StringBuilder(v.name()).append('\n').append(shape(v.shape()));
    if (v.value() != null) {
      sb.append("\ndata ").append(numbers(v.value()));
    }
    if (v.grad() != null) {
      sb.append("\ngrad ").append(numbers(v.grad()));
    }
    return sb.toString();
  }

  /** A shape as {@code [64, 784]}; a scalar as {@code []}. */
  static String shape(int[] shape) {
    return Arrays.toString(shape);
  }

  /** A small tensor's elements, row-major, with 4 significant digits. */
  static String numbers(Tensor t) {
    double[] v = t.toDoubleArray();
    if (v.length == 1) {
      return number(v[0]);
    }
    var sb = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(number(v[i]));
    }
    return sb.append(']').toString();
  }

  private static String number(double x) {
    if (!Double.isFinite(x)) {
      return Double.toString(x);
    }
    if (x == 0) {
      return "0";
    }
    String s = String.format(Locale.ROOT, "%.4g", x);
    if (s.contains("e")) {
      return s;
    }
    if (s.indexOf('.') >= 0) {
      s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    return s;
  }

  private static String quote(String s) {
    var sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        default -> sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
