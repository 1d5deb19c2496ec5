/**
 * Learning-rate schedules ({@code torch.optim.lr_scheduler}): {@link
 * dev.grad4j.optim.schedule.StepLR}, {@link dev.grad4j.optim.schedule.MultiStepLR}, {@link
 * dev.grad4j.optim.schedule.ExponentialLR}, {@link dev.grad4j.optim.schedule.CosineAnnealingLR},
 * {@link dev.grad4j.optim.schedule.LinearLR}, {@link dev.grad4j.optim.schedule.LinearWarmup},
 * {@link dev.grad4j.optim.schedule.SequentialLR} and {@link
 * dev.grad4j.optim.schedule.ReduceLROnPlateau}.
 *
 * <p>Every epoch-driven schedule computes the lr in closed form from the group's base lr ({@code
 * initial_lr}) and the epoch. PyTorch's {@code step()} mostly updates the current lr recursively
 * (multiplying it by a factor); the values are the same up to floating-point rounding, but a
 * schedule here does not build on an lr changed by hand (or by a second schedule) between steps:
 * compose schedules explicitly with {@link dev.grad4j.optim.schedule.SequentialLR} or {@link
 * dev.grad4j.optim.schedule.LinearWarmup} instead of stepping two of them ({@code ChainedScheduler}
 * is not offered). State dicts hold only float64 tensors, so ReduceLROnPlateau's modes are saved as
 * 0 (min, rel) or 1 (max, abs).
 */
package dev.grad4j.optim.schedule;
