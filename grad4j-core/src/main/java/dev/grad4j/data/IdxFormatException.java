package dev.grad4j.data;

import java.io.IOException;

/**
 * An IDX file (the MNIST format) that is truncated, corrupt, of the wrong kind or with absurd
 * dimensions, or a set of IDX files that do not fit together. The message names the file, what was
 * expected and what was found, e.g. {@code train-images-idx3-ubyte.gz: truncated: the header
 * declares 60000 images of 28x28 (47040000 pixel bytes) but the data ends after 1000 bytes}.
 */
public final class IdxFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An exception with the given message. */
  public IdxFormatException(String message) {
    super(message);
  }

  /** An exception with the given message and cause. */
  public IdxFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
