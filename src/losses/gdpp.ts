// GDPP loss (Elfeki et al., "GDPP: Learning Diverse Generations Using Determinantal Point Processes", ICML 2019,
// arXiv 1812.00068, method section; the formula below is the one the official code computes,
// GDPP_Loss_Tensorflow_Pytorch.py, and PAPERS.md §2 — equation numbers not verified here, so cited by name).
//   φ = rows of h L2-normalised;  L_B = φφᵀ (the batch's DPP L-ensemble kernel);  L_B = V diag(λ) Vᵀ, λ ascending
//   magnitude = w · mean_i (λ_fake,i − λ_real,i)²,  w = 1e-4            (mean over all B eigenvalues)
//   structure = − Σ_i λ̂_real,i · (v_fake,i · v_real,i),  λ̂ = (λ_real − min)/(max − min)
// Gradient flows into phiFake only; the real branch is a constant. The eigensolver and the gradient's algebra run
// in Float64; the O(B·d²) products run in Float64 or (op default on wasm) float32 — see `precision`.
// Invariant: both paths return the same number. When d < B, L_B (B×B, rank ≤ d) is replaced by the Gram
// matrix G = φᵀφ (d×d): same non-zero spectrum, v = s·φu/√λ with s the sign that makes the B-vector's
// largest-|component| entry positive (eigh's convention), and the B − d structural zero eigenvalues pair
// zero with zero (magnitude 0) and carry λ̂ = 0 (min λ_real = 0 when d < B), so their arbitrary null-space
// eigenvectors never matter. Guards (documented where defined): rows normalised with an ε (zero rows),
// λ̂ := 0 for a flat real spectrum (max = min), zero structure weight for null-space pairs, and a Lorentzian
// in place of 1/(λj − λi) in the backward pass (near-equal eigenvalues) — never NaN/Inf.
import * as tf from '@tensorflow/tfjs-core';
import { DppganError, usageError } from '../errors.js';
import {
  broadenedInverse,
  broadening,
  float32Products,
  float64Products,
  type MatrixProducts,
  symmetricEigen,
  transposeOf,
} from '../linalg/index.js';

/** Options of `gdppLoss`: L_DPP = w·meanᵢ(λ_fake,i − λ_real,i)² − Σᵢ λ̂_real,i (v_fake,i · v_real,i). */
export interface GdppOptions {
  /** Weight w of the eigenvalue (magnitude) MSE term. Default 1e-4 (official). */
  magnitudeWeight?: number;
  /** Use |v_fake,i · v_real,i| so the arbitrary eigenvector sign cannot matter. Default false (official). */
  signInvariant?: boolean;
  /**
   * Relative width ε/max|λ| of the Lorentzian that replaces 1/(λj − λi) in the eigenvector gradient:
   * Δ/(Δ² + ε²), exact to (ε/Δ)² for separated pairs, bounded by 1/(2ε), 0 for equal ones. Default 1e-6.
   */
  gapTolerance?: number;
  /** 'auto' (default): the d×d Gram problem when d < B, else the B×B kernel. Forcing one is for tests. */
  path?: 'auto' | 'kernel' | 'gram';
  /**
   * Precision of the O(B·d²) matrix products (the eigensolver always runs in Float64). 'float64': plain
   * TypeScript, exact to round-off. 'float32': the tfjs backend's matMul (XNNPACK on wasm), ~2–3× faster
   * overall; loss and gradient then agree with float64 to ~1e-5 relative for well-conditioned spectra. For a
   * strongly collapsed fake batch (eigenvalues spanning more than ~1e5) the two differ: float32 puts more pairs in
   * the null space (see `tolerances`), so its structure term weighs fewer eigenvectors. `gdppLoss` defaults to 'float32'
   * on wasm/webgl/webgpu/tensorflow and 'float64' on cpu (whose JS matMul is slower than ours);
   * `gdppLoss64` defaults to 'float64'.
   */
  precision?: 'float64' | 'float32';
}

/**
 * Pairs whose fake or real eigenvalue is at most `nullSpace`·max λ of its branch are (numerically) in a null
 * space: their eigenvectors are any basis of that space, so the official structure term is arbitrary there.
 * Both paths give such pairs zero structure weight (their magnitude term is kept). A real spectrum whose
 * spread max − min is at most `flatSpectrum`·max|λ| counts as flat (see λ̂ below). Float32 products make
 * eigenvalues noisy at ~1e-7·max λ, hence the wider float32 tolerances.
 */
function tolerances(products: MatrixProducts): { nullSpace: number; flatSpectrum: number } {
  return products.precision === 'float64'
    ? { nullSpace: 1e-9, flatSpectrum: 1e-12 }
    : { nullSpace: 1e-5, flatSpectrum: 1e-5 };
}
/** Rows are normalised as h/√(‖h‖² + ε²): smooth and finite for zero rows (gradient ≤ ‖φ̄‖/ε). */
const ROW_EPSILON = 1e-6;

/** Result of the Float64 GDPP computation; `gradient()` (lazy) returns ∂loss/∂hFake (B×d, row-major). */
export interface GdppResult {
  loss: number;
  magnitude: number;
  structure: number;
  path: 'kernel' | 'gram';
  /** ∂loss/∂hFake as a B×d row-major array (computed on first call). */
  gradient: () => Float64Array;
}

interface Branch {
  phi: Float64Array; // normalised rows, B×d
  norms: Float64Array; // √(‖h_b‖² + ε²)
  values: Float64Array; // n eigenvalues ascending (n = B on the kernel path, d on the Gram path)
  vectors: Float64Array; // n×n eigenvectors of the kernel or Gram matrix, as columns
  unscaled: Float64Array; // B×n: the kernel path's V itself; the Gram path's φU (columns s·√λ·v)
  // scales[i]·unscaled[:, i] = the unit B-vector v_i with eigh's sign convention: s_i/√λ_i on the Gram path (0 for
  // null-space columns), 1 on the kernel path (unscaled = V)
  scales: Float64Array;
  signs: Float64Array; // n: s_i (Gram path), 1 on the kernel path
  nullLimit: number;
}

function normaliseRows(
  h: ArrayLike<number>,
  b: number,
  d: number,
  ws?: Workspace,
  prefix = '',
): { phi: Float64Array; norms: Float64Array } {
  const phi = take(ws, `${prefix}phi`, b * d, false);
  const norms = take(ws, `${prefix}norms`, b, false);
  for (let i = 0; i < b; i++) {
    const row = i * d;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const x = h[row + k];
      phi[row + k] = x;
      s += x * x;
    }
    const n = Math.sqrt(s + ROW_EPSILON * ROW_EPSILON);
    norms[i] = n;
    const inverse = 1 / n;
    for (let k = 0; k < d; k++) phi[row + k] *= inverse;
  }
  return { phi, norms };
}

/**
 * Normalise, form L_B or G, and decompose it. `onlyAboveNull` (the real branch, a constant target): compute
 * eigenvectors only for eigenvalues above the null-space limit — the only ones the loss and its gradient read
 * from that branch (null-space pairs get zero structure weight) — the other columns are zero.
 */
function decompose(
  h: ArrayLike<number>,
  b: number,
  d: number,
  gram: boolean,
  products: MatrixProducts,
  onlyAboveNull = false,
  ws?: Workspace,
): Branch {
  const prefix = onlyAboveNull ? 'real.' : 'fake.';
  const { phi, norms } = normaliseRows(h, b, d, ws, prefix);
  const n = gram ? d : b;
  const nullSpace = tolerances(products).nullSpace;
  const { values, vectors } = symmetricEigen(
    products.gram(phi, b, d, gram ? 'cols' : 'rows'),
    n,
    onlyAboveNull ? { vectorsAbove: nullSpace } : {},
  );
  const maxValue = Math.max(values[n - 1], 0);
  const nullLimit = nullSpace * maxValue;
  const signs = new Float64Array(n).fill(1);
  if (!gram) {
    const scales = new Float64Array(n).fill(1);
    return { phi, norms, values, vectors, unscaled: vectors, scales, signs, nullLimit };
  }
  // Columns above the null limit (a suffix: λ ascending); only they get a sign and a B-vector (the others'
  // structure weight is 0), and on the real branch only they have eigenvectors at all.
  let first = 0;
  while (first < n && !(values[first] > nullLimit)) first++;
  // φU (B×d): column i is φu_i = ±√λ_i · v_i (the real branch: its non-null columns only, the rest 0).
  const unscaled = onlyAboveNull
    ? columnsProduct(phi, vectors, b, d, n, first, products, take(ws, `${prefix}unscaled`, b * n, true))
    : products.multiply(phi, vectors, b, d, n, take(ws, `${prefix}unscaled`, b * n, false));
  // Row-major passes only (columns are strided): each column's largest-|entry| row, then the scaled copy.
  const bestAbs = new Float64Array(n).fill(-1);
  const bestValue = new Float64Array(n);
  for (let r = 0; r < b; r++) {
    const row = r * n;
    for (let i = first; i < n; i++) {
      const x = unscaled[row + i];
      const a = Math.abs(x);
      if (a > bestAbs[i]) {
        bestAbs[i] = a;
        bestValue[i] = x;
      }
    }
  }
  const scales = new Float64Array(n); // s_i/√λ_i, 0 for null-space columns
  for (let i = first; i < n; i++) {
    signs[i] = bestValue[i] < 0 ? -1 : 1;
    scales[i] = signs[i] / Math.sqrt(values[i]);
  }
  return { phi, norms, values, vectors, unscaled, scales, signs, nullLimit };
}

// Reused buffers for the gradient's B×n temporaries (dead once gradient() returns; it is not re-entrant): fresh
// half-megabyte Float64Arrays every step kept the garbage collector busy.
const scratchBuffers = new Map<string, Float64Array>();

/** A zero-filled reused Float64Array of `size` elements (valid until the next request of `name`). */
function scratch(name: string, size: number): Float64Array {
  let buffer = scratchBuffers.get(name);
  if (buffer === undefined || buffer.length < size) {
    buffer = new Float64Array(size);
    scratchBuffers.set(name, buffer);
    return buffer.subarray(0, size);
  }
  const view = buffer.subarray(0, size);
  view.fill(0);
  return view;
}

/**
 * Buffers that gdppLoss (the op) reuses from one call to the next for the branches' B×d and B×n arrays and the
 * gradient, so a training step makes almost no garbage. A result computed with a workspace is valid until the
 * next call with that workspace; its gradient() then recomputes from the inputs (the same numbers).
 */
interface Workspace {
  generation: number;
  buffers: Map<string, Float64Array>;
}

/** `size` elements: a view of the workspace buffer `name` (zero-filled if `zero`), or a new array without one. */
function take(ws: Workspace | undefined, name: string, size: number, zero: boolean): Float64Array {
  if (ws === undefined) return new Float64Array(size);
  let buffer = ws.buffers.get(name);
  if (buffer === undefined || buffer.length < size) {
    buffer = new Float64Array(size);
    ws.buffers.set(name, buffer);
    return buffer.subarray(0, size);
  }
  const view = buffer.subarray(0, size);
  if (zero) view.fill(0);
  return view;
}

const OP_WORKSPACE: Workspace = { generation: 0, buffers: new Map() };

/** x (m×n) transposed into out (n×m). */
function transposeInto(x: Float64Array, m: number, n: number, out: Float64Array): Float64Array {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) out[j * m + i] = x[row + j];
  }
  return out;
}

/** x (B×d) · (columns first..n−1 of v, d×n), placed in those columns of a B×n result (the others 0). */
function columnsProduct(
  x: Float64Array,
  v: Float64Array,
  b: number,
  d: number,
  n: number,
  first: number,
  products: MatrixProducts,
  out: Float64Array = new Float64Array(b * n), // zero-filled
): Float64Array {
  const k = n - first;
  if (k === 0) return out;
  // The skipped columns of v are zero (symmetricEigen's vectorsAbove, a zero structure weight), so when few are
  // skipped the full product is cheaper than gathering the others and scattering the result.
  if (first * 4 < n) return products.multiply(x, v, b, d, n, out);
  const sub = new Float64Array(d * k);
  for (let r = 0; r < d; r++) sub.set(v.subarray(r * n + first, r * n + n), r * k);
  const part = products.multiply(x, sub, b, d, k);
  for (let r = 0; r < b; r++) out.set(part.subarray(r * k, r * k + k), r * n + first);
  return out;
}

/** The error gdppLoss throws for NaN/±Inf features (a runtime error; the Trainer's numerical guard catches it). */
export class NonFiniteFeaturesError extends DppganError {
  constructor(message: string) {
    super(message, 1);
  }
}

function checkFeatures(name: string, h: ArrayLike<number>, d: number): void {
  for (let i = 0; i < h.length; i++) {
    if (!Number.isFinite(h[i])) {
      throw new NonFiniteFeaturesError(
        `gdppLoss: ${name} has a non-finite feature (${h[i]}) at row ${Math.floor(i / d)}, column ${i % d} ` +
          '(the discriminator produced NaN/Inf: lower the learning rate or check its input)',
      );
    }
  }
}

/** Validated options with defaults (throws a usage error naming the bad option). */
function resolveOptions(opts: GdppOptions): {
  weight: number;
  signInvariant: boolean;
  gapTolerance: number;
  requested: 'auto' | 'kernel' | 'gram';
} {
  const weight = opts.magnitudeWeight ?? 1e-4;
  const signInvariant = opts.signInvariant ?? false;
  const gapTolerance = opts.gapTolerance ?? 1e-6;
  const requested = opts.path ?? 'auto';
  if (!Number.isFinite(weight)) throw usageError(`gdppLoss: magnitudeWeight must be finite, got ${weight}`);
  if (!(gapTolerance >= 0)) throw usageError(`gdppLoss: gapTolerance must be ≥ 0, got ${gapTolerance}`);
  if (!['auto', 'kernel', 'gram'].includes(requested)) {
    throw usageError(`gdppLoss: path must be 'auto', 'kernel' or 'gram', got '${requested}'`);
  }
  if (opts.precision !== undefined && opts.precision !== 'float64' && opts.precision !== 'float32') {
    throw usageError(`gdppLoss: precision must be 'float64' or 'float32', got '${opts.precision}'`);
  }
  return { weight, signInvariant, gapTolerance, requested };
}

/**
 * The GDPP loss and (lazily) its gradient w.r.t. the raw fake features, in Float64 (the products in float32
 * with `precision: 'float32'`).
 * hFake, hReal: B×d row-major feature matrices (before normalisation).
 */
export function gdppLoss64(
  hFake: ArrayLike<number>,
  hReal: ArrayLike<number>,
  b: number,
  d: number,
  opts: GdppOptions = {},
): GdppResult {
  return computeGdpp(hFake, hReal, b, d, opts);
}

/**
 * gdppLoss64 on buffers reused from one call to the next (the op's workspace): for a caller that computes the
 * loss every training step and consumes each gradient before the next call (a fresh B×d set of Float64Arrays
 * per step kept the garbage collector busy). The gradient() array is itself reused: copy it to keep it. Same
 * numbers as gdppLoss64.
 */
export const gdppLoss64Reusing: typeof gdppLoss64 = (hFake, hReal, b, d, opts = {}) =>
  computeGdpp(hFake, hReal, b, d, opts, OP_WORKSPACE);

/** gdppLoss64, optionally with reused buffers (see Workspace). */
function computeGdpp(
  hFake: ArrayLike<number>,
  hReal: ArrayLike<number>,
  b: number,
  d: number,
  opts: GdppOptions = {},
  workspace?: Workspace,
): GdppResult {
  const { weight, signInvariant, gapTolerance, requested } = resolveOptions(opts);
  if (hFake.length !== b * d || hReal.length !== b * d) {
    throw usageError(
      `gdppLoss: expected ${b}×${d} features, got ${hFake.length} and ${hReal.length} numbers`,
    );
  }
  checkFeatures('phiFake', hFake, d);
  checkFeatures('phiReal', hReal, d);
  const gram = requested === 'gram' || (requested === 'auto' && d < b);
  const n = gram ? d : b;
  const offset = b - n; // B-spectrum index of Gram eigenvalue i is offset + i
  const products = opts.precision === 'float32' ? float32Products : float64Products;
  const generation = workspace === undefined ? 0 : ++workspace.generation;
  const fake = decompose(hFake, b, d, gram, products, false, workspace);
  const real = decompose(hReal, b, d, gram, products, true, workspace);

  // magnitude: mean over all B eigenvalues; the `offset` structural zeros pair 0 with 0.
  let magnitudeSum = 0;
  for (let i = 0; i < n; i++) magnitudeSum += (fake.values[i] - real.values[i]) ** 2;
  const magnitude = (weight * magnitudeSum) / b;

  // λ̂: min-max over the full B-spectrum of the real kernel (structural zeros included when offset > 0).
  const minReal = offset > 0 ? Math.min(0, real.values[0]) : real.values[0];
  const maxReal = offset > 0 ? Math.max(0, real.values[n - 1]) : real.values[n - 1];
  const spread = maxReal - minReal;
  const flat = !(spread > tolerances(products).flatSpectrum * Math.max(Math.abs(maxReal), Math.abs(minReal)));
  // a_i = λ̂_i, or 0 for a flat real spectrum (every real eigenbasis is then equally valid, so no eigenvector is
  // a meaningful target) and for null-space pairs.
  const weights = new Float64Array(n);
  const cosines = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (flat || !(fake.values[i] > fake.nullLimit) || !(real.values[i] > real.nullLimit)) continue;
    weights[i] = (real.values[i] - minReal) / spread;
  }
  for (let r = 0; r < b; r++) {
    const row = r * n;
    for (let i = 0; i < n; i++) cosines[i] += fake.unscaled[row + i] * real.unscaled[row + i];
  }
  for (let i = 0; i < n; i++) cosines[i] *= fake.scales[i] * real.scales[i];
  let structure = 0;
  for (let i = 0; i < n; i++) {
    if (weights[i] === 0) cosines[i] = 0;
    else structure -= weights[i] * (signInvariant ? Math.abs(cosines[i]) : cosines[i]);
  }

  const gradient = (): Float64Array => {
    if (workspace !== undefined && workspace.generation !== generation) {
      // a later call has reused this result's buffers: recompute (deterministic, so the same gradient)
      return computeGdpp(hFake, hReal, b, d, opts).gradient();
    }
    // Upstream gradients w.r.t. the fake eigenpairs of the matrix actually decomposed (L or G):
    // a'_i = a_i·(sign c_i if signInvariant), so structure = −Σ a'_i c_i.
    const gradValues = new Float64Array(n);
    for (let i = 0; i < n; i++) gradValues[i] = ((2 * weight) / b) * (fake.values[i] - real.values[i]);
    // direct (B×n), column i: ∂structure/∂(unscaled column i) with λ held fixed: −a'_i·v_real,i / (s_i√λ_i) on
    // the Gram path (v_fake,i = s_i·φu_i/√λ_i), −a'_i·v_real,i on the kernel path (= V̄).
    const columnScale = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const effective = signInvariant ? weights[i] * Math.sign(cosines[i]) : weights[i];
      if (effective === 0) continue;
      columnScale[i] = gram ? (-effective * fake.signs[i]) / Math.sqrt(fake.values[i]) : -effective;
      // ∂/∂λ_i of −a'_i s_i (φu_i·v_r)/√λ_i = +½ a'_i c_i / λ_i
      if (gram) gradValues[i] += (0.5 * effective * cosines[i]) / fake.values[i];
    }
    // direct's non-zero columns are those with a structure weight: all at index ≥ s0
    let s0 = 0;
    while (s0 < n && columnScale[s0] === 0) s0++;
    const directScale = new Float64Array(n); // direct = real.unscaled · diag(directScale)
    for (let i = s0; i < n; i++) directScale[i] = columnScale[i] * real.scales[i];
    const direct = scratch('direct', b * n);
    for (let r = 0; r < b; r++) {
      const row = r * n;
      for (let i = s0; i < n; i++) direct[row + i] = directScale[i] * real.unscaled[row + i];
    }
    // K = diag(λ̄) + F∘(Xᵀ·direct), X = the B-space image of the eigenvectors: V (kernel) or φU (Gram, since
    // Uᵀ·Ū = Uᵀφᵀ·direct = (φU)ᵀ·direct), then symmetrised: the gradient w.r.t. the decomposed matrix is U·K·Uᵀ.
    // (Only direct's columns s0.. enter the product; the other columns of Xᵀ·direct are 0.)
    const inner = columnsProduct(
      transposeInto(fake.unscaled, b, n, scratch('unscaledT', b * n)),
      direct,
      n,
      b,
      n,
      s0,
      products,
    );
    const epsilon = broadening(fake.values, gapTolerance);
    for (let j = 0; j < n; j++) {
      inner[j * n + j] = gradValues[j];
      for (let i = 0; i < j; i++) {
        const lower = inner[j * n + i] * broadenedInverse(fake.values[i] - fake.values[j], epsilon);
        const upper = inner[i * n + j] * broadenedInverse(fake.values[j] - fake.values[i], epsilon);
        const s = 0.5 * (lower + upper);
        inner[j * n + i] = s;
        inner[i * n + j] = s;
      }
    }
    const u = fake.vectors;
    const phi = fake.phi;
    let phiBar: Float64Array;
    if (gram) {
      // G = φᵀφ → φ̄ = 2φ·U K Uᵀ + direct·Uᵀ = (2·(φU)·K + direct)·Uᵀ
      const m = products.multiply(fake.unscaled, inner, b, n, n, scratch('m', b * n));
      for (let i = 0; i < m.length; i++) m[i] = 2 * m[i] + direct[i];
      phiBar = products.multiply(m, transposeOf(u, n, n), b, n, d, scratch('phiBar', b * d));
    } else {
      // L = φφᵀ → φ̄ = 2·Ā·φ with Ā = V K Vᵀ (symmetric)
      const abar = products.multiply(products.multiply(u, inner, n, n, n), transposeOf(u, n, n), n, n, n);
      phiBar = products.multiply(abar, phi, b, b, d);
      for (let i = 0; i < phiBar.length; i++) phiBar[i] *= 2;
    }
    // Through φ = h/√(‖h‖² + ε²): h̄ = φ̄/ν − h(h·φ̄)/ν³ = (φ̄ − φ(φ·φ̄))/ν, ν the row's norm.
    const hBar = take(workspace, 'hBar', b * d, false);
    for (let r = 0; r < b; r++) {
      const pr = r * d;
      const inverseNorm = 1 / fake.norms[r];
      let dot = 0;
      for (let k = 0; k < d; k++) dot += phi[pr + k] * phiBar[pr + k];
      for (let k = 0; k < d; k++) hBar[pr + k] = (phiBar[pr + k] - phi[pr + k] * dot) * inverseNorm;
    }
    return hBar;
  };

  return { loss: magnitude + structure, magnitude, structure, path: gram ? 'gram' : 'kernel', gradient };
}

function checkTensor(name: string, t: tf.Tensor2D): void {
  if (!(t instanceof tf.Tensor) || t.rank !== 2) {
    const got = t instanceof tf.Tensor ? `rank ${t.rank}, shape [${t.shape.join(', ')}]` : typeof t;
    throw usageError(`gdppLoss: ${name} must be a 2-D tensor [batch, features], got ${got}`);
  }
}

/**
 * GDPP loss between fake and real discriminator features (rows = samples), as a differentiable scalar.
 * Gradient flows into phiFake only; phiReal is a constant target. See the file header for the formula.
 *
 * @example
 *   const lossG = tf.add(adversarialLoss, gdppLoss(featuresFake, featuresReal)); // official: 0.5 · (adv + gdpp)
 */
export function gdppLoss(phiFake: tf.Tensor2D, phiReal: tf.Tensor2D, opts: GdppOptions = {}): tf.Scalar {
  checkTensor('phiFake', phiFake);
  checkTensor('phiReal', phiReal);
  const [b, d] = phiFake.shape;
  const [bReal, dReal] = phiReal.shape;
  if (b !== bReal || d !== dReal) {
    throw usageError(
      `gdppLoss: phiFake [${b}, ${d}] and phiReal [${bReal}, ${dReal}] must have the same shape ` +
        '(same batch size B and feature size d: take both from the same discriminator layer)',
    );
  }
  if (b < 1 || d < 1) throw usageError(`gdppLoss: phiFake must be non-empty, got [${b}, ${d}]`);
  resolveOptions(opts); // fail before entering the op
  const real = phiReal.dataSync();
  const precision = opts.precision ?? (tf.getBackend() === 'cpu' ? 'float64' : 'float32');
  const resolved: GdppOptions = { ...opts, precision };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    // (the gradient below is consumed at once, so the op can reuse one workspace across calls)
    const result = computeGdpp(x.dataSync(), real, b, d, resolved, OP_WORKSPACE);
    const value = tf.scalar(result.loss);
    const gradFunc = (dy: tf.Scalar) => {
      const scale = dy.dataSync()[0];
      const g = result.gradient();
      const out = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) out[i] = scale * g[i];
      return tf.tensor2d(out, [b, d]);
    };
    return { value, gradFunc };
  });
  return op(phiFake) as tf.Scalar;
}
