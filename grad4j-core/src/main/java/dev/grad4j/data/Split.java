package dev.grad4j.data;

/** A dataset divided into a training part and a held-out test part. */
public record Split(TensorDataset train, TensorDataset test) {}
