// tfjs's normal-distribution ops (tf.randomNormal, tf.truncatedNormal and the layers initialisers built on them)
// treat seed 0 as "no seed" (`seed ? seed : Math.random()` in rand_util.js), so seed 0 would silently draw a
// different stream on every call; tf.randomUniform seeds 0 correctly. `normalSeed` maps 0 to a distinct non-zero
// value (its string, the key tfjs hashes, is "5e-324") and leaves every other seed, and undefined, as it is.

/** A seed for tfjs's normal-distribution ops that keeps seed 0 deterministic. */
export function normalSeed(seed: number | undefined): number | undefined {
  return seed === 0 ? Number.MIN_VALUE : seed;
}
