package dev.grad4j;

import dev.grad4j.autograd.AccumulateGrad;
import dev.grad4j.autograd.Autograd;
import dev.grad4j.autograd.FunctionNode;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.autograd.Node;
import dev.grad4j.backend.Backend;
import dev.grad4j.backend.Backends;
import dev.grad4j.backend.BinaryOp;
import dev.grad4j.backend.Storage;
import dev.grad4j.backend.Strided;
import dev.grad4j.backend.UnaryOp;
import dev.grad4j.backend.Window2d;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * An n-dimensional array of float32 or float64 numbers that can record the operations applied to
 * it, so that {@link #backward()} can compute gradients by reverse-mode automatic differentiation.
 *
 * <p>A tensor is a strided view of a {@link Storage}: reshape, transpose, permute, narrow, expand,
 * squeeze and unsqueeze share the storage where the layout allows. Binary operations broadcast as
 * NumPy does. Operations return new tensors; the few in-place methods end in {@code InPlace} (or
 * are {@link #fill}, {@link #zero}, {@link #copyFrom}, {@link #set}) and are not differentiable.
 *
 * <p>Integer data (labels, indices, masks) is held in floating-point tensors; float32 represents
 * integers exactly up to 2^24 and float64 up to 2^53. Index-producing ops return float64.
 */
public final class Tensor {
  private final Storage storage;
  private final int[] shape;
  private final int[] strides;
  private final int offset;

  private boolean requiresGrad;
  private Tensor grad;
  // Whether grad was created by backward and nobody has read it through grad() since.
  private boolean gradUnseen;
  private FunctionNode gradFn;
  private AccumulateGrad accumulator;

  Tensor(Storage storage, int[] shape, int[] strides, int offset) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
  }

  static Backend backend() {
    return Backends.current();
  }

  // ---------------------------------------------------------------- creation

  /** A new zero-filled contiguous tensor. */
  static Tensor empty(DType dtype, int[] shape) {
    return new Tensor(
        Storage.allocate(dtype, Shapes.numel(shape)),
        shape.clone(),
        Strided.rowMajorStrides(shape),
        0);
  }

  /** A float32 tensor holding a copy of {@code data}, laid out row-major in {@code shape}. */
  public static Tensor of(float[] data, int... shape) {
    checkLength("of", data.length, shape);
    return new Tensor(Storage.wrap(data.clone()), shape.clone(), Strided.rowMajorStrides(shape), 0);
  }

  /** A float64 tensor holding a copy of {@code data}, laid out row-major in {@code shape}. */
  public static Tensor of(double[] data, int... shape) {
    checkLength("of", data.length, shape);
    return new Tensor(Storage.wrap(data.clone()), shape.clone(), Strided.rowMajorStrides(shape), 0);
  }

  /** A float64 tensor of integers (labels, indices), exact up to 2^53. */
  public static Tensor of(int[] data, int... shape) {
    checkLength("of", data.length, shape);
    double[] d = new double[data.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = data[i];
    }
    return new Tensor(Storage.wrap(d), shape.clone(), Strided.rowMajorStrides(shape), 0);
  }

  /** A 1-D float32 tensor. */
  public static Tensor vector(float... data) {
    return of(data, data.length);
  }

  /** A 1-D float64 tensor. */
  public static Tensor vector(double... data) {
    return of(data, data.length);
  }

  private static void checkLength(String op, int length, int[] shape) {
    Shapes.checkShape(op, shape);
    if (Shapes.numel(shape) != length) {
      throw new IllegalArgumentException(
          op
              + ": "
              + length
              + " values do not fill shape "
              + Shapes.format(shape)
              + " ("
              + Shapes.numel(shape)
              + " elements)");
    }
  }

  /** A float32 scalar (rank 0). */
  public static Tensor scalar(double value) {
    return scalar(value, DType.FLOAT32);
  }

  /** A scalar (rank 0) of the given dtype. */
  public static Tensor scalar(double value, DType dtype) {
    return full(dtype, value);
  }

  /** Zeros, float32. */
  public static Tensor zeros(int... shape) {
    return zeros(DType.FLOAT32, shape);
  }

  /** Zeros of the given dtype. */
  public static Tensor zeros(DType dtype, int... shape) {
    return empty(dtype, Shapes.checkShape("zeros", shape));
  }

  /** Ones, float32. */
  public static Tensor ones(int... shape) {
    return full(DType.FLOAT32, 1.0, shape);
  }

  /** Ones of the given dtype. */
  public static Tensor ones(DType dtype, int... shape) {
    return full(dtype, 1.0, shape);
  }

  /** A float32 tensor filled with {@code value}. */
  public static Tensor full(double value, int... shape) {
    return full(DType.FLOAT32, value, shape);
  }

  /** A tensor of the given dtype filled with {@code value}. */
  public static Tensor full(DType dtype, double value, int... shape) {
    Tensor t = empty(dtype, Shapes.checkShape("full", shape));
    if (Double.doubleToRawLongBits(value) != 0) { // -0.0 must be written too
      backend().fill(t.strided(), value);
    }
    return t;
  }

  /** Zeros with the shape and dtype of {@code like}. */
  public static Tensor zerosLike(Tensor like) {
    return empty(like.dtype(), like.shape);
  }

  /** Ones with the shape and dtype of {@code like}. */
  public static Tensor onesLike(Tensor like) {
    return full(like.dtype(), 1.0, like.shape);
  }

  /** {@code value} with the shape and dtype of {@code like}. */
  public static Tensor fullLike(Tensor like, double value) {
    return full(like.dtype(), value, like.shape);
  }

  /** 0, 1, ..., end-1 as float32. */
  public static Tensor arange(double end) {
    return arange(0, end, 1);
  }

  /** start, start+step, ... up to but excluding end, as float32. */
  public static Tensor arange(double start, double end, double step) {
    return arange(DType.FLOAT32, start, end, step);
  }

  /** start, start+step, ... up to but excluding end. */
  public static Tensor arange(DType dtype, double start, double end, double step) {
    if (step == 0 || !Double.isFinite(start) || !Double.isFinite(end) || !Double.isFinite(step)) {
      throw new IllegalArgumentException(
          "arange: need finite start, end and a non-zero step; got "
              + start
              + ", "
              + end
              + ", "
              + step);
    }
    long n = (long) Math.ceil((end - start) / step);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("arange: " + n + " elements is too many");
    }
    double[] values = new double[(int) Math.max(0, n)];
    for (int i = 0; i < values.length; i++) {
      values[i] = start + i * step;
    }
    return of(values, values.length).to(dtype);
  }

  /** {@code steps} evenly spaced values from start to end inclusive, as float32. */
  public static Tensor linspace(double start, double end, int steps) {
    if (steps < 0) {
      throw new IllegalArgumentException("linspace: steps must be >= 0, got " + steps);
    }
    double[] values = new double[steps];
    double step = steps > 1 ? (end - start) / (steps - 1) : 0;
    for (int i = 0; i < steps; i++) {
      // Fill from both ends so that the last value is exactly `end`, as NumPy does.
      values[i] = steps == 1 || i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step;
    }
    return of(values, steps).to(DType.FLOAT32);
  }

  /** The n×n identity matrix, float32. */
  public static Tensor eye(int n) {
    return eye(DType.FLOAT32, n);
  }

  /** The n×n identity matrix. */
  public static Tensor eye(DType dtype, int n) {
    Tensor t = zeros(dtype, n, n);
    // The diagonal of a row-major n×n matrix is a 1-D view with stride n+1.
    backend().fill(new Strided(t.storage, new int[] {n}, new int[] {n + 1}, 0), 1.0);
    return t;
  }

  /** Uniform values in [0, 1), float32. */
  public static Tensor rand(Generator gen, int... shape) {
    return uniform(gen, 0, 1, DType.FLOAT32, shape);
  }

  /** Uniform values in [low, high). */
  public static Tensor uniform(Generator gen, double low, double high, DType dtype, int... shape) {
    double[] v = new double[Shapes.numel(Shapes.checkShape("uniform", shape))];
    // low + (high - low) * u can round up to high (in float64, and far more often once cast to
    // float32); clamping to the dtype's largest value below high keeps the interval half-open.
    double top = dtype == DType.FLOAT32 ? Math.nextDown((float) high) : Math.nextDown(high);
    for (int i = 0; i < v.length; i++) {
      v[i] = low + (high - low) * gen.nextDouble();
      if (high > low && v[i] > top) {
        v[i] = Math.max(low, top);
      }
    }
    return of(v, shape).to(dtype);
  }

  /** Standard normal values, float32. */
  public static Tensor randn(Generator gen, int... shape) {
    return normal(gen, 0, 1, DType.FLOAT32, shape);
  }

  /** Normal values with the given mean and standard deviation. */
  public static Tensor normal(Generator gen, double mean, double std, DType dtype, int... shape) {
    double[] v = new double[Shapes.numel(Shapes.checkShape("normal", shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = mean + std * gen.nextGaussian();
    }
    return of(v, shape).to(dtype);
  }

  /** 1 with probability p, else 0, float32. */
  public static Tensor bernoulli(Generator gen, double p, int... shape) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("bernoulli: p must be in [0, 1], got " + p);
    }
    double[] v = new double[Shapes.numel(Shapes.checkShape("bernoulli", shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = gen.nextDouble() < p ? 1 : 0;
    }
    return of(v, shape).to(DType.FLOAT32);
  }

  /** A random permutation of 0..n-1 (float64 indices). */
  public static Tensor randperm(Generator gen, int n) {
    return of(gen.permutation(n), n);
  }

  // ---------------------------------------------------------------- layout and data

  /** The shape (a copy). */
  public int[] shape() {
    return shape.clone();
  }

  /** Size of one dim; negative dims count from the end. */
  public int size(int dim) {
    return shape[Shapes.dim("size", dim, shape.length)];
  }

  /** The number of dims (0 for a scalar). */
  public int dim() {
    return shape.length;
  }

  /** The number of elements. */
  public int numel() {
    return Shapes.numel(shape);
  }

  public DType dtype() {
    return storage.dtype();
  }

  /** Strides in elements (a copy). */
  public int[] strides() {
    return strides.clone();
  }

  /** Whether the elements are laid out row-major without gaps from {@code offset}. */
  public boolean isContiguous() {
    int expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && strides[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  /** The in-place write counter of the underlying storage (shared by all views). */
  public int version() {
    return storage.version();
  }

  /** Whether this tensor and {@code other} view the same storage. */
  public boolean sharesStorageWith(Tensor other) {
    return storage == other.storage;
  }

  /** This tensor as a kernel operand. */
  Strided strided() {
    return new Strided(storage, shape, strides, offset);
  }

  /** This tensor broadcast to {@code target}, as a kernel operand. */
  Strided strided(String op, int[] target) {
    return new Strided(storage, target, Shapes.expandStrides(op, shape, strides, target), offset);
  }

  /** The value of a one-element tensor. */
  public double item() {
    if (numel() != 1) {
      throw new IllegalStateException(
          "item: tensor of shape " + Shapes.format(shape) + " has " + numel() + " elements, not 1");
    }
    return storage.get(offset);
  }

  /** The element at the given index (one coordinate per dim). */
  public double get(int... index) {
    return storage.get(elementOffset("get", index));
  }

  private int elementOffset(String op, int[] index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          op + ": " + index.length + " indices for a tensor of rank " + shape.length);
    }
    int at = offset;
    for (int d = 0; d < index.length; d++) {
      int i = index[d] < 0 ? index[d] + shape[d] : index[d];
      if (i < 0 || i >= shape[d]) {
        throw new IndexOutOfBoundsException(
            op + ": index " + index[d] + " is out of range for dim " + d + " of size " + shape[d]);
      }
      at += i * strides[d];
    }
    return at;
  }

  /** The elements in row-major order, as floats. */
  public float[] toFloatArray() {
    Tensor t = to(DType.FLOAT32).contiguousCopy();
    return t.storage.floats();
  }

  /** The elements in row-major order, as doubles. */
  public double[] toDoubleArray() {
    Tensor t = to(DType.FLOAT64).contiguousCopy();
    return t.storage.doubles();
  }

  // A fresh contiguous copy that owns its storage (no autograd).
  private Tensor contiguousCopy() {
    Tensor out = empty(dtype(), shape);
    backend().unary(UnaryOp.IDENTITY, 0, 0, strided(), out.strided());
    return out;
  }

  // ---------------------------------------------------------------- autograd

  /** Whether operations on this tensor are recorded for backward. */
  public boolean requiresGrad() {
    return requiresGrad;
  }

  /**
   * Marks a leaf tensor as a variable whose gradient backward computes. Returns this tensor.
   *
   * @throws IllegalStateException on a tensor computed by a recorded op (only leaves can change)
   */
  public Tensor requiresGrad(boolean value) {
    if (gradFn != null) {
      throw new IllegalStateException(
          "requiresGrad: can only be changed on leaf tensors; this one was computed by '"
              + gradFn.name()
              + "'. Use detach() to get a leaf.");
    }
    requiresGrad = value;
    return this;
  }

  /** The gradient accumulated by backward, or null. */
  public Tensor grad() {
    gradUnseen = false; // the caller may keep it: its buffer is never reused
    return grad;
  }

  /**
   * The gradient, like {@link #grad()}, for code that reads it and keeps no reference to it or to a
   * view of it (the built-in optimizers' updates): unlike {@link #grad()}, it leaves a gradient
   * that backward created free for reuse as a later product's buffer once {@link #zeroGrad()}
   * clears it, which saves zeroing a fresh array of the gradient's size.
   */
  public Tensor peekGrad() {
    return grad;
  }

  /** Replaces the accumulated gradient (null clears it). */
  public void setGrad(Tensor value) {
    if (value != null && !Arrays.equals(value.shape, shape)) {
      throw new IllegalArgumentException(
          "setGrad: gradient shape "
              + Shapes.format(value.shape)
              + " does not match tensor shape "
              + Shapes.format(shape));
    }
    grad = value;
    gradUnseen = false;
  }

  /**
   * Used by autograd: sets a gradient that backward has just created and that nothing else
   * references (no caller, hook, graph or other gradient shares its storage). Until someone reads
   * it through {@link #grad()}, {@link #zeroGrad()} hands its buffer on for reuse.
   */
  public void setFreshGrad(Tensor value) {
    setGrad(value);
    gradUnseen =
        value.dtype() == DType.FLOAT32
            && value.wholeStorageSerial() != 0
            && value.storage.size() >= RecycledBuffers.MIN_FLOATS;
  }

  /**
   * The allocation serial of this tensor's storage ({@link dev.grad4j.backend.Storage#serial()})
   * when this tensor is a contiguous view of all of it, else 0. Autograd uses it to recognise a
   * gradient created during the current backward pass that it may keep without copying.
   */
  public long wholeStorageSerial() {
    return offset == 0 && isContiguous() && numel() == storage.size() ? storage.serial() : 0;
  }

  /**
   * Used by autograd: hands the buffer of a gradient that a backward rule has just consumed on for
   * reuse as a later result's (see {@link #zeroGrad()}), when it is float32, large enough to be
   * worth it and the whole of its storage. The caller guarantees that backward created it during
   * the current pass and that nothing references its storage any more (no caller, hook, graph, leaf
   * or other gradient): after this call the tensor must not be read.
   */
  public void recycleSpentGradient() {
    if (dtype() == DType.FLOAT32
        && wholeStorageSerial() != 0
        && storage.size() >= RecycledBuffers.MIN_FLOATS) {
      RecycledBuffers.offer(storage.floats());
    }
  }

  /** Clears the accumulated gradient (sets it to null, as PyTorch's default does). */
  public void zeroGrad() {
    if (gradUnseen) {
      RecycledBuffers.offer(grad.storage.floats());
    }
    grad = null;
    gradUnseen = false;
  }

  /**
   * A new contiguous tensor whose every element the caller overwrites before anyone reads it: its
   * buffer may be a cleared gradient's (see {@link #setFreshGrad}) instead of a zeroed new array.
   */
  static Tensor emptyToOverwrite(DType dtype, int[] shape) {
    float[] reused = freeBuffer(dtype, shape);
    return reused == null ? empty(dtype, shape) : adopt(reused, shape);
  }

  /**
   * A new contiguous tensor of zeros, for a kernel that adds into it: a cleared gradient's buffer
   * (see {@link #emptyToOverwrite}) filled with zeros when one is free, which costs less than a new
   * array's zeroing of memory that is not in cache.
   */
  static Tensor zerosToAddInto(DType dtype, int[] shape) {
    float[] reused = freeBuffer(dtype, shape);
    if (reused == null) {
      return empty(dtype, shape);
    }
    Arrays.fill(reused, 0f);
    return adopt(reused, shape);
  }

  // A recycled float32 array of the shape's size, or null.
  private static float[] freeBuffer(DType dtype, int[] shape) {
    return dtype == DType.FLOAT32 ? RecycledBuffers.take(Shapes.numel(shape)) : null;
  }

  private static Tensor adopt(float[] data, int[] shape) {
    return new Tensor(Storage.adopt(data), shape.clone(), Strided.rowMajorStrides(shape), 0);
  }

  /** The op that computed this tensor, or null for a leaf. */
  public FunctionNode gradFn() {
    return gradFn;
  }

  /** Whether this tensor was not computed by a recorded op. */
  public boolean isLeaf() {
    return gradFn == null;
  }

  /**
   * The backward-graph node that gradients for this tensor flow into: its op's node, its leaf
   * accumulator, or null when it does not require grad.
   */
  public Node gradNode() {
    if (gradFn != null) {
      return gradFn;
    }
    if (!requiresGrad) {
      return null;
    }
    if (accumulator == null) {
      accumulator = new AccumulateGrad(this);
    }
    return accumulator;
  }

  void setGradFn(FunctionNode node) {
    this.gradFn = node;
    this.requiresGrad = true;
  }

  /** Backpropagates from a scalar: accumulates d(this)/d(leaf) into every leaf's grad. */
  public void backward() {
    if (numel() != 1) {
      throw new IllegalStateException(
          "backward: the output has shape "
              + Shapes.format(shape)
              + "; backward() without an argument needs a single-element output."
              + " Pass the output's gradient with backward(gradOutput), or reduce it with sum().");
    }
    backward(onesLike(this), false, false);
  }

  /** Backpropagates {@code gradOutput} (the gradient of some scalar with respect to this). */
  public void backward(Tensor gradOutput) {
    backward(gradOutput, false, false);
  }

  /**
   * Backpropagates {@code gradOutput}.
   *
   * @param retainGraph keep the graph so that backward can run through it again
   * @param createGraph record the backward pass so that gradients can be differentiated again
   */
  public void backward(Tensor gradOutput, boolean retainGraph, boolean createGraph) {
    Autograd.backward(List.of(this), List.of(gradOutput), retainGraph, createGraph);
  }

  /**
   * A tensor sharing this one's data but cut from the graph (a leaf that does not require grad).
   */
  public Tensor detach() {
    return new Tensor(storage, shape, strides, offset);
  }

  /**
   * Registers a hook that sees the gradient of this tensor during backward and may return a
   * replacement (or null to keep it).
   */
  public Tensor registerHook(UnaryOperator<Tensor> hook) {
    Node node = gradNode();
    if (node == null) {
      throw new IllegalStateException(
          "registerHook: tensor does not require grad, so no gradient will reach it");
    }
    node.addHook(hook);
    return this;
  }

  /** Keeps the gradient of this non-leaf tensor in {@link #grad()} when backward runs. */
  public Tensor retainGrad() {
    if (isLeaf()) {
      return this;
    }
    gradFn.addHook(
        g -> {
          grad = grad == null ? g.detach().clone() : grad.add(g.detach());
          return null;
        });
    return this;
  }

  // ---------------------------------------------------------------- in place (not differentiable)

  private void checkInPlace(String op) {
    if (GradMode.isEnabled() && requiresGrad) {
      throw new IllegalStateException(
          op
              + ": in-place change of a tensor that requires grad is not allowed while recording;"
              + " do it inside GradMode.disabled() (as optimizers do), or use the out-of-place op");
    }
  }

  /**
   * Runs a kernel that writes this tensor in place (given it as an operand) and, when it did write,
   * bumps the version; for in-place ops defined outside this class. Returns what the kernel did.
   */
  boolean writeInPlace(String op, java.util.function.Predicate<Strided> kernel) {
    checkInPlace(op);
    boolean wrote = kernel.test(strided());
    if (wrote) {
      storage.bumpVersion();
    }
    return wrote;
  }

  // Kernels write row by row, so an element written through two positions (an expanded view) would
  // be updated twice, and a source that shares this storage could be read after being overwritten.
  private Tensor checkWritable(String op, Tensor source) {
    checkDistinctElements(op);
    return source.storage == storage ? source.contiguousCopy() : source;
  }

  private void checkDistinctElements(String op) {
    checkInPlace(op);
    if (sharesElements()) {
      throw new IllegalArgumentException(
          op
              + ": cannot write in place to a tensor of shape "
              + Shapes.format(shape)
              + " and strides "
              + Shapes.format(strides)
              + " whose elements share memory (an expand() view); clone() it first");
    }
  }

  // Whether two positions reach one element: a stride of 0 over a dim of several. A tensor with no
  // elements has none to share (row-major strides before a dim of size 0 are 0).
  private boolean sharesElements() {
    if (numel() == 0) {
      return false;
    }
    for (int d = 0; d < shape.length; d++) {
      if (strides[d] == 0 && shape[d] > 1) {
        return true;
      }
    }
    return false;
  }

  // Each element is read and then overwritten at its own position, so the kernel may take this
  // tensor as both operands: no copy and no fresh result. Other layouts go through a contiguous
  // temporary, as the out-of-place op does, so that the values are its bits (the float32 kernels
  // write contiguous outputs only; the generic path would compute through float64).
  private Tensor mapInPlace(String op, UnaryOp kernel) {
    checkDistinctElements(op);
    Strided self = strided();
    if (isContiguous()) {
      backend().unary(kernel, 0, 0, self, self);
    } else {
      Strided result = empty(dtype(), shape).strided();
      backend().unary(kernel, 0, 0, self, result);
      backend().unary(UnaryOp.IDENTITY, 0, 0, result, self);
    }
    storage.bumpVersion();
    return this;
  }

  /**
   * relu in place (PyTorch's {@code relu_}): the values {@link #relu} returns, written over this
   * tensor's elements instead of into a fresh tensor, whose allocation costs about as much as the
   * op for large tensors. Returns this.
   */
  public Tensor reluInPlace() {
    return mapInPlace("reluInPlace", UnaryOp.RELU);
  }

  /** exp in place: the values {@link #exp} returns, written over this tensor. Returns this. */
  public Tensor expInPlace() {
    return mapInPlace("expInPlace", UnaryOp.EXP);
  }

  /** tanh in place: the values {@link #tanh} returns, written over this tensor. Returns this. */
  public Tensor tanhInPlace() {
    return mapInPlace("tanhInPlace", UnaryOp.TANH);
  }

  /**
   * sigmoid in place: the values {@link #sigmoid} returns, written over this tensor. Returns this.
   */
  public Tensor sigmoidInPlace() {
    return mapInPlace("sigmoidInPlace", UnaryOp.SIGMOID);
  }

  private Tensor applyInPlace(String op, BinaryOp kernel, Tensor other) {
    Tensor source = checkWritable(op, other);
    Shapes.broadcast(op, shape, source.shape);
    backend().binary(kernel, strided(), source.strided(op, shape), strided());
    storage.bumpVersion();
    return this;
  }

  /** this += other (broadcast). Returns this. */
  public Tensor addInPlace(Tensor other) {
    return applyInPlace("addInPlace", BinaryOp.ADD, other);
  }

  /** this -= other (broadcast). Returns this. */
  public Tensor subInPlace(Tensor other) {
    return applyInPlace("subInPlace", BinaryOp.SUB, other);
  }

  /** this *= other (broadcast). Returns this. */
  public Tensor mulInPlace(Tensor other) {
    return applyInPlace("mulInPlace", BinaryOp.MUL, other);
  }

  /** this *= value. Returns this. */
  public Tensor mulInPlace(double value) {
    return applyInPlace("mulInPlace", BinaryOp.MUL, scalar(value, dtype()));
  }

  /**
   * Writes the result of {@code op} (of {@code dtype} and {@code shape}) into {@code out}, for the
   * ops' into-forms ({@link #add(Tensor, Tensor)} and the others). Checks that out is given, has
   * exactly that shape and dtype and distinct elements, and that nothing being recorded needs a
   * gradient (out itself included: nothing is recorded). {@code kernel} then writes straight into
   * out when it is contiguous and shares no memory with an input (for an {@code elementwise}
   * kernel, which reads each element before writing it at the same position, an input that is out's
   * very layout does not count); otherwise {@code fresh} computes the result into a new tensor and
   * it is copied in. The same bits either way. Returns out, its version bumped.
   */
  static Tensor writeResult(
      String op,
      Tensor out,
      DType dtype,
      int[] shape,
      Tensor[] inputs,
      boolean elementwise,
      Consumer<Tensor> kernel,
      Supplier<Tensor> fresh) {
    java.util.Objects.requireNonNull(out, op + ": out is null");
    if (!Arrays.equals(shape, out.shape)) {
      throw new IllegalArgumentException(
          op
              + ": out has shape "
              + Shapes.format(out.shape)
              + " but the result has shape "
              + Shapes.format(shape));
    }
    if (dtype != out.dtype()) {
      throw new IllegalArgumentException(
          op + ": out is " + out.dtype() + " but the result is " + dtype);
    }
    if (out.sharesElements()) {
      throw new IllegalArgumentException(
          op
              + ": out of shape "
              + Shapes.format(out.shape)
              + " and strides "
              + Shapes.format(out.strides)
              + " reaches some elements through several positions (an expand() view); give an"
              + " out with distinct elements, such as a new tensor");
    }
    out.checkInPlace(op);
    boolean sharesMemory = false;
    for (Tensor input : inputs) {
      if (GradMode.isEnabled() && input.requiresGrad) {
        throw new IllegalStateException(
            op
                + ": the form writing into out records no gradient, and an input requires grad;"
                + " call it inside GradMode.disabled(), or use the form that returns a new tensor");
      }
      sharesMemory |= input.storage == out.storage && !(elementwise && input.sameLayoutAs(out));
    }
    if (sharesMemory || !out.isContiguous()) {
      return out.copyFrom(fresh.get());
    }
    if (out.numel() > 0) {
      kernel.accept(out);
    }
    out.storage.bumpVersion();
    return out;
  }

  /** {@link #writeResult} for a result of x's shape and dtype computed from x alone. */
  static Tensor writeResultLike(
      String op,
      Tensor out,
      Tensor x,
      boolean elementwise,
      Consumer<Tensor> kernel,
      Supplier<Tensor> fresh) {
    return writeResult(
        op, out, x.dtype(), x.shapeRef(), new Tensor[] {x}, elementwise, kernel, fresh);
  }

  private boolean sameLayoutAs(Tensor other) {
    return offset == other.offset
        && Arrays.equals(shape, other.shape)
        && Arrays.equals(strides, other.strides);
  }

  /** Copies other (broadcast) into this tensor's elements. Returns this. */
  public Tensor copyFrom(Tensor other) {
    Tensor source = checkWritable("copyFrom", other);
    backend().unary(UnaryOp.IDENTITY, 0, 0, source.strided("copyFrom", shape), strided());
    storage.bumpVersion();
    return this;
  }

  /** Sets every element to {@code value}. Returns this. */
  public Tensor fill(double value) {
    checkInPlace("fill");
    backend().fill(strided(), value);
    storage.bumpVersion();
    return this;
  }

  /** Sets every element to 0. Returns this. */
  public Tensor zero() {
    return fill(0);
  }

  /** Sets one element. Returns this. */
  public Tensor set(double value, int... index) {
    checkInPlace("set");
    storage.set(elementOffset("set", index), value);
    storage.bumpVersion();
    return this;
  }

  // ---------------------------------------------------------------- elementwise

  /** this + other, broadcast. */
  public Tensor add(Tensor other) {
    return Pointwise.add(this, other);
  }

  /**
   * this + other (broadcast), written into {@code out} instead of a new tensor, as PyTorch's {@code
   * torch.add(a, b, out=out)}: for loops that would allocate a result per call, where the JVM's
   * zeroing of each new array costs about as much as the op on large tensors. The same values as
   * {@link #add(Tensor)}. {@code out} must have the result's shape and dtype (it is not resized)
   * and distinct elements (not an expand() view); it may share memory with an input, at the cost of
   * a temporary. Records no gradient, so it is refused while recording if an input requires grad.
   * The other ops' into-forms ({@link #exp(Tensor)}, {@link #softmax(int, Tensor)}, {@link
   * #matmul(Tensor, Tensor)}, ...) follow the same rules. Returns out.
   */
  public Tensor add(Tensor other, Tensor out) {
    return Pointwise.zipInto("add", BinaryOp.ADD, this, other, out, () -> add(other));
  }

  /** this + value. */
  public Tensor add(double value) {
    return Pointwise.add(this, scalarLike(value));
  }

  /** this + value, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor add(double value, Tensor out) {
    return Pointwise.zipInto("add", BinaryOp.ADD, this, scalarLike(value), out, () -> add(value));
  }

  /** this - other, broadcast. */
  public Tensor sub(Tensor other) {
    return Pointwise.sub(this, other);
  }

  /**
   * this - other (broadcast), written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns
   * out.
   */
  public Tensor sub(Tensor other, Tensor out) {
    return Pointwise.zipInto("sub", BinaryOp.SUB, this, other, out, () -> sub(other));
  }

  /** this - value. */
  public Tensor sub(double value) {
    return Pointwise.sub(this, scalarLike(value));
  }

  /** this - value, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor sub(double value, Tensor out) {
    return Pointwise.zipInto("sub", BinaryOp.SUB, this, scalarLike(value), out, () -> sub(value));
  }

  /** value - this. */
  public Tensor rsub(double value) {
    return Pointwise.sub(scalarLike(value), this);
  }

  /** value - this, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor rsub(double value, Tensor out) {
    return Pointwise.zipInto("sub", BinaryOp.SUB, scalarLike(value), this, out, () -> rsub(value));
  }

  /** this * other, broadcast. */
  public Tensor mul(Tensor other) {
    return Pointwise.mul(this, other);
  }

  /**
   * this * other (broadcast), written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns
   * out.
   */
  public Tensor mul(Tensor other, Tensor out) {
    return Pointwise.zipInto("mul", BinaryOp.MUL, this, other, out, () -> mul(other));
  }

  /** this * value. */
  public Tensor mul(double value) {
    return Pointwise.mul(this, scalarLike(value));
  }

  /** this * value, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor mul(double value, Tensor out) {
    return Pointwise.zipInto("mul", BinaryOp.MUL, this, scalarLike(value), out, () -> mul(value));
  }

  /** this / other, broadcast. */
  public Tensor div(Tensor other) {
    return Pointwise.div(this, other);
  }

  /**
   * this / other (broadcast), written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns
   * out.
   */
  public Tensor div(Tensor other, Tensor out) {
    return Pointwise.zipInto("div", BinaryOp.DIV, this, other, out, () -> div(other));
  }

  /** this / value. */
  public Tensor div(double value) {
    return Pointwise.div(this, scalarLike(value));
  }

  /** this / value, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor div(double value, Tensor out) {
    return Pointwise.zipInto("div", BinaryOp.DIV, this, scalarLike(value), out, () -> div(value));
  }

  /** this ^ exponent, elementwise. */
  public Tensor pow(double exponent) {
    return Pointwise.powScalar(this, exponent);
  }

  /** this ^ exponent, elementwise and broadcast. */
  public Tensor pow(Tensor exponent) {
    return Pointwise.pow(this, exponent);
  }

  /** this * this. */
  public Tensor square() {
    return Pointwise.powScalar(this, 2);
  }

  /** -this. */
  public Tensor neg() {
    return Pointwise.neg(this);
  }

  /** -this, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor neg(Tensor out) {
    return Pointwise.mapInto("neg", UnaryOp.NEG, this, out, this::neg);
  }

  /** e^this. */
  public Tensor exp() {
    return Pointwise.exp(this);
  }

  /** e^this, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor exp(Tensor out) {
    return Pointwise.mapInto("exp", UnaryOp.EXP, this, out, this::exp);
  }

  /** Natural logarithm. */
  public Tensor log() {
    return Pointwise.log(this);
  }

  /**
   * The natural logarithm, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out.
   */
  public Tensor log(Tensor out) {
    return Pointwise.mapInto("log", UnaryOp.LOG, this, out, this::log);
  }

  /** Square root. */
  public Tensor sqrt() {
    return Pointwise.sqrt(this);
  }

  /** The square root, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor sqrt(Tensor out) {
    return Pointwise.mapInto("sqrt", UnaryOp.SQRT, this, out, this::sqrt);
  }

  /** Absolute value; its gradient at 0 is 0. */
  public Tensor abs() {
    return Pointwise.abs(this);
  }

  /**
   * The absolute value, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out.
   */
  public Tensor abs(Tensor out) {
    return Pointwise.mapInto("abs", UnaryOp.ABS, this, out, this::abs);
  }

  /** -1, 0 or 1; piecewise constant, so its gradient is 0. */
  public Tensor sign() {
    return Pointwise.sign(this);
  }

  /** Hyperbolic tangent. */
  public Tensor tanh() {
    return Pointwise.tanh(this);
  }

  /** tanh, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor tanh(Tensor out) {
    return Pointwise.mapInto("tanh", UnaryOp.TANH, this, out, this::tanh);
  }

  /** Logistic sigmoid 1 / (1 + e^-x), computed without overflow. */
  public Tensor sigmoid() {
    return Pointwise.sigmoid(this);
  }

  /** sigmoid, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor sigmoid(Tensor out) {
    return Pointwise.mapInto("sigmoid", UnaryOp.SIGMOID, this, out, this::sigmoid);
  }

  /** max(x, 0); its gradient at 0 is 0, as in PyTorch. */
  public Tensor relu() {
    return Pointwise.relu(this);
  }

  /** relu, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor relu(Tensor out) {
    return Pointwise.mapInto("relu", UnaryOp.RELU, this, out, this::relu);
  }

  /** x for x > 0, else slope * x; its gradient at 0 is slope, as in PyTorch. */
  public Tensor leakyRelu(double slope) {
    return where(gt(0), this, mul(slope));
  }

  /** Sine. */
  public Tensor sin() {
    return Pointwise.sin(this);
  }

  /** Cosine. */
  public Tensor cos() {
    return Pointwise.cos(this);
  }

  /**
   * The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt, accurate to about 1e-16 in float64 (W. J.
   * Cody's rational approximations); its derivative is 2/√π·e^(-x²).
   */
  public Tensor erf() {
    return Pointwise.erf(this);
  }

  /** Clamps into [min, max]; the gradient is 1 inside, boundaries included, and 0 outside. */
  public Tensor clamp(double min, double max) {
    if (min > max) {
      throw new IllegalArgumentException("clamp: min " + min + " > max " + max);
    }
    return Pointwise.clamp(this, min, max);
  }

  /** Elementwise maximum, broadcast; at ties each side gets half the gradient. */
  public Tensor maximum(Tensor other) {
    return Pointwise.maximum(this, other);
  }

  /** Elementwise minimum, broadcast; at ties each side gets half the gradient. */
  public Tensor minimum(Tensor other) {
    return Pointwise.minimum(this, other);
  }

  /** Elementwise choice: {@code condition != 0 ? a : b}, all three broadcast together. */
  public static Tensor where(Tensor condition, Tensor a, Tensor b) {
    return Pointwise.where(condition, a, b);
  }

  /** 1 where this == other, else 0 (a mask; not differentiable). */
  public Tensor eq(Tensor other) {
    return Pointwise.compare("eq", BinaryOp.EQ, this, other);
  }

  /** 1 where this == value, else 0. */
  public Tensor eq(double value) {
    return eq(scalarLike(value));
  }

  /** 1 where this != other, else 0. */
  public Tensor ne(Tensor other) {
    return Pointwise.compare("ne", BinaryOp.NE, this, other);
  }

  /** 1 where this != value, else 0. */
  public Tensor ne(double value) {
    return ne(scalarLike(value));
  }

  /** 1 where this &lt; other, else 0. */
  public Tensor lt(Tensor other) {
    return Pointwise.compare("lt", BinaryOp.LT, this, other);
  }

  /** 1 where this &lt; value, else 0. */
  public Tensor lt(double value) {
    return lt(scalarLike(value));
  }

  /** 1 where this &lt;= other, else 0. */
  public Tensor le(Tensor other) {
    return Pointwise.compare("le", BinaryOp.LE, this, other);
  }

  /** 1 where this &lt;= value, else 0. */
  public Tensor le(double value) {
    return le(scalarLike(value));
  }

  /** 1 where this &gt; other, else 0. */
  public Tensor gt(Tensor other) {
    return Pointwise.compare("gt", BinaryOp.GT, this, other);
  }

  /** 1 where this &gt; value, else 0. */
  public Tensor gt(double value) {
    return gt(scalarLike(value));
  }

  /** 1 where this &gt;= other, else 0. */
  public Tensor ge(Tensor other) {
    return Pointwise.compare("ge", BinaryOp.GE, this, other);
  }

  /** 1 where this &gt;= value, else 0. */
  public Tensor ge(double value) {
    return ge(scalarLike(value));
  }

  /** 1 where the element is finite, else 0. */
  public Tensor isFinite() {
    Tensor a = detach().abs();
    return a.lt(Double.POSITIVE_INFINITY);
  }

  /** Whether every element is non-zero (true for an empty tensor). */
  public boolean all() {
    return numel() == 0 || detach().ne(0).min().item() != 0;
  }

  /** Whether some element is non-zero. */
  public boolean any() {
    return numel() > 0 && detach().ne(0).max().item() != 0;
  }

  /**
   * Whether {@code |this - other| <= atol + rtol * |other|} everywhere (shapes must broadcast). NaN
   * equals nothing.
   */
  public boolean allClose(Tensor other, double rtol, double atol) {
    try (var g = GradMode.disabled()) {
      Tensor a = to(DType.FLOAT64);
      Tensor b = other.to(DType.FLOAT64);
      return a.sub(b).abs().le(b.abs().mul(rtol).add(atol)).all();
    }
  }

  private Tensor scalarLike(double value) {
    return scalar(value, dtype());
  }

  // ---------------------------------------------------------------- reductions

  /** Sum of all elements (a scalar). */
  public Tensor sum() {
    return Reductions.sum(this, new int[0], false);
  }

  /** Sum over one dim. */
  public Tensor sum(int dim) {
    return Reductions.sum(this, new int[] {dim}, false);
  }

  /** Sum over one dim, keeping it with size 1 if {@code keepDim}. */
  public Tensor sum(int dim, boolean keepDim) {
    return Reductions.sum(this, new int[] {dim}, keepDim);
  }

  /** Sum over several dims (none means all). */
  public Tensor sum(int[] dims, boolean keepDim) {
    return Reductions.sum(this, dims, keepDim);
  }

  /** Mean of all elements. */
  public Tensor mean() {
    return Reductions.mean(this, new int[0], false);
  }

  /** Mean over one dim. */
  public Tensor mean(int dim) {
    return Reductions.mean(this, new int[] {dim}, false);
  }

  /** Mean over one dim, keeping it with size 1 if {@code keepDim}. */
  public Tensor mean(int dim, boolean keepDim) {
    return Reductions.mean(this, new int[] {dim}, keepDim);
  }

  /** Mean over several dims (none means all). */
  public Tensor mean(int[] dims, boolean keepDim) {
    return Reductions.mean(this, dims, keepDim);
  }

  /** Largest element; the gradient is shared equally among ties. */
  public Tensor max() {
    return Reductions.max(this, new int[0], false);
  }

  /** Largest values along one dim. */
  public Tensor max(int dim, boolean keepDim) {
    return Reductions.max(this, new int[] {dim}, keepDim);
  }

  /** Largest values over several dims (none means all). */
  public Tensor max(int[] dims, boolean keepDim) {
    return Reductions.max(this, dims, keepDim);
  }

  /** Smallest element; the gradient is shared equally among ties. */
  public Tensor min() {
    return Reductions.min(this, new int[0], false);
  }

  /** Smallest values along one dim. */
  public Tensor min(int dim, boolean keepDim) {
    return Reductions.min(this, new int[] {dim}, keepDim);
  }

  /** Smallest values over several dims (none means all). */
  public Tensor min(int[] dims, boolean keepDim) {
    return Reductions.min(this, dims, keepDim);
  }

  /** Unbiased variance of all elements (divides by n - 1). */
  public Tensor var() {
    return Reductions.var(this, new int[0], false, 1);
  }

  /**
   * Variance over dims (none means all), dividing by n - correction: 1 for the unbiased estimate
   * (PyTorch's default), 0 for the population variance.
   */
  public Tensor var(int[] dims, boolean keepDim, int correction) {
    return Reductions.var(this, dims, keepDim, correction);
  }

  /** Index of the largest element of the flattened tensor (float64 scalar). */
  public Tensor argmax() {
    return Reductions.argReduce(true, reshape(-1), 0, false);
  }

  /** Index of the first largest value along dim (float64). */
  public Tensor argmax(int dim, boolean keepDim) {
    return Reductions.argReduce(true, this, dim, keepDim);
  }

  /** Index of the smallest element of the flattened tensor (float64 scalar). */
  public Tensor argmin() {
    return Reductions.argReduce(false, reshape(-1), 0, false);
  }

  /** Index of the first smallest value along dim (float64). */
  public Tensor argmin(int dim, boolean keepDim) {
    return Reductions.argReduce(false, this, dim, keepDim);
  }

  /** log(sum(exp(x))) along dim, computed stably by shifting by the maximum. */
  public Tensor logsumexp(int dim, boolean keepDim) {
    return Reductions.logsumexp(this, dim, keepDim);
  }

  /** Softmax along dim (stable). */
  public Tensor softmax(int dim) {
    return Reductions.softmax(this, dim);
  }

  /** Softmax along dim, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out. */
  public Tensor softmax(int dim, Tensor out) {
    return Reductions.softmaxInto(false, this, dim, out);
  }

  /** Log-softmax along dim (stable): x - logsumexp(x). */
  public Tensor logSoftmax(int dim) {
    return Reductions.logSoftmax(this, dim);
  }

  /**
   * Log-softmax along dim, written into {@code out}: see {@link #add(Tensor, Tensor)}. Returns out.
   */
  public Tensor logSoftmax(int dim, Tensor out) {
    return Reductions.softmaxInto(true, this, dim, out);
  }

  /**
   * Sums this tensor down to {@code target}, a shape it was broadcast from: the adjoint of {@link
   * #expand}.
   */
  public Tensor sumToShape(int... target) {
    return Reductions.sumToShape(this, target);
  }

  // ---------------------------------------------------------------- linear algebra

  /**
   * Matrix product with NumPy semantics: 1-D operands are vectors, 2-D are matrices, higher ranks
   * are batches of matrices whose batch dims broadcast.
   */
  public Tensor matmul(Tensor other) {
    return LinearAlgebra.matmul(this, other);
  }

  /**
   * The matrix product (NumPy semantics, as {@link #matmul(Tensor)}), written into {@code out}: see
   * {@link #add(Tensor, Tensor)}. Returns out.
   */
  public Tensor matmul(Tensor other, Tensor out) {
    return LinearAlgebra.matmulInto(this, other, out);
  }

  // ---------------------------------------------------------------- shape

  /** The same data in a new shape (one dim may be -1); a view when the layout allows. */
  public Tensor reshape(int... newShape) {
    return Views.reshape(this, newShape, false);
  }

  /** Like reshape, but fails instead of copying. */
  public Tensor view(int... newShape) {
    return Views.reshape(this, newShape, true);
  }

  /** The data as 1-D. */
  public Tensor flatten() {
    return reshape(-1);
  }

  /** Merges dims start..end (inclusive) into one. */
  public Tensor flatten(int startDim, int endDim) {
    return Views.flatten(this, startDim, endDim);
  }

  /** Swaps two dims (a view). */
  public Tensor transpose(int dim0, int dim1) {
    return Views.transpose(this, dim0, dim1);
  }

  /** The transpose of a matrix (a view); vectors and scalars are returned as they are. */
  public Tensor t() {
    if (dim() > 2) {
      throw new IllegalArgumentException(
          "t: expects a tensor of at most 2 dims, got " + Shapes.format(shape) + "; use transpose");
    }
    return dim() < 2 ? this : transpose(0, 1);
  }

  /** Reorders dims (a view): result dim i is this tensor's dim {@code order[i]}. */
  public Tensor permute(int... order) {
    return Views.permute(this, order);
  }

  /** Elements start..start+length-1 along dim (a view). */
  public Tensor narrow(int dim, int start, int length) {
    return Views.narrow(this, dim, start, length);
  }

  /** The slice at position index along dim, with that dim removed (a view). */
  public Tensor select(int dim, int index) {
    int d = Shapes.dim("select", dim, shape.length);
    int i = index < 0 ? index + shape[d] : index;
    if (i < 0 || i >= shape[d]) {
      throw new IndexOutOfBoundsException(
          "select: index "
              + index
              + " is out of range for dim "
              + dim
              + " of size "
              + shape[d]
              + " (shape "
              + Shapes.format(shape)
              + ")");
    }
    return narrow(d, i, 1).squeeze(d);
  }

  /** Broadcasts to a larger shape without copying (-1 keeps a dim). */
  public Tensor expand(int... target) {
    return Views.expand(this, target);
  }

  /** Removes all dims of size 1. */
  public Tensor squeeze() {
    return Views.squeeze(this);
  }

  /** Removes dim if its size is 1. */
  public Tensor squeeze(int dim) {
    return Views.squeeze(this, dim);
  }

  /** Inserts a dim of size 1 at position dim. */
  public Tensor unsqueeze(int dim) {
    return Views.unsqueeze(this, dim);
  }

  /** This tensor if contiguous, else a contiguous copy (differentiable). */
  public Tensor contiguous() {
    return isContiguous() ? this : Views.copy("contiguous", this);
  }

  /** A copy with its own storage (differentiable). */
  public Tensor clone() {
    return Views.copy("clone", this);
  }

  /** This tensor converted to dtype (differentiable); this tensor itself if already of it. */
  public Tensor to(DType target) {
    return target == dtype() ? this : Views.convert(this, target);
  }

  /** Views of this tensor's storage with the given layout; package-private for ops. */
  Tensor view(int[] newShape, int[] newStrides, int newOffset) {
    return new Tensor(storage, newShape, newStrides, newOffset);
  }

  int offset() {
    return offset;
  }

  int[] shapeRef() {
    return shape;
  }

  int[] stridesRef() {
    return strides;
  }

  // ---------------------------------------------------------------- sliding windows

  /**
   * Extracts sliding windows (im2col), as PyTorch's {@code torch.nn.functional.unfold}: an input
   * [N, C, H, W] becomes [N, C·kh·kw, L], where column l holds the window at position l (windows
   * counted row-major over the outH × outW positions) and row {@code c·kh·kw + i·kw + j} holds
   * kernel offset (i, j) of channel c. outH = ⌊(H + 2·padH - dilationH·(kh - 1) - 1) / strideH⌋ +
   * 1, and likewise for the width. Positions in the padding read 0. An unbatched [C, H, W] input
   * gives [C·kh·kw, L]. Each argument is one value (used for both dims) or a (height, width) pair.
   *
   * <p>The gradient is {@link #fold} of the output gradient: unfold and fold are adjoint, {@code
   * <unfold(x), y> = <x, fold(y)>}.
   *
   * @throws IllegalArgumentException when the input is not 3-D or 4-D, a size is out of range
   *     (kernel, stride and dilation positive, padding non-negative), or the dilated kernel is
   *     larger than the padded input
   */
  public Tensor unfold(int[] kernelSize, int[] stride, int[] padding, int[] dilation) {
    return unfold(kernelSize, stride, padding, dilation, 0);
  }

  /**
   * {@link #unfold(int[], int[], int[], int[])} with positions in the padding reading {@code
   * padValue} instead of 0 (max pooling pads with -∞). The padding values are constants: no
   * gradient flows to them.
   */
  public Tensor unfold(
      int[] kernelSize, int[] stride, int[] padding, int[] dilation, double padValue) {
    return Windows.unfold(
        this, Windows.geometry("unfold", kernelSize, stride, padding, dilation), padValue);
  }

  /**
   * The windows of all images side by side: an input [N, C, H, W] gives [C·kh·kw, N·L], whose
   * column {@code n·L + l} is column l of image n's {@link #unfold(int[], int[], int[], int[])
   * unfold}. A convolution over the whole batch is then one matrix product, weight [out, C·kh·kw]
   * times this, instead of N small ones. The gradient is fold, as for unfold.
   *
   * @throws IllegalArgumentException as {@link #unfold(int[], int[], int[], int[])}, and for an
   *     input that is not 4-D
   */
  public Tensor unfoldColumns(int[] kernelSize, int[] stride, int[] padding, int[] dilation) {
    return Windows.unfoldColumns(
        this, Windows.geometry("unfoldColumns", kernelSize, stride, padding, dilation));
  }

  /**
   * 2-D convolution (cross-correlation, as PyTorch's {@code conv2d} with groups 1) of this image
   * batch [N, C, H, W] with {@code weight} [out, C, kh, kw], plus {@code bias} [out] per output
   * channel (none when null): [N, out, outH, outW], the output size as for {@link #unfold(int[],
   * int[], int[], int[]) unfold}, padding with zeros. Differentiable to any order: its input and
   * weight gradients are convolutions too.
   *
   * @throws IllegalArgumentException when the shapes do not fit or the window does not fit the
   *     padded input
   */
  public Tensor conv2d(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation) {
    if (dim() != 4
        || weight.dim() != 4
        || weight.size(1) != size(1)
        || (bias != null && (bias.dim() != 1 || bias.size(0) != weight.size(0)))) {
      throw new IllegalArgumentException(
          "conv2d: input "
              + Shapes.format(shape)
              + ", weight "
              + Shapes.format(weight.shape)
              + (bias == null ? "" : " and bias " + Shapes.format(bias.shape))
              + " do not fit (expected [N, C, H, W], [out, C, kh, kw] and [out])");
    }
    Window2d g =
        Windows.geometry(
            "conv2d", new int[] {weight.size(2), weight.size(3)}, stride, padding, dilation);
    Windows.checkFits("conv2d", g, shape, size(2), size(3));
    return Convolution.conv2d(this, weight, bias, g);
  }

  /**
   * Max pooling of this image batch [N, C, H, W] over the windows of {@code kernelSize}, {@code
   * stride}, {@code padding} and {@code dilation} (each one value or a (height, width) pair): [N,
   * C, outH, outW], each window's largest value. Padding may be at most half the kernel; positions
   * in it never count. The gradient of a window goes to one position, its first maximum in
   * row-major window order; a NaN counts as the largest value, so it propagates. Differentiable to
   * any order.
   *
   * @throws IllegalArgumentException when this is not 4-D, a size is out of range or the window
   *     does not fit the padded input
   */
  public Tensor maxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation) {
    if (dim() != 4) {
      throw new IllegalArgumentException(
          "maxPool2d: expected an input [N, C, H, W], got " + Shapes.format(shape));
    }
    Window2d g = Windows.geometry("maxPool2d", kernelSize, stride, padding, dilation);
    if (g.padH() > g.kernelH() / 2 || g.padW() > g.kernelW() / 2) {
      // So that every window holds a position of the image.
      throw new IllegalArgumentException(
          "maxPool2d: padding "
              + g.padH()
              + "x"
              + g.padW()
              + " must be at most half the kernel "
              + g.kernelH()
              + "x"
              + g.kernelW());
    }
    Windows.checkFits("maxPool2d", g, shape, size(2), size(3));
    return MaxPooling.maxPool2d(this, g);
  }

  /**
   * Sums sliding windows back into an image (col2im), as PyTorch's {@code
   * torch.nn.functional.fold}: the adjoint of {@link #unfold}. An input [N, C·kh·kw, L] becomes [N,
   * C, H, W] with (H, W) = {@code outputSize}; every entry is added to the input position that
   * unfold would have read it from, so positions covered by several windows receive the sum, and
   * entries that fall in the padding are dropped. L must equal the number of window positions for
   * this output size. A [C·kh·kw, L] input gives [C, H, W].
   *
   * @throws IllegalArgumentException when the rows are not a multiple of kh·kw, L does not match
   *     the output size, or a size is out of range
   */
  public Tensor fold(
      int[] outputSize, int[] kernelSize, int[] stride, int[] padding, int[] dilation) {
    int[] size = Sizes2d.pair("fold", "output size", outputSize, 1);
    return Windows.fold(
        this, size[0], size[1], Windows.geometry("fold", kernelSize, stride, padding, dilation));
  }

  // ---------------------------------------------------------------- joining and indexing

  /** Joins tensors along an existing dim. */
  public static Tensor cat(int dim, Tensor... tensors) {
    return Indexing.cat(dim, tensors);
  }

  /** Joins tensors along a new dim. */
  public static Tensor stack(int dim, Tensor... tensors) {
    return Indexing.stack(dim, tensors);
  }

  /** The slices at the given positions along dim; {@code index} is a 1-D tensor of integers. */
  public Tensor indexSelect(int dim, Tensor index) {
    return Indexing.indexSelect(this, dim, index);
  }

  /**
   * Picks elements along dim: {@code out[i][j] = this[index[i][j]][j]} for dim 0, and so on. {@code
   * index} has this tensor's rank; the result has index's shape.
   */
  public Tensor gather(int dim, Tensor index) {
    return Indexing.gather(this, dim, index);
  }

  /**
   * The adjoint of gather: a tensor of {@code shape} that is zero except that {@code src[..i..]} is
   * added at {@code index[..i..]} along dim.
   */
  public static Tensor scatterAdd(int[] shape, int dim, Tensor index, Tensor src) {
    return Indexing.scatterAdd(shape, dim, index, src);
  }

  /**
   * The adjoint of indexSelect: a tensor of {@code shape} that is zero except that slice i of src
   * is added at position {@code index[i]} along dim.
   */
  public static Tensor indexAdd(int[] shape, int dim, Tensor index, Tensor src) {
    return Indexing.indexAdd(shape, dim, index, src);
  }

  /** One-hot encoding of integer labels: shape [..., numClasses], float32. */
  public Tensor oneHot(int numClasses) {
    return Indexing.oneHot(this, numClasses);
  }

  // ---------------------------------------------------------------- printing

  /**
   * Shape, dtype, the op that made it (if any) and the values; tensors of more than 1,000 elements
   * show the first and last three entries of each dim.
   */
  @Override
  public String toString() {
    return TensorFormatter.format(this);
  }
}
