package dev.grad4j.autograd;

/**
 * A backward rule written by a user ({@link CustomFunction}): the engine cannot know what else
 * holds the tensors it returns, so it never keeps them as a leaf's gradient without copying.
 */
@FunctionalInterface
interface UserBackward extends BackwardRule {}
