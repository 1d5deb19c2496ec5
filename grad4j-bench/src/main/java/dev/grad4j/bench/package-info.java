/**
 * JMH benchmarks for grad4j's CPU backend and autograd engine.
 *
 * <p>Build with {@code mvn -DskipTests -pl grad4j-bench -am package} and run {@code java
 * --add-modules jdk.incubator.vector -jar grad4j-bench/target/benchmarks.jar [regex]}. Every
 * benchmark forks one JVM with {@code --add-modules jdk.incubator.vector}; inputs are built once
 * per trial in {@code @Setup} methods from a fixed {@link dev.grad4j.Generator} seed, and every
 * result is returned to JMH so that the work cannot be optimised away. Nothing here runs during
 * {@code mvn verify}.
 */
package dev.grad4j.bench;
