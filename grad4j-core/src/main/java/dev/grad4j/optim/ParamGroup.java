package dev.grad4j.optim;

import dev.grad4j.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of parameters that an {@link Optimizer} updates with the same hyper-parameters, like one
 * entry of PyTorch's {@code param_groups}. Hyper-parameters use PyTorch's names ({@code lr}, {@code
 * momentum}, {@code weight_decay}, ...; flags such as {@code nesterov} are 0 or 1). A group given
 * to an optimizer may set some of them; the rest come from the optimizer's defaults.
 *
 * <pre>{@code
 * var opt = new SGD(SGD.options().lr(0.01).momentum(0.9),
 *     new ParamGroup(backbone.parameters()).setLr(0.001),   // fine-tune slowly
 *     new ParamGroup(head.parameters()));                   // lr 0.01 from the defaults
 * opt.paramGroups().get(1).setLr(0.005);                    // change it later
 * }</pre>
 */
public final class ParamGroup {
  private final List<Tensor> params;
  private final Map<String, Double> options = new LinkedHashMap<>();

  /** A group of the given parameters with no hyper-parameters of its own yet. */
  public ParamGroup(List<Tensor> params) {
    if (params == null) {
      throw new IllegalArgumentException("ParamGroup: the parameter list is null");
    }
    List<Tensor> copy = new ArrayList<>(params.size());
    for (int i = 0; i < params.size(); i++) {
      Tensor p = params.get(i);
      if (p == null) {
        throw new IllegalArgumentException("ParamGroup: parameter " + i + " is null");
      }
      copy.add(p);
    }
    this.params = Collections.unmodifiableList(copy);
  }

  /** A copy of another group (same parameters, a copy of its hyper-parameters). */
  ParamGroup(ParamGroup other) {
    this.params = other.params;
    this.options.putAll(other.options);
  }

  /** The parameters, in order. */
  public List<Tensor> params() {
    return params;
  }

  /** The learning rate. */
  public double lr() {
    return get("lr");
  }

  /** Sets the learning rate. Returns this. */
  public ParamGroup setLr(double lr) {
    return set("lr", lr);
  }

  /** Whether this group has the hyper-parameter {@code name}. */
  public boolean has(String name) {
    return options.containsKey(name);
  }

  /**
   * The hyper-parameter {@code name}.
   *
   * @throws IllegalArgumentException if the group has none of that name
   */
  public double get(String name) {
    Double v = options.get(name);
    if (v == null) {
      throw new IllegalArgumentException(
          "param group has no hyper-parameter '" + name + "'; it has " + options.keySet());
    }
    return v;
  }

  /** Sets a hyper-parameter (PyTorch's name). Returns this. */
  public ParamGroup set(String name, double value) {
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException(
          "hyper-parameter names are non-empty and without dots, got '" + name + "'");
    }
    options.put(name, value);
    return this;
  }

  /** The hyper-parameters by name, in insertion order (a read-only view). */
  public Map<String, Double> options() {
    return Collections.unmodifiableMap(options);
  }

  void putAll(Map<String, Double> values) {
    options.putAll(values);
  }

  void replaceOptions(Map<String, Double> values) {
    Map<String, Double> copy = new LinkedHashMap<>(values);
    options.clear();
    options.putAll(copy);
  }

  @Override
  public String toString() {
    return "ParamGroup(" + params.size() + " params, " + options + ")";
  }
}
