/**
 * Adversarial examples: FGSM and PGD (untargeted and targeted, L∞ and L2 balls) and robust-accuracy
 * evaluation over a sweep of ε. Every attack differentiates the loss with respect to the input with
 * a {@link dev.grad4j.autograd.GradientTape}, so parameters' {@code grad} fields are never touched,
 * and runs the model in eval mode (restoring its mode afterwards).
 */
package dev.grad4j.attack;
