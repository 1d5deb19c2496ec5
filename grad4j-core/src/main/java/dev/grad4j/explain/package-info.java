/**
 * Explanations of what a network computes. From input gradients: saliency maps ({@link
 * dev.grad4j.explain.Saliency}) and feature visualisation by gradient ascent on the input ({@link
 * dev.grad4j.explain.FeatureVisualization}); both run the model in eval mode and never touch
 * parameters' {@code grad} fields. The package also holds the graph and Jacobian-shape tools.
 */
package dev.grad4j.explain;
