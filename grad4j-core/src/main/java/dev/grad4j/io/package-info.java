/**
 * Saving and loading tensors: {@link dev.grad4j.io.SafeTensors} reads and writes Hugging Face's
 * safetensors format (validated before anything large is allocated, written atomically), and {@link
 * dev.grad4j.io.StateDicts} saves and loads modules and optimizer state with it.
 */
package dev.grad4j.io;
