// GDPP stress: 10,000 random feature batches through the Float64 gdppLoss64 (loss and gradient), and a few
// hundred through the differentiable tf op — Gaussian batches, duplicated rows, collapsed batches (all rows
// equal), B > d, B = d, tiny (1e-30) and huge (1e30) norms, mixed scales, zero rows, near-duplicates, rank-1
// batches, subnormals, all-zero and orthogonal batches (flat spectra) — must give zero non-finite losses or
// gradients. Case generation is seeded.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { type GdppOptions, gdppLoss, gdppLoss64 } from '../src/losses/gdpp.js';
import { seededUniform } from './helpers/numeric.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const KINDS = [
  'gaussian',
  'duplicated rows',
  'collapsed',
  'tiny norms',
  'huge norms',
  'mixed scales',
  'zero rows',
  'near-duplicates',
  'rank one',
  'subnormal',
  'all zero',
  'orthogonal rows',
] as const;
type Kind = (typeof KINDS)[number];

interface Case {
  kind: Kind;
  b: number;
  d: number;
  fake: Float32Array;
  real: Float32Array;
  opts: GdppOptions;
}

/** Seeded case generator; features are float32, as the discriminator produces them. */
function caseGenerator(seed: number, maxB: number, maxD: number) {
  const u = seededUniform(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(u() * (hi - lo + 1));
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const batch = (kind: Kind, b: number, d: number): Float32Array => {
    const x = new Float32Array(b * d);
    for (let i = 0; i < x.length; i++) x[i] = normal();
    const copyRow = (from: number, to: number, noise = 0) => {
      for (let k = 0; k < d; k++) x[to * d + k] = x[from * d + k] + noise * normal();
    };
    const scaleRow = (row: number, s: number) => {
      for (let k = 0; k < d; k++) x[row * d + k] *= s;
    };
    switch (kind) {
      case 'duplicated rows':
        for (let n = int(1, b - 1); n > 0; n--) copyRow(int(0, b - 1), int(0, b - 1));
        break;
      case 'collapsed':
        for (let i = 1; i < b; i++) copyRow(0, i);
        break;
      case 'tiny norms':
        for (let i = 0; i < b; i++) scaleRow(i, 1e-30);
        break;
      case 'huge norms':
        for (let i = 0; i < b; i++) scaleRow(i, 1e30);
        break;
      case 'mixed scales':
        for (let i = 0; i < b; i++) scaleRow(i, [1e-30, 1e-8, 1, 1e8, 1e30][int(0, 4)]);
        break;
      case 'zero rows':
        for (let n = int(1, b); n > 0; n--) scaleRow(int(0, b - 1), 0);
        break;
      case 'near-duplicates':
        for (let i = 1; i < b; i++) copyRow(0, i, 1e-6);
        break;
      case 'rank one':
        for (let i = 1; i < b; i++) {
          const s = normal();
          for (let k = 0; k < d; k++) x[i * d + k] = s * x[k];
        }
        break;
      case 'subnormal':
        for (let i = 0; i < b; i++) scaleRow(i, 1e-40);
        break;
      case 'all zero': // dead ReLUs: L = 0, a flat spectrum
        x.fill(0);
        break;
      case 'orthogonal rows': // L = I when B ≤ d: a flat spectrum with every eigenvalue 1
        if (b <= d) {
          x.fill(0);
          for (let i = 0; i < b; i++) x[i * d + i] = (u() < 0.5 ? -1 : 1) * (0.5 + u());
        }
        break;
    }
    return x;
  };
  return (): Case => {
    const kind = KINDS[int(0, KINDS.length - 1)];
    // A third of the batches have B > d (the Gram path), some B = d.
    const shape = u();
    const b = int(2, maxB);
    const d = shape < 0.33 ? int(1, Math.max(1, b - 1)) : shape < 0.4 ? b : int(b, maxD);
    // The real batch is Gaussian or degenerate too.
    const realKind = u() < 0.5 ? 'gaussian' : KINDS[int(0, KINDS.length - 1)];
    const opts: GdppOptions = {
      signInvariant: u() < 0.5,
      magnitudeWeight: [1e-4, 1, 0][int(0, 2)],
      precision: 'float64',
    };
    return { kind, b, d, fake: batch(kind, b, d), real: batch(realKind, b, d), opts };
  };
}

const allFinite = (values: ArrayLike<number>) => {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
};

describe('GDPP stress: zero non-finite losses or gradients', () => {
  it('gdppLoss64: 10,000 random batches (every kind, B ≤ 48, d ≤ 96)', () => {
    const next = caseGenerator(7, 48, 96);
    const failures: string[] = [];
    const perKind = new Map<Kind, number>();
    let gram = 0;
    for (let n = 0; n < 10_000; n++) {
      const c = next();
      perKind.set(c.kind, (perKind.get(c.kind) ?? 0) + 1);
      // every 10th case with the float32 product path (the op's default off cpu)
      const opts: GdppOptions = n % 10 === 9 ? { ...c.opts, precision: 'float32' } : c.opts;
      const result = gdppLoss64(c.fake, c.real, c.b, c.d, opts);
      if (result.path === 'gram') gram++;
      const grad = result.gradient();
      if (!Number.isFinite(result.loss) || !allFinite(grad)) {
        failures.push(`#${n} ${c.kind} B=${c.b} d=${c.d} ${JSON.stringify(opts)}: loss ${result.loss}`);
      }
    }
    expect(failures).toEqual([]);
    expect(perKind.size).toBe(KINDS.length);
    expect([...perKind.values()].every((count) => count > 600)).toBe(true);
    expect(gram).toBeGreaterThan(2000); // B > d was exercised
  });

  it('gdppLoss (tf op, backend default precision): 300 random batches, loss and tf.grad', () => {
    const next = caseGenerator(11, 32, 64);
    const failures: string[] = [];
    for (let n = 0; n < 300; n++) {
      const c = next();
      const { precision: _p, ...opts } = c.opts;
      const [loss, grad] = tf.tidy(() => {
        const fake = tf.tensor2d(c.fake, [c.b, c.d]);
        const real = tf.tensor2d(c.real, [c.b, c.d]);
        const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => gdppLoss(x as tf.Tensor2D, real, opts))(
          fake,
        );
        return [value.dataSync()[0], grad.dataSync()] as const;
      });
      if (!Number.isFinite(loss) || !allFinite(grad)) {
        failures.push(`#${n} ${c.kind} B=${c.b} d=${c.d} ${JSON.stringify(opts)}: loss ${loss}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
