package dev.grad4j.nn;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A building block of a network, like PyTorch's {@code nn.Module}: it owns named parameters
 * (tensors that require grad and that optimizers update), named buffers (state that is saved but
 * not trained, such as batch-norm running statistics) and named child modules. Names join with
 * dots, as in PyTorch ({@code 0.weight}, {@code features.3.bias}), so state dicts move between the
 * two unchanged.
 *
 * <p>Subclasses register what they own in their constructor and implement {@link #forward}; they
 * read their tensors back with {@link #parameter} and {@link #buffer}, so that {@link #to(DType)}
 * and {@link #loadStateDict} can change them in one place.
 */
public abstract class Module {
  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private boolean training = true;

  /** Computes the module's output. */
  public abstract Tensor forward(Tensor input);

  // ---------------------------------------------------------------- registration

  /** Registers a trainable tensor under {@code name}; it is made to require grad. */
  protected final Tensor registerParameter(String name, Tensor value) {
    checkName(name);
    Tensor p = value.isLeaf() ? value : value.detach();
    p.requiresGrad(true);
    parameters.put(name, p);
    return p;
  }

  /** Registers state that is saved in the state dict but not trained. */
  protected final Tensor registerBuffer(String name, Tensor value) {
    checkName(name);
    buffers.put(name, value.detach());
    return value;
  }

  /** Registers a child module under {@code name}. */
  protected final <M extends Module> M registerModule(String name, M module) {
    checkName(name);
    if (module == null) {
      throw new IllegalArgumentException("registerModule: module '" + name + "' is null");
    }
    children.put(name, module);
    return module;
  }

  private void checkName(String name) {
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException("invalid name '" + name + "': non-empty, without dots");
    }
    if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
      throw new IllegalArgumentException("'" + name + "' is already registered");
    }
  }

  /** This module's own parameter {@code name}. */
  protected final Tensor parameter(String name) {
    Tensor p = parameters.get(name);
    if (p == null) {
      throw new IllegalArgumentException(
          getClass().getSimpleName() + " has no parameter '" + name + "'");
    }
    return p;
  }

  /** Whether this module has its own parameter {@code name} (optional biases). */
  protected final boolean hasParameter(String name) {
    return parameters.containsKey(name);
  }

  /** This module's own buffer {@code name}. */
  protected final Tensor buffer(String name) {
    Tensor b = buffers.get(name);
    if (b == null) {
      throw new IllegalArgumentException(
          getClass().getSimpleName() + " has no buffer '" + name + "'");
    }
    return b;
  }

  /** Replaces this module's own buffer {@code name} (e.g. running statistics). */
  protected final void setBuffer(String name, Tensor value) {
    buffer(name);
    buffers.put(name, value.detach());
  }

  // ---------------------------------------------------------------- traversal

  /** All parameters, this module's first, then each child's in registration order. */
  public final List<Tensor> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /** All parameters by dotted name. */
  public final Map<String, Tensor> namedParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out, false);
    return out;
  }

  /** All buffers by dotted name. */
  public final Map<String, Tensor> namedBuffers() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collectBuffers("", out);
    return out;
  }

  private void collect(String prefix, Map<String, Tensor> out, boolean withBuffers) {
    parameters.forEach((n, p) -> out.put(prefix + n, p));
    if (withBuffers) {
      buffers.forEach((n, b) -> out.put(prefix + n, b));
    }
    children.forEach((n, c) -> c.collect(prefix + n + ".", out, withBuffers));
  }

  private void collectBuffers(String prefix, Map<String, Tensor> out) {
    buffers.forEach((n, b) -> out.put(prefix + n, b));
    children.forEach((n, c) -> c.collectBuffers(prefix + n + ".", out));
  }

  /** The direct children by name. */
  public final Map<String, Module> namedChildren() {
    return Collections.unmodifiableMap(children);
  }

  /** This module (under "") and every descendant, by dotted name, parents first. */
  public final Map<String, Module> namedModules() {
    Map<String, Module> out = new LinkedHashMap<>();
    collectModules("", out);
    return out;
  }

  private void collectModules(String name, Map<String, Module> out) {
    out.put(name, this);
    children.forEach((n, c) -> c.collectModules(name.isEmpty() ? n : name + "." + n, out));
  }

  /** The total number of trainable elements. */
  public final long parameterCount() {
    long n = 0;
    for (Tensor p : parameters()) {
      n += p.numel();
    }
    return n;
  }

  // ---------------------------------------------------------------- modes and utilities

  /** Sets training mode (dropout active, batch norm updating statistics) here and below. */
  public Module train(boolean mode) {
    training = mode;
    children.values().forEach(c -> c.train(mode));
    return this;
  }

  /** Training mode. */
  public final Module train() {
    return train(true);
  }

  /** Evaluation mode. */
  public final Module eval() {
    return train(false);
  }

  /** Whether the module is in training mode. */
  public final boolean isTraining() {
    return training;
  }

  /** Calls {@code fn} on every descendant and then on this module (PyTorch's order). */
  public final Module apply(Consumer<Module> fn) {
    children.values().forEach(c -> c.apply(fn));
    fn.accept(this);
    return this;
  }

  /** Clears every parameter's gradient. */
  public final void zeroGrad() {
    parameters().forEach(Tensor::zeroGrad);
  }

  /** Converts every parameter and buffer to {@code dtype}, in place. Returns this. */
  public Module to(DType dtype) {
    parameters.replaceAll(
        (n, p) -> p.dtype() == dtype ? p : p.detach().to(dtype).requiresGrad(true));
    buffers.replaceAll((n, b) -> b.to(dtype));
    children.values().forEach(c -> c.to(dtype));
    return this;
  }

  // ---------------------------------------------------------------- state dicts

  /** Parameters and buffers by dotted name (PyTorch's state_dict order). */
  public final Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out, true);
    return out;
  }

  /** Loads a state dict strictly: every key must match and every shape agree. */
  public final void loadStateDict(Map<String, Tensor> state) {
    loadStateDict(state, true);
  }

  /**
   * Copies values into this module's parameters and buffers (keeping the tensors, so optimizers
   * stay attached). With {@code strict}, missing keys, unexpected keys and shape mismatches are
   * reported together in one exception and nothing is changed; without it, only matching keys load
   * (shape mismatches are still an error).
   */
  public final void loadStateDict(Map<String, Tensor> state, boolean strict) {
    Map<String, Tensor> own = stateDict();
    List<String> problems = new ArrayList<>();
    TreeSet<String> missing = new TreeSet<>(own.keySet());
    missing.removeAll(state.keySet());
    TreeSet<String> unexpected = new TreeSet<>(state.keySet());
    unexpected.removeAll(own.keySet());
    if (strict && !missing.isEmpty()) {
      problems.add("missing keys: " + missing);
    }
    if (strict && !unexpected.isEmpty()) {
      problems.add("unexpected keys: " + unexpected);
    }
    for (Map.Entry<String, Tensor> e : own.entrySet()) {
      Tensor given = state.get(e.getKey());
      if (given != null && !Arrays.equals(given.shape(), e.getValue().shape())) {
        problems.add(
            "shape mismatch for "
                + e.getKey()
                + ": checkpoint has "
                + Arrays.toString(given.shape())
                + ", model has "
                + Arrays.toString(e.getValue().shape()));
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "loadStateDict into " + getClass().getSimpleName() + ": " + String.join("; ", problems));
    }
    try (var g = GradMode.disabled()) {
      for (Map.Entry<String, Tensor> e : own.entrySet()) {
        Tensor given = state.get(e.getKey());
        if (given != null) {
          e.getValue().copyFrom(given);
        }
      }
    }
  }

  // ---------------------------------------------------------------- printing

  /** Layer parameters shown in {@link #toString()}, e.g. {@code in=784, out=512}. */
  protected String extraRepr() {
    return "";
  }

  /** A PyTorch-style tree of the module and its children. */
  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder(getClass().getSimpleName()).append('(').append(extraRepr());
    if (!children.isEmpty()) {
      sb.append('\n');
      children.forEach(
          (n, c) ->
              sb.append("  (")
                  .append(n)
                  .append("): ")
                  .append(c.toString().replace("\n", "\n  "))
                  .append('\n'));
    }
    return sb.append(')').toString();
  }

  /**
   * A table of layers with output shape and parameter count for an input of {@code inputShape}
   * (batch dim included), ending with the totals. A {@link Sequential} lists each layer with its
   * output shape; other modules list their direct children.
   */
  public String summary(int... inputShape) {
    return Summary.of(this, inputShape);
  }
}
