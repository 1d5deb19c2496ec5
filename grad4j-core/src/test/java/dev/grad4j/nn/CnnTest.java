package dev.grad4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The convolutional network of the training issue, built from the layers. */
class CnnTest {

  static Sequential mnistCnn(Generator gen) {
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

  @Test
  void hasTheExpectedParameterCount() {
    Sequential cnn = mnistCnn(new Generator(0));
    assertEquals(320 + 18_496 + 204_928 + 1_290, cnn.parameterCount());
    assertEquals(225_034, cnn.parameterCount());
    Map<String, Tensor> params = cnn.namedParameters();
    assertEquals(
        List.of(
            "0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"),
        List.copyOf(params.keySet()));
    assertArrayEquals(new int[] {64, 32, 3, 3}, params.get("3.weight").shape());
  }

  @Test
  void summaryShowsEachLayersOutputShape() {
    String summary = mnistCnn(new Generator(0)).summary(2, 1, 28, 28);
    String[] shapes = {
      "[2, 32, 26, 26]",
      "[2, 32, 13, 13]",
      "[2, 64, 11, 11]",
      "[2, 64, 5, 5]",
      "[2, 1600]",
      "[2, 128]",
      "[2, 10]"
    };
    int from = 0;
    for (String shape : shapes) {
      int at = summary.indexOf(shape, from);
      assertTrue(at >= 0, shape + " in order in\n" + summary);
      from = at;
    }
    assertTrue(summary.contains("0 Conv2d"), summary);
    assertTrue(summary.contains("2 MaxPool2d"), summary);
    assertTrue(summary.contains("18,496"), summary);
    assertTrue(summary.contains("Total params: 225,034"), summary);
  }

  @Test
  void trainsEndToEnd() {
    Sequential cnn = mnistCnn(new Generator(1));
    Tensor x = Tensor.rand(new Generator(2), 2, 1, 28, 28);
    Tensor logits = cnn.forward(x);
    assertArrayEquals(new int[] {2, 10}, logits.shape());
    logits.logSoftmax(1).select(1, 3).sum().neg().backward();
    for (Map.Entry<String, Tensor> e : cnn.namedParameters().entrySet()) {
      assertNotNull(e.getValue().grad(), e.getKey());
      assertArrayEquals(e.getValue().shape(), e.getValue().grad().shape(), e.getKey());
    }
    assertTrue(cnn.namedParameters().get("0.weight").grad().abs().sum().item() > 0);
  }
}
