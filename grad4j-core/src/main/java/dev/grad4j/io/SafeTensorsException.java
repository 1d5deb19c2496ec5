package dev.grad4j.io;

import java.io.IOException;

/**
 * A safetensors file (or byte array) that is truncated, corrupt or uses a feature grad4j does not
 * read. The message names the file and says what is wrong, e.g. {@code model.safetensors: tensor
 * "0.weight": unsupported dtype "BF16"; grad4j reads F32 and F64}.
 */
public final class SafeTensorsException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An exception with the given message. */
  public SafeTensorsException(String message) {
    super(message);
  }
}
