package dev.grad4j.optim;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Updates parameters from their gradients, like PyTorch's {@code torch.optim.Optimizer}. Parameters
 * come in {@link ParamGroup}s, each with its own hyper-parameters (its own learning rate, say);
 * per-parameter state (momentum buffers, moment estimates, step counts) is created on a parameter's
 * first update.
 *
 * <pre>{@code
 * var opt = new Adam(model.parameters(), 1e-3);
 * for (Batch b : loader) {
 *   opt.zeroGrad();
 *   Losses.crossEntropy(model.forward(b.inputs()), b.labels()).backward();
 *   opt.step();
 * }
 * }</pre>
 *
 * <p>{@link #step()} runs without recording a graph and changes parameters in place, so modules and
 * other references keep seeing the same tensors. Parameters whose gradient is null (unused in the
 * last backward, or frozen) are skipped and their state is left as it is.
 *
 * <p>{@link #stateDict()} and {@link #loadStateDict} save and restore everything that the next
 * steps depend on, so training resumed from a checkpoint continues with the same bits as training
 * that never stopped. Create the optimizer after converting a module's dtype ({@code
 * Module.to(dtype)} replaces the parameter tensors).
 */
public abstract class Optimizer {
  /** The name of the per-parameter step counter in the state (a float64 scalar). */
  protected static final String STEP = "step";

  private final String name;
  private final Map<String, Double> defaults;
  private final List<ParamGroup> groups = new ArrayList<>();
  private final Map<Tensor, Map<String, Tensor>> state = new IdentityHashMap<>();

  /**
   * An optimizer over {@code groups}, each completed with {@code defaults}, the hyper-parameters
   * this optimizer knows (a group may not set any other). It calls {@link #validate} and {@link
   * #initGroup} for each group, before a subclass's own fields are set: those methods may use only
   * their argument and the optimizer's state.
   */
  @SuppressWarnings("this-escape")
  protected Optimizer(String name, Map<String, Double> defaults, List<ParamGroup> groups) {
    this.name = name;
    this.defaults = Collections.unmodifiableMap(new LinkedHashMap<>(defaults));
    if (groups.isEmpty()) {
      throw new IllegalArgumentException(name + ": needs at least one parameter group");
    }
    int count = 0;
    for (ParamGroup g : groups) {
      addParamGroup(g);
      count += g.params().size();
    }
    if (count == 0) {
      throw new IllegalArgumentException(name + ": got an empty parameter list");
    }
  }

  /** A single group holding {@code params}. */
  protected static List<ParamGroup> single(List<Tensor> params) {
    return List.of(new ParamGroup(params));
  }

  /** The optimizer's name, for messages ("SGD", "Adam", ...). */
  public final String name() {
    return name;
  }

  /** The default hyper-parameters, by PyTorch's names. */
  public final Map<String, Double> defaults() {
    return defaults;
  }

  /**
   * Adds a group (a copy of it: change the optimizer's copy through {@link #paramGroups()}).
   * Hyper-parameters it does not set come from the defaults.
   *
   * @throws IllegalArgumentException for an unknown or invalid hyper-parameter, a parameter that is
   *     not a leaf tensor, or one that is already in a group
   */
  public final void addParamGroup(ParamGroup group) {
    if (group == null) {
      throw new IllegalArgumentException(name + ": a parameter group is null");
    }
    ParamGroup g = new ParamGroup(group);
    for (String key : g.options().keySet()) {
      if (!defaults.containsKey(key) && !key.equals("initial_lr")) {
        throw new IllegalArgumentException(
            name + ": unknown hyper-parameter '" + key + "'; known: " + defaults.keySet());
      }
    }
    Map<String, Double> completed = new LinkedHashMap<>(defaults);
    completed.putAll(g.options());
    g.putAll(completed);
    validate(g);
    Map<Tensor, Boolean> seen = new IdentityHashMap<>();
    for (ParamGroup other : groups) {
      for (Tensor p : other.params()) {
        seen.put(p, true);
      }
    }
    for (Tensor p : g.params()) {
      if (!p.isLeaf()) {
        throw new IllegalArgumentException(
            name
                + ": can only optimize leaf tensors; got one computed by '"
                + p.gradFn().name()
                + "'");
      }
      if (seen.put(p, true) != null) {
        throw new IllegalArgumentException(
            name + ": a parameter appears more than once among the parameter groups");
      }
    }
    groups.add(g);
    initGroup(g);
  }

  /** The parameter groups; change hyper-parameters (the lr, say) through them. */
  public final List<ParamGroup> paramGroups() {
    return Collections.unmodifiableList(groups);
  }

  /** Clears every parameter's gradient (sets it to null, PyTorch's default). */
  public void zeroGrad() {
    for (ParamGroup g : groups) {
      for (Tensor p : g.params()) {
        p.zeroGrad();
      }
    }
  }

  /** One update of every parameter that has a gradient. */
  public final void step() {
    try (var g = GradMode.disabled()) {
      for (ParamGroup group : groups) {
        for (Tensor p : group.params()) {
          Tensor grad = keepsNoGradient() ? p.peekGrad() : p.grad();
          if (grad != null) {
            update(p, grad.detach(), group, state.computeIfAbsent(p, k -> new LinkedHashMap<>()));
          }
        }
      }
    }
  }

  /**
   * Evaluates {@code closure} (which should clear the gradients, compute the loss and call
   * backward) with recording on, then steps. Returns the closure's loss.
   */
  public final Tensor step(Supplier<Tensor> closure) {
    Tensor loss;
    try (var g = GradMode.enabled()) {
      loss = closure.get();
    }
    step();
    return loss;
  }

  /**
   * Whether {@link #update} keeps no reference to the gradient it is given, nor to a view of it,
   * once it returns (it may copy it). Then a gradient that backward created is left free for reuse
   * when it is cleared (see {@link Tensor#peekGrad()}); false, the safe answer, unless the subclass
   * is sure.
   */
  protected boolean keepsNoGradient() {
    return false;
  }

  /**
   * Updates one parameter in place; runs with recording off. {@code state} is the parameter's own,
   * empty on its first update.
   */
  protected abstract void update(
      Tensor param, Tensor grad, ParamGroup group, Map<String, Tensor> state);

  /** Checks a group's hyper-parameters (all present); throws IllegalArgumentException if bad. */
  protected void validate(ParamGroup group) {}

  /** Called when a group is added, for optimizers that create state eagerly. */
  protected void initGroup(ParamGroup group) {}

  /** The state of {@code param} (read-only; empty before its first update). */
  public final Map<String, Tensor> state(Tensor param) {
    Map<String, Tensor> s = state.get(param);
    return s == null ? Map.of() : Collections.unmodifiableMap(s);
  }

  /** The mutable state of {@code param}, created if absent; for subclasses. */
  protected final Map<String, Tensor> mutableState(Tensor param) {
    return state.computeIfAbsent(param, k -> new LinkedHashMap<>());
  }

  /** Adds one to the state's step counter (starting from 0) and returns the new count. */
  protected static double incrementStep(Map<String, Tensor> state) {
    Tensor t = state.get(STEP);
    double step = (t == null ? 0 : t.item()) + 1;
    state.put(STEP, Tensor.scalar(step, DType.FLOAT64));
    return step;
  }

  /** A state buffer, created as zeros like {@code param} on first use. */
  protected static Tensor buffer(Map<String, Tensor> state, String key, Tensor param) {
    return state.computeIfAbsent(key, k -> Tensor.zerosLike(param));
  }

  /** Whether a 0/1 flag hyper-parameter is set. */
  protected static boolean flag(ParamGroup group, String key) {
    return group.get(key) != 0;
  }

  /** Throws unless {@code group.get(key) >= min}. */
  protected final void requireAtLeast(ParamGroup group, String key, double min) {
    double v = group.get(key);
    if (!(v >= min)) {
      throw new IllegalArgumentException(
          name + ": invalid " + key + " " + v + " (must be >= " + min + ")");
    }
  }

  /** Throws unless {@code 0 <= group.get(key) < 1}. */
  protected final void requireFraction(ParamGroup group, String key) {
    double v = group.get(key);
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(
          name + ": invalid " + key + " " + v + " (must be in [0, 1))");
    }
  }

  /** Throws unless the hyper-parameter is 0 or 1. */
  protected final void requireFlag(ParamGroup group, String key) {
    double v = group.get(key);
    if (v != 0 && v != 1) {
      throw new IllegalArgumentException(
          name + ": " + key + " is a flag and must be 0 or 1, got " + v);
    }
  }

  // ---------------------------------------------------------------- state dicts

  /**
   * A snapshot of the optimizer with PyTorch's layout, flattened into tensors: {@code state.I.NAME}
   * for the state of the I-th parameter (counting through the groups in order; only parameters that
   * have state), {@code param_groups.G.NAME} for each hyper-parameter of group G as a float64
   * scalar, and {@code param_groups.G.params}, the group's parameter indices. The tensors are
   * copies: later steps do not change them.
   */
  public final Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (var g = GradMode.disabled()) {
      int index = 0;
      for (ParamGroup group : groups) {
        for (Tensor p : group.params()) {
          Map<String, Tensor> s = state.get(p);
          if (s != null) {
            for (Map.Entry<String, Tensor> e : s.entrySet()) {
              out.put("state." + index + "." + e.getKey(), e.getValue().detach().clone());
            }
          }
          index++;
        }
      }
      index = 0;
      for (int gi = 0; gi < groups.size(); gi++) {
        ParamGroup group = groups.get(gi);
        for (Map.Entry<String, Double> e : group.options().entrySet()) {
          out.put(
              "param_groups." + gi + "." + e.getKey(), Tensor.scalar(e.getValue(), DType.FLOAT64));
        }
        int[] ids = new int[group.params().size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = index++;
        }
        out.put("param_groups." + gi + ".params", Tensor.of(ids, ids.length));
      }
    }
    return out;
  }

  /**
   * Restores a {@link #stateDict()}: the hyper-parameters of every group and the state of every
   * parameter (matched by position, as PyTorch does). State tensors are copied, converted to their
   * parameter's dtype (the step counter stays float64). Everything is checked before anything
   * changes.
   *
   * @throws IllegalArgumentException if the dict does not fit this optimizer: a different number of
   *     groups or of parameters in a group, a missing hyper-parameter (a dict saved by another kind
   *     of optimizer), a state tensor whose shape differs from its parameter's, or an unknown key
   */
  public final void loadStateDict(Map<String, Tensor> dict) {
    List<String> problems = new ArrayList<>();
    TreeMap<Integer, Map<String, Double>> savedOptions = new TreeMap<>();
    TreeMap<Integer, Tensor> savedIds = new TreeMap<>();
    TreeMap<Integer, Map<String, Tensor>> savedState = new TreeMap<>();
    List<Tensor> params = new ArrayList<>();
    groups.forEach(g -> params.addAll(g.params()));
    TreeSet<String> unknown = new TreeSet<>();
    for (Map.Entry<String, Tensor> e : dict.entrySet()) {
      String[] parts = e.getKey().split("\\.", 3);
      Integer index = parts.length == 3 ? parseIndex(parts[1]) : null;
      if (index == null || parts[2].isEmpty() || parts[2].contains(".")) {
        unknown.add(e.getKey());
      } else if (parts[0].equals("param_groups")) {
        if (parts[2].equals("params")) {
          savedIds.put(index, e.getValue());
        } else if (e.getValue().numel() != 1) {
          problems.add(e.getKey() + " must be a scalar, got shape " + shape(e.getValue()));
        } else {
          savedOptions
              .computeIfAbsent(index, k -> new LinkedHashMap<>())
              .put(parts[2], e.getValue().item());
        }
      } else if (parts[0].equals("state")) {
        savedState.computeIfAbsent(index, k -> new LinkedHashMap<>()).put(parts[2], e.getValue());
      } else {
        unknown.add(e.getKey());
      }
    }
    if (!unknown.isEmpty()) {
      problems.add("unexpected keys " + unknown);
    }
    TreeSet<Integer> groupIndices = new TreeSet<>(savedIds.keySet());
    groupIndices.addAll(savedOptions.keySet());
    boolean groupsMatch = groupIndices.equals(range(groups.size()));
    if (!groupsMatch) {
      problems.add(
          "the checkpoint has parameter groups "
              + groupIndices
              + " (with their params), this optimizer has "
              + groups.size());
    }
    List<ParamGroup> restored = new ArrayList<>();
    for (int gi = 0; groupsMatch && gi < groups.size(); gi++) {
      ParamGroup group = groups.get(gi);
      Tensor ids = savedIds.get(gi);
      if (ids == null || ids.dim() != 1 || ids.numel() != group.params().size()) {
        problems.add(
            "parameter group "
                + gi
                + " has "
                + (ids == null ? "no" : ids.numel())
                + " params in the checkpoint but "
                + group.params().size()
                + " here");
      }
      Map<String, Double> options = savedOptions.getOrDefault(gi, Map.of());
      TreeSet<String> missing = new TreeSet<>(defaults.keySet());
      missing.removeAll(options.keySet());
      if (!missing.isEmpty()) {
        problems.add(
            "parameter group "
                + gi
                + " lacks hyper-parameters "
                + missing
                + " (was the checkpoint saved by another kind of optimizer?)");
        continue;
      }
      ParamGroup candidate = new ParamGroup(group.params());
      candidate.putAll(options);
      try {
        validate(candidate);
      } catch (IllegalArgumentException ex) {
        problems.add("parameter group " + gi + ": " + ex.getMessage());
      }
      restored.add(candidate);
    }
    for (Map.Entry<Integer, Map<String, Tensor>> e : savedState.entrySet()) {
      int i = e.getKey();
      if (i >= params.size()) {
        problems.add("state." + i + " is for parameter " + i + ", but there are " + params.size());
        continue;
      }
      Tensor p = params.get(i);
      for (Map.Entry<String, Tensor> s : e.getValue().entrySet()) {
        boolean scalar = s.getKey().equals(STEP);
        if (scalar ? s.getValue().numel() != 1 : !Arrays.equals(s.getValue().shape(), p.shape())) {
          problems.add(
              "state."
                  + i
                  + "."
                  + s.getKey()
                  + " has shape "
                  + shape(s.getValue())
                  + " but parameter "
                  + i
                  + " has shape "
                  + shape(p));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(name + ".loadStateDict: " + String.join("; ", problems));
    }
    try (var g = GradMode.disabled()) {
      for (int gi = 0; gi < groups.size(); gi++) {
        groups.get(gi).replaceOptions(restored.get(gi).options());
      }
      state.clear();
      for (Map.Entry<Integer, Map<String, Tensor>> e : savedState.entrySet()) {
        Tensor p = params.get(e.getKey());
        Map<String, Tensor> s = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> v : e.getValue().entrySet()) {
          Tensor value = v.getValue().detach();
          s.put(
              v.getKey(),
              v.getKey().equals(STEP)
                  ? Tensor.scalar(value.item(), DType.FLOAT64)
                  : value.to(p.dtype()).clone());
        }
        state.put(p, s);
      }
    }
  }

  private static Integer parseIndex(String s) {
    if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(Character::isDigit)) {
      return null;
    }
    return Integer.parseInt(s);
  }

  private static TreeSet<Integer> range(int n) {
    TreeSet<Integer> out = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  private static String shape(Tensor t) {
    return Arrays.toString(t.shape());
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name).append(" (");
    for (int i = 0; i < groups.size(); i++) {
      sb.append("\n  group ").append(i).append(": ").append(groups.get(i));
    }
    return sb.append("\n)").toString();
  }
}
