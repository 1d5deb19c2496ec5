package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** Layers applied one after another; children are named "0", "1", ... as in PyTorch. */
public final class Sequential extends Module {
  private int size;

  /** A chain of the given layers. */
  public Sequential(Module... layers) {
    for (Module layer : layers) {
      add(layer);
    }
  }

  /** Appends a layer. Returns this. */
  public Sequential add(Module layer) {
    registerModule(Integer.toString(size++), layer);
    return this;
  }

  /** The i-th layer. */
  public Module get(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("Sequential has " + size + " layers, no layer " + i);
    }
    return namedChildren().get(Integer.toString(i));
  }

  /** The number of layers. */
  public int size() {
    return size;
  }

  @Override
  public Tensor forward(Tensor input) {
    Tensor x = input;
    for (Module layer : namedChildren().values()) {
      x = layer.forward(x);
    }
    return x;
  }
}
