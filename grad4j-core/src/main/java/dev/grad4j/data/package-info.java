/**
 * Training data: {@link dev.grad4j.data.Dataset} and {@link dev.grad4j.data.TensorDataset} hold
 * examples, {@link dev.grad4j.data.DataLoader} cuts them into seeded, shuffled mini-batches (with
 * an optional background {@link dev.grad4j.data.DataLoader#prefetch prefetch}), {@link
 * dev.grad4j.data.Transforms} normalises, flattens and one-hot encodes, {@link dev.grad4j.data.Idx}
 * reads and writes MNIST's IDX files (validated before anything large is allocated), and {@link
 * dev.grad4j.data.Datasets} finds data: 10,000 MNIST digits bundled as a resource, Fashion-MNIST
 * from Debian's {@code dataset-fashion-mnist}, or any IDX directory.
 */
package dev.grad4j.data;
