package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import java.util.Locale;

/**
 * A plain main: tanh, exp and sigmoid over 2^20 floats (1 thread: {@code GRAD4J_NUM_THREADS=1}),
 * after the JVM has first run them 200,000 times each on tensors shorter than one vector, as a
 * program that starts with small tensors would ({@code small-first}, the default), or without that
 * ({@code big-first}). That order once made C2 compile the unary kernels' dispatch with tanh's loop
 * inlined into it and box every vector: 3.1-4.2 instead of 0.7-1.0 ns per element (see {@code
 * FloatKernels.loop}). Prints the best of 20 calls per op, 8 times.
 */
public final class KernelOrder {
  private KernelOrder() {}

  /** Runs the check; the argument is {@code small-first} or {@code big-first}. */
  @SuppressWarnings("try") // the scope is only opened and closed
  public static void main(String[] args) {
    boolean smallFirst = args.length == 0 || args[0].equals("small-first");
    Generator gen = new Generator(1);
    Tensor small = Tensor.randn(gen, 7);
    Tensor big = Tensor.randn(gen, 1 << 20);
    try (var noGrad = GradMode.disabled()) {
      if (smallFirst) {
        for (int i = 0; i < 200_000; i++) {
          small.tanh();
          small.exp();
          small.sigmoid();
        }
      }
      for (int round = 0; round < 8; round++) {
        StringBuilder line = new StringBuilder();
        for (String op : new String[] {"tanh", "exp", "sigmoid"}) {
          long best = Long.MAX_VALUE;
          for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            switch (op) {
              case "tanh" -> big.tanh();
              case "exp" -> big.exp();
              default -> big.sigmoid();
            }
            best = Math.min(best, System.nanoTime() - t0);
          }
          line.append(
              String.format(Locale.ROOT, "  %s %.2f ns/element", op, best / (double) (1 << 20)));
        }
        System.out.println(line);
      }
    }
  }
}
