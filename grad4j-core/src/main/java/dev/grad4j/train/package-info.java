/**
 * Training networks with a few lines of code: {@link dev.grad4j.train.Models} (the seed MLP and a
 * small CNN), {@link dev.grad4j.train.Trainer} (the training loop, with progress, per-epoch test
 * accuracy and {@link dev.grad4j.train.Trainer#evaluate evaluation}), {@link
 * dev.grad4j.train.Checkpoint} (everything needed to resume training exactly, in one safetensors
 * file), and {@link dev.grad4j.train.AdversarialTraining} (training on FGSM or PGD examples, the
 * standard defence against them).
 *
 * <pre>{@code
 * var model = Models.mlp(new Generator(1));
 * var opt = new SGD(model.parameters(), SGD.options().lr(0.05).momentum(0.9));
 * var loader = new DataLoader(split.train(), 64, true, false, new Generator(2));
 * var trainer = new Trainer(model, opt, loader, split.test());
 * trainer.fit(3, Trainer.Listener.NONE);
 * System.out.println(Trainer.evaluate(model, split.test(), 500).accuracy());
 * }</pre>
 */
package dev.grad4j.train;
