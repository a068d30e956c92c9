// GDPP benchmark: cost of gdppLoss forward+backward (the tfjs op, gradient w.r.t. phiFake) and of eigh
// (forward, and forward+backward) on the default backend. Median of repeated runs after warm-up.
// Usage: npm run bench:gdpp -- [--reps N]
// (512, 128) runs twice: full-rank features, and rank-8 ones, which take gdppLoss's low-rank route.
// Targets (issue 3): eigh n=64 ≤ 0.5 ms; GDPP (512,128) fwd+bwd ≤ 10 ms (stretch 6 ms).
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.js';
import { eigh, symmetricEigen } from '../src/linalg/index.js';
import { gdppLoss } from '../src/losses/index.js';

const args = process.argv.slice(2);
const repsIndex = args.indexOf('--reps');
const REPS = repsIndex >= 0 ? Math.max(3, Number(args[repsIndex + 1])) : 15;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median wall time and median process CPU time of fn over `reps` runs after `warmup` runs (ms). On a shared,
 * oversubscribed machine CPU time is the steadier of the two (it still includes GC helper threads).
 */
function time(fn: () => void, reps: number, warmup = 3): { median: number; min: number; cpu: number } {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { median: median(times), min: Math.min(...times), cpu: median(cpu) };
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

/** tanh of Gaussians (full rank), or with `rank`: rows in a rank-dimensional subspace, as a 2-D mixture's D features nearly are. */
function features(b: number, d: number, seed: number, rank?: number): tf.Tensor2D {
  if (rank === undefined) return tf.tanh(tf.randomNormal([b, d], 0, 1, 'float32', seed)) as tf.Tensor2D;
  return tf.tidy(() =>
    tf.matMul(
      tf.randomNormal([b, rank], 0, 1, 'float32', seed),
      tf.randomNormal([rank, d], 0, 0.3, 'float32', seed + 7),
    ),
  ) as tf.Tensor2D;
}

async function main(): Promise<void> {
  const backend = await initBackend();
  const rows: string[][] = [];
  const cases: [number, number, number?][] = [
    [64, 4096],
    [512, 128],
    [512, 128, 8],
    [512, 512],
  ];
  for (const [b, d, rank] of cases) {
    const fake = features(b, d, 1, rank);
    const real = features(b, d, 2, rank);
    const step = () => {
      const g = tf.tidy(() => tf.grad((f: tf.Tensor) => gdppLoss(f as tf.Tensor2D, real))(fake));
      g.dataSync();
      g.dispose();
    };
    const reps = b >= 512 && d >= 512 ? Math.min(REPS, 5) : REPS; // (512, 512) decomposes 512×512 twice
    const t = time(step, reps, reps < REPS ? 1 : 3);
    rows.push([
      `gdppLoss fwd+bwd (B=${b}, d=${d})`,
      (d < b ? `Gram ${d}×${d}` : `kernel ${b}×${b}`) + (rank === undefined ? '' : `, rank-${rank} features`),
      fmt(t.median),
      fmt(t.min),
      fmt(t.cpu),
      `${reps}`,
    ]);
    fake.dispose();
    real.dispose();
  }
  for (const n of [64, 128, 512]) {
    const x = tf.randomNormal([n, n], 0, 1, 'float32', n);
    const a = tf.tidy(() => tf.add(x, tf.transpose(x))) as tf.Tensor2D;
    const reps = n >= 512 ? Math.min(REPS, 5) : REPS;
    const warm = n >= 512 ? 1 : 5;
    const data = Float64Array.from(a.dataSync());
    const plain = time(() => symmetricEigen(data, n), reps, warm);
    rows.push([
      `symmetricEigen n=${n} (Float64, no tensors)`,
      'values+vectors',
      fmt(plain.median),
      fmt(plain.min),
      fmt(plain.cpu),
      `${reps}`,
    ]);
    const fwd = time(
      () => {
        const { values, vectors } = eigh(a);
        vectors.dataSync();
        values.dispose();
        vectors.dispose();
      },
      reps,
      warm,
    );
    rows.push([`eigh n=${n} forward`, 'tensor op', fmt(fwd.median), fmt(fwd.min), fmt(fwd.cpu), `${reps}`]);
    const both = time(
      () => {
        const g = tf.tidy(() =>
          tf.grad((t: tf.Tensor) => {
            const { values, vectors } = eigh(t as tf.Tensor2D);
            return tf.add(tf.sum(values), tf.sum(tf.square(tf.slice(vectors, [0, 0], [n, 1]))));
          })(a),
        );
        g.dataSync();
        g.dispose();
      },
      reps,
      warm,
    );
    rows.push([
      `eigh n=${n} forward+backward`,
      'tensor op',
      fmt(both.median),
      fmt(both.min),
      fmt(both.cpu),
      `${reps}`,
    ]);
    x.dispose();
    a.dispose();
  }
  const header = ['workload', 'size', 'median', 'min', 'cpu (median)', 'runs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    `GDPP / eigh benchmark — backend ${backend}, Node ${process.version}, ${REPS} runs (median), after warm-up`,
  );
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log(
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(
        ' ',
      )} on ${os.cpus().length} cores: timings on a shared machine are noisy; rerun on a quiet one: npm run bench:gdpp`,
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
