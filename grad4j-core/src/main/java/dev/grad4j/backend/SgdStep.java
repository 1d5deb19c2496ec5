package dev.grad4j.backend;

/**
 * The hyper-parameters of one SGD update, as {@code torch.optim.SGD} defines them, for {@link
 * Backend#sgdStep}.
 *
 * @param lr the learning rate γ
 * @param momentum the momentum factor μ (0: no momentum buffer)
 * @param dampening the dampening τ of the gradient added to the buffer
 * @param weightDecay the L2 penalty λ added to the gradient
 * @param nesterov whether the step uses Nesterov momentum
 * @param firstStep whether the momentum buffer is set to the gradient (a parameter's first step)
 *     rather than updated from its old value
 */
public record SgdStep(
    double lr,
    double momentum,
    double dampening,
    double weightDecay,
    boolean nesterov,
    boolean firstStep) {}
