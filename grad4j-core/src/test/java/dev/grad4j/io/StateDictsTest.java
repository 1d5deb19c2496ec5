package dev.grad4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.nn.Linear;
import dev.grad4j.nn.Module;
import dev.grad4j.nn.ReLU;
import dev.grad4j.nn.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading modules and maps; atomic replacement; errors that name the path. */
class StateDictsTest {
  @TempDir Path dir;

  private static Sequential mlp(long seed) {
    return new Sequential(
        new Linear(3, 4, true, new Generator(seed)),
        new ReLU(),
        new Linear(4, 2, true, new Generator(seed + 1)));
  }

  private List<String> listing() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  // ---------------------------------------------------------------- atomic writes

  private static Map<String, Tensor> twoTensors(float value) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("a", Tensor.full(value, 1000));
    m.put("b", Tensor.full(value, 1000));
    return m;
  }

  @Test
  void anIoFailureMidWriteLeavesTheOldFileAndNoTemporary() throws IOException {
    Path file = dir.resolve("model.safetensors");
    StateDicts.save(twoTensors(1), file);
    byte[] before = Files.readAllBytes(file);

    IOException e =
        assertThrows(
            IOException.class,
            () ->
                SafeTensors.write(
                    twoTensors(2),
                    null,
                    file,
                    name -> {
                      // The first tensor is on disk (in the temporary file) when this fails.
                      assertEquals(1, listing().size() - 1, "a temporary file exists mid-write");
                      throw new IOException("disk full (simulated) after " + name);
                    }));
    assertEquals("disk full (simulated) after a", e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file), "old file untouched");
    assertEquals(List.of("model.safetensors"), listing(), "temporary file removed");
    assertEquals(1f, StateDicts.load(file).get("b").toFloatArray()[999]);
  }

  @Test
  void anUncheckedFailureMidWriteAlsoCleansUp() throws IOException {
    Path file = dir.resolve("model.safetensors");
    StateDicts.save(twoTensors(1), file);
    byte[] before = Files.readAllBytes(file);
    assertThrows(
        IllegalStateException.class,
        () ->
            SafeTensors.write(
                twoTensors(2),
                Map.of(),
                file,
                name -> {
                  throw new IllegalStateException("bug");
                }));
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(List.of("model.safetensors"), listing());
  }

  @Test
  void aMapWhoseIterationThrowsLeavesTheOldFile() throws IOException {
    Path file = dir.resolve("model.safetensors");
    StateDicts.save(twoTensors(1), file);
    byte[] before = Files.readAllBytes(file);
    Map<String, Tensor> broken =
        new AbstractMap<>() {
          @Override
          public Set<Entry<String, Tensor>> entrySet() {
            return new java.util.AbstractSet<>() {
              @Override
              public Iterator<Entry<String, Tensor>> iterator() {
                Iterator<Entry<String, Tensor>> it = twoTensors(3).entrySet().iterator();
                return new Iterator<>() {
                  int n;

                  @Override
                  public boolean hasNext() {
                    return true;
                  }

                  @Override
                  public Entry<String, Tensor> next() {
                    if (n++ == 1) {
                      throw new IllegalStateException("concurrent modification (simulated)");
                    }
                    return it.next();
                  }
                };
              }

              @Override
              public int size() {
                return 2;
              }
            };
          }
        };
    assertThrows(IllegalStateException.class, () -> StateDicts.save(broken, file));
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(List.of("model.safetensors"), listing());
  }

  @Test
  void aSuccessfulWriteReplacesTheFile() throws IOException {
    Path file = dir.resolve("model.safetensors");
    StateDicts.save(twoTensors(1), file);
    StateDicts.save(twoTensors(5), file);
    assertEquals(5f, StateDicts.load(file).get("a").toFloatArray()[0]);
    assertEquals(List.of("model.safetensors"), listing());
  }

  // ---------------------------------------------------------------- modules

  @Test
  void saveAndLoadModule() throws IOException {
    Sequential a = mlp(1);
    Sequential b = mlp(10);
    Path file = dir.resolve("mlp.safetensors");
    StateDicts.save(a, file);
    assertEquals(Map.of("format", "pt"), SafeTensors.read(file).metadata());
    Tensor w = b.namedParameters().get("0.weight");
    StateDicts.load(b, file);
    assertSame(w, b.namedParameters().get("0.weight"), "same tensor, new values");
    for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
      assertArrayEquals(
          e.getValue().toFloatArray(), b.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
    }
  }

  @Test
  void float64FilesLoadIntoFloat32Modules() throws IOException {
    Sequential a = mlp(1);
    a.to(DType.FLOAT64);
    Path file = dir.resolve("mlp64.safetensors");
    StateDicts.save(a, file);
    assertEquals(DType.FLOAT64, StateDicts.load(file).get("0.weight").dtype());
    Sequential b = mlp(5);
    StateDicts.load(b, file);
    assertEquals(DType.FLOAT32, b.namedParameters().get("0.weight").dtype());
    assertArrayEquals(
        a.namedParameters().get("0.weight").toFloatArray(),
        b.namedParameters().get("0.weight").toFloatArray());
  }

  @Test
  void mismatchedKeysGiveModulesOneClearError() throws IOException {
    Path file = dir.resolve("small.safetensors");
    StateDicts.save(new Sequential(new Linear(3, 4, true, new Generator(1))), file);
    Sequential bigger = mlp(2);
    float[] before = bigger.namedParameters().get("0.weight").toFloatArray();

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateDicts.load(bigger, file));
    assertEquals(
        file + ": loadStateDict into Sequential: missing keys: [2.bias, 2.weight]", e.getMessage());
    assertArrayEquals(
        before, bigger.namedParameters().get("0.weight").toFloatArray(), "nothing loaded");

    StateDicts.load(bigger, file, false); // non-strict: the matching keys load
    assertArrayEquals(
        StateDicts.load(file).get("0.weight").toFloatArray(),
        bigger.namedParameters().get("0.weight").toFloatArray());
  }

  @Test
  void mismatchedShapesAreReportedWithTheFile() throws IOException {
    Path file = dir.resolve("mlp.safetensors");
    StateDicts.save(mlp(1), file);
    Module other =
        new Sequential(
            new Linear(5, 4, true, new Generator(1)),
            new ReLU(),
            new Linear(4, 2, true, new Generator(2)));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateDicts.load(other, file));
    assertEquals(
        file
            + ": loadStateDict into Sequential: shape mismatch for 0.weight: checkpoint has [4, 3],"
            + " model has [4, 5]",
        e.getMessage());
  }

  // ---------------------------------------------------------------- paths

  @Test
  void missingFileIsNamed() {
    Path missing = dir.resolve("nope.safetensors");
    NoSuchFileException e =
        assertThrows(NoSuchFileException.class, () -> StateDicts.load(mlp(1), missing));
    assertEquals(missing + ": cannot load: no such file", e.getMessage());
  }

  @Test
  void directoryInsteadOfFile() {
    IOException e = assertThrows(IOException.class, () -> StateDicts.load(dir));
    assertEquals(
        "cannot load " + dir + ": it is a directory, not a safetensors file", e.getMessage());
    e = assertThrows(IOException.class, () -> StateDicts.save(mlp(1), dir));
    assertEquals("cannot save " + dir + ": it is a directory", e.getMessage());
  }

  @Test
  void missingOrUnusableDirectoryIsNamed() throws IOException {
    Path target = dir.resolve("no/such/dir/model.safetensors");
    NoSuchFileException e =
        assertThrows(NoSuchFileException.class, () -> StateDicts.save(mlp(1), target));
    assertEquals(
        target + ": cannot save: " + dir.resolve("no/such/dir") + " does not exist",
        e.getMessage());

    Path notADir = Files.writeString(dir.resolve("plain.txt"), "x");
    Path under = notADir.resolve("model.safetensors");
    e = assertThrows(NoSuchFileException.class, () -> StateDicts.save(mlp(1), under));
    assertEquals(under + ": cannot save: " + notADir + " is not a directory", e.getMessage());
    assertEquals(List.of("plain.txt"), listing());
  }

  @Test
  void nullArgumentsAreClearErrors() {
    assertEquals(
        "StateDicts.save: module is null",
        assertThrows(
                IllegalArgumentException.class,
                () -> StateDicts.save((Module) null, dir.resolve("x")))
            .getMessage());
    assertEquals(
        "safetensors: path is null",
        assertThrows(IllegalArgumentException.class, () -> StateDicts.save(mlp(1), null))
            .getMessage());
    assertEquals(
        "safetensors: path is null",
        assertThrows(IllegalArgumentException.class, () -> StateDicts.load((Path) null))
            .getMessage());
  }
}
