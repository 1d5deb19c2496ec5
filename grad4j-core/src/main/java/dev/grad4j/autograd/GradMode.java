package dev.grad4j.autograd;

/**
 * Whether operations on the current thread record a graph for backward. Recording is on by default.
 *
 * <pre>{@code
 * try (var g = GradMode.disabled()) {
 *   // no graph is built here: inference, optimizer updates
 * }
 * }</pre>
 */
public final class GradMode {
  private static final ThreadLocal<boolean[]> ENABLED =
      ThreadLocal.withInitial(() -> new boolean[] {true});

  private GradMode() {}

  /** Whether recording is on for this thread. */
  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  /** Turns recording off until the returned scope closes; scopes nest. */
  public static Scope disabled() {
    return set(false);
  }

  /** Turns recording on until the returned scope closes (inside a no-grad scope, say). */
  public static Scope enabled() {
    return set(true);
  }

  /** Sets recording on or off until the returned scope closes. */
  public static Scope set(boolean enabled) {
    boolean[] flag = ENABLED.get();
    boolean previous = flag[0];
    flag[0] = enabled;
    return new Scope(() -> flag[0] = previous);
  }

  /** A scope that restores the previous mode when closed. Closing twice is harmless. */
  public static final class Scope implements AutoCloseable {
    private Runnable restore;

    Scope(Runnable restore) {
      this.restore = restore;
    }

    @Override
    public void close() {
      if (restore != null) {
        restore.run();
        restore = null;
      }
    }
  }
}
