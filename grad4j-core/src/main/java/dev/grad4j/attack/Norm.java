package dev.grad4j.attack;

import java.util.Locale;

/** The norm whose ε-ball bounds a perturbation. */
public enum Norm {
  /** max |δ_i| ≤ ε: steps move every input element by ±α (the sign of the gradient). */
  LINF,
  /** sqrt(Σ δ_i²) ≤ ε, per example: steps move by α along the normalised gradient. */
  L2;

  /** {@code linf}/{@code inf} or {@code l2}, case-insensitive. */
  public static Norm parse(String s) {
    return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
      case "linf", "inf", "l-inf", "l_inf" -> LINF;
      case "l2" -> L2;
      default -> throw new IllegalArgumentException("unknown norm '" + s + "': choose linf or l2");
    };
  }
}
