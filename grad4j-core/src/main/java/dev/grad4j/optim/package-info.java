/**
 * Optimizers and gradient clipping with PyTorch's update rules ({@code torch.optim}): {@link
 * dev.grad4j.optim.SGD}, {@link dev.grad4j.optim.Adam}, {@link dev.grad4j.optim.AdamW}, {@link
 * dev.grad4j.optim.RMSprop}, {@link dev.grad4j.optim.Adagrad}, and {@link
 * dev.grad4j.optim.GradClip}. Learning-rate schedules are in {@link dev.grad4j.optim.schedule}.
 *
 * <p>Each optimizer's Javadoc states the exact update it performs; the operations follow PyTorch's
 * single-tensor ({@code foreach=False}) implementation in the same order (lerp for Adam's first
 * moment, ε added after the square root, the first momentum buffer being the raw gradient, ...), so
 * results agree with PyTorch's to rounding. Differences, all deliberate:
 *
 * <ul>
 *   <li>Adam's {@code betas} pair is two hyper-parameters, {@code beta1} and {@code beta2}; flags
 *       ({@code nesterov}, {@code amsgrad}, {@code centered}) are 0 or 1, since a state dict here
 *       holds only tensors.
 *   <li>{@code maximize}, {@code foreach}, {@code fused}, {@code capturable}, {@code
 *       differentiable}, sparse gradients and tensor-valued learning rates are not offered.
 *   <li>{@link dev.grad4j.optim.Optimizer#stateDict()} returns copies (PyTorch returns references),
 *       so saving it later still gives the state at the time of the call.
 *   <li>{@link dev.grad4j.optim.GradClip#clipGradNorm} accumulates the total norm in float64
 *       (PyTorch in the gradients' dtype), and rejects a negative maxNorm or clip value.
 * </ul>
 */
package dev.grad4j.optim;
