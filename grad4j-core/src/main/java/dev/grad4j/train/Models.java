package dev.grad4j.train;

import dev.grad4j.Generator;
import dev.grad4j.nn.Conv2d;
import dev.grad4j.nn.Flatten;
import dev.grad4j.nn.Linear;
import dev.grad4j.nn.MaxPool2d;
import dev.grad4j.nn.ReLU;
import dev.grad4j.nn.Sequential;
import java.util.List;
import java.util.Locale;

/**
 * The networks that {@code grad4j train} knows by name, for 28×28 gray images ([N, 1, 28, 28]) in
 * 10 classes. Their weights come from the given generator, so a seed fixes them.
 */
public final class Models {
  /** The names {@link #create} accepts. */
  public static final List<String> NAMES = List.of("mlp", "cnn");

  private Models() {}

  /**
   * The lecture's MLP: Flatten → Linear(784, 512) → ReLU → Linear(512, 512) → ReLU → Linear(512,
   * 10). 669,706 parameters.
   */
  public static Sequential mlp(Generator gen) {
    return new Sequential(
        new Flatten(),
        new Linear(784, 512, true, gen),
        new ReLU(),
        new Linear(512, 512, true, gen),
        new ReLU(),
        new Linear(512, 10, true, gen));
  }

  /**
   * A small CNN: Conv 3×3 1→32 → ReLU → MaxPool 2 → Conv 3×3 32→64 → ReLU → MaxPool 2 → Flatten →
   * Linear(1600, 128) → ReLU → Linear(128, 10). No padding: 28 → 26 → 13 → 11 → 5, so the flattened
   * features are 64·5·5 = 1600. 225,034 parameters.
   */
  public static Sequential cnn(Generator gen) {
    return new Sequential(
        new Conv2d(1, 32, 3, 1, 0, true, gen),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(32, 64, 3, 1, 0, true, gen),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(1600, 128, true, gen),
        new ReLU(),
        new Linear(128, 10, true, gen));
  }

  /**
   * The model called {@code name} ({@code mlp} or {@code cnn}, case-insensitive).
   *
   * @throws IllegalArgumentException for another name
   */
  public static Sequential create(String name, Generator gen) {
    String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
    return switch (n) {
      case "mlp" -> mlp(gen);
      case "cnn" -> cnn(gen);
      default ->
          throw new IllegalArgumentException(
              "unknown model '" + name + "': choose one of " + String.join(", ", NAMES));
    };
  }
}
