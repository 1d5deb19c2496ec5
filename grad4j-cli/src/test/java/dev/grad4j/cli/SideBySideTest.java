package dev.grad4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.PrimitiveIterator;
import java.util.function.DoubleSupplier;
import java.util.stream.DoubleStream;
import org.junit.jupiter.api.Test;

/**
 * SideBySide's arithmetic on scripted times: no clock involved, since every contestant reports the
 * seconds it is told to.
 */
class SideBySideTest {

  /** One warm-up call, no minimum warm-up time: the warm-up makes exactly one call. */
  private static final SideBySide.Plan PLAN = new SideBySide.Plan(1, 0, 3, 2);

  @Test
  void warmsUpThenRoundsKeepTheBestCallOfEachContestantInTurn() {
    List<String> order = new ArrayList<>();
    SideBySide contest = new SideBySide(PLAN);
    // Each script: one warm-up call, then two calls in each of three rounds.
    int a = contest.add(scripted("a", order, 99, 5, 4, 3, 6, 2, 2));
    int b = contest.add(scripted("b", order, 99, 1, 2, 3, 3, 8, 4));
    SideBySide.Result r = contest.run();

    assertArrayEquals(new double[] {4, 3, 2}, column(r, a));
    assertArrayEquals(new double[] {1, 3, 4}, column(r, b));
    // Both warm up first, then each round calls each twice in turn.
    assertEquals(
        List.of("a", "b", "a", "a", "b", "b", "a", "a", "b", "b", "a", "a", "b", "b"), order);
    assertEquals(2, r.best(a));
    assertEquals(1, r.best(b));
  }

  @Test
  void ratiosAreMediansOfPerRoundRatios() {
    // In round 4 the machine ran both contestants 50 times slower: their ratio is unaffected.
    SideBySide.Result r =
        new SideBySide.Result(
            new double[][] {{2, 1}, {3, 1}, {4, 2}, {100, 50}, {2, 2}}, new double[2]);
    assertEquals(2, r.medianRatio(0, 1)); // per round: 2, 3, 2, 2, 1
    assertEquals(0.5, r.medianRatio(1, 0));
    // The absolute figures are each contestant's best round.
    assertEquals(2, r.best(0));
    assertEquals(1, r.best(1));
    assertEquals(4, r.median(t -> t[0] + t[1])); // per round: 3, 4, 6, 150, 4
  }

  @Test
  void anEvenNumberOfRoundsTakesTheMeanOfTheMiddleTwo() {
    SideBySide.Result r =
        new SideBySide.Result(new double[][] {{1, 1}, {4, 1}, {2, 1}, {9, 1}}, new double[2]);
    assertEquals(3, r.medianRatio(0, 1));
  }

  private static double[] column(SideBySide.Result r, int contestant) {
    return DoubleStream.of(0, 1, 2).map(i -> r.times()[(int) i][contestant]).toArray();
  }

  /** A contestant that reports the given seconds in turn and logs its name on every call. */
  private static DoubleSupplier scripted(String name, List<String> order, double... seconds) {
    PrimitiveIterator.OfDouble it = DoubleStream.of(seconds).iterator();
    return () -> {
      order.add(name);
      return it.nextDouble();
    };
  }
}
