package dev.grad4j.autograd;

/**
 * Debugging aid: while enabled, every op records where it was created, and backward checks each
 * gradient it computes. The first NaN or infinity raises an {@link ArithmeticException} that names
 * the op whose backward produced it, with the op's creation stack trace as the cause.
 *
 * <pre>{@code
 * try (var a = AnomalyMode.enable()) {
 *   loss.backward();
 * }
 * }</pre>
 */
public final class AnomalyMode {
  private static final ThreadLocal<boolean[]> ENABLED =
      ThreadLocal.withInitial(() -> new boolean[] {false});

  private AnomalyMode() {}

  /** Whether anomaly detection is on for this thread. */
  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  /** Turns anomaly detection on until the returned scope closes. */
  public static GradMode.Scope enable() {
    boolean[] flag = ENABLED.get();
    boolean previous = flag[0];
    flag[0] = true;
    return new GradMode.Scope(() -> flag[0] = previous);
  }
}
