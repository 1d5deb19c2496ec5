package dev.grad4j.autograd;

import dev.grad4j.Recorder;
import dev.grad4j.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A differentiable function whose forward and backward the user writes, like PyTorch's {@code
 * torch.autograd.Function}. Forward runs without recording; backward receives the gradient of the
 * output and returns one gradient per input (null where none flows). Write backward with tensor ops
 * and it can itself be differentiated (createGraph). Check it with {@link
 * dev.grad4j.func.GradCheck}.
 *
 * <pre>{@code
 * class Cube extends CustomFunction {
 *   protected Tensor forward(Context ctx, Tensor... in) {
 *     ctx.saveForBackward(in[0]);
 *     return in[0].pow(3);
 *   }
 *   protected Tensor[] backward(Context ctx, Tensor g) {
 *     Tensor x = ctx.saved(0);
 *     return new Tensor[] {g.mul(x.square()).mul(3)};
 *   }
 * }
 * Tensor y = new Cube().apply(x);
 * }</pre>
 */
public abstract class CustomFunction {

  /** What one application of the function keeps for its backward. */
  public static final class Context {
    private final List<Tensor> saved = new ArrayList<>();

    /**
     * Keeps tensors for backward. In-place changes to them before backward runs are detected and
     * reported.
     */
    public void saveForBackward(Tensor... tensors) {
      saved.addAll(List.of(tensors));
    }

    /** The i-th saved tensor. */
    public Tensor saved(int i) {
      if (i < 0 || i >= saved.size()) {
        throw new IndexOutOfBoundsException(
            "saved: index " + i + " but " + saved.size() + " tensors were saved");
      }
      return saved.get(i);
    }
  }

  /** Computes the output from the inputs; nothing here is recorded. */
  protected abstract Tensor forward(Context ctx, Tensor... inputs);

  /** From the output's gradient, the gradient of each input (same order as forward's inputs). */
  protected abstract Tensor[] backward(Context ctx, Tensor gradOutput);

  /** The name shown in error messages and graph pictures; the class name by default. */
  public String name() {
    return getClass().getSimpleName();
  }

  /** Runs forward and records backward when an input requires grad. */
  public final Tensor apply(Tensor... inputs) {
    Context ctx = new Context();
    Tensor out;
    try (var g = GradMode.disabled()) {
      // A detached result, so that a forward returning one of its inputs never relabels that input.
      out = forward(ctx, inputs).detach();
    }
    UserBackward rule = gradOutput -> backward(ctx, gradOutput);
    return Recorder.record(name(), out, inputs.clone(), ctx.saved.toArray(new Tensor[0]), rule);
  }
}
