package dev.grad4j.io;

import dev.grad4j.Tensor;
import dev.grad4j.nn.Module;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Saves and loads state dicts as safetensors files: a module's parameters and buffers under their
 * PyTorch names ({@code 0.weight}, {@code 0.bias}), or any map of named tensors, such as an
 * optimizer's state (scalars as rank-0 tensors). Files are written atomically (see {@link
 * SafeTensors}).
 *
 * <pre>{@code
 * StateDicts.save(model, Path.of("mlp.safetensors"));
 * StateDicts.load(model, Path.of("mlp.safetensors"));      // strict: every key, every shape
 * StateDicts.save(optimizer.stateDict(), Path.of("opt.safetensors"));
 * optimizer.loadStateDict(StateDicts.load(Path.of("opt.safetensors")));
 * }</pre>
 */
public final class StateDicts {
  /**
   * The metadata written with a module's state dict. {@code format=pt} tells Hugging Face tools
   * that names and layouts are PyTorch's (they refuse files without it).
   */
  public static final Map<String, String> MODULE_METADATA = Map.of("format", "pt");

  private StateDicts() {}

  /** Saves {@code module.stateDict()} to {@code path}, with {@link #MODULE_METADATA}. */
  public static void save(Module module, Path path) throws IOException {
    if (module == null) {
      throw new IllegalArgumentException("StateDicts.save: module is null");
    }
    SafeTensors.write(module.stateDict(), MODULE_METADATA, path);
  }

  /**
   * Loads {@code path} into {@code module} strictly: every key must match and every shape agree, or
   * nothing changes and one {@link IllegalArgumentException} lists every problem.
   */
  public static void load(Module module, Path path) throws IOException {
    load(module, path, true);
  }

  /**
   * Loads {@code path} into {@code module} with {@link Module#loadStateDict(Map, boolean)}; the
   * message of a mismatch is prefixed with the file name. float64 values load into float32
   * parameters (and back) by conversion.
   */
  public static void load(Module module, Path path, boolean strict) throws IOException {
    if (module == null) {
      throw new IllegalArgumentException("StateDicts.load: module is null");
    }
    Map<String, Tensor> state = load(path);
    try {
      module.loadStateDict(state, strict);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
    }
  }

  /** Saves named tensors without metadata. */
  public static void save(Map<String, Tensor> tensors, Path path) throws IOException {
    SafeTensors.write(tensors, Map.of(), path);
  }

  /** Saves named tensors with string metadata (may be empty). */
  public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path path)
      throws IOException {
    SafeTensors.write(tensors, metadata, path);
  }

  /** The tensors of a safetensors file, in file order (unmodifiable). */
  public static Map<String, Tensor> load(Path path) throws IOException {
    return SafeTensors.read(path).tensors();
  }
}
