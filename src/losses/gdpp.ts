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
// eigenvectors never matter. With few pairs above both null limits (low-rank features, as a 2-D mixture's),
// only their B-vectors are formed and the gradient 2φ·(U K Uᵀ) + direct·Uᵀ takes d×d products first (3 B·d²
// products a step instead of 5): same formula, products in another order. Guards (documented where defined):
// rows normalised with an ε (zero rows), λ̂ := 0 for a flat real spectrum (max = min), zero structure weight for
// null-space pairs, and a Lorentzian in place of 1/(λj − λi) in the backward pass (near-equal eigenvalues) —
// never NaN/Inf.
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
  nullLimit: number;
  aboveNull: number; // the first column whose eigenvalue is above nullLimit (λ ascending: the rest are too)
}

/**
 * The unit B-vectors v_i of a branch's columns `first`..n−1 (the only ones the structure term reads), each as
 * unscaled[:, i]·scales[i]: on the kernel path unscaled = V and scales = 1; on the Gram path unscaled[:, i] =
 * φu_i = s_i·√λ_i·v_i and scales[i] = s_i/√λ_i, s_i the sign that makes v_i's largest-|entry| positive (eigh's
 * convention). Only columns from `first` on have a sign and scale (the scale is 0 before, on the Gram path).
 */
interface BatchVectors {
  unscaled: Float64Array; // B×n
  scales: Float64Array;
  signs: Float64Array; // s_i (Gram path), 1 on the kernel path
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
  let aboveNull = 0;
  while (aboveNull < n && !(values[aboveNull] > nullLimit)) aboveNull++;
  return { phi, norms, values, vectors, nullLimit, aboveNull };
}

/** A branch's unit B-vectors for columns first..n−1 (see BatchVectors). */
function batchVectors(
  branch: Branch,
  b: number,
  d: number,
  gram: boolean,
  first: number,
  products: MatrixProducts,
  name: string,
  ws?: Workspace,
  allColumns = false,
): BatchVectors {
  const n = gram ? d : b;
  const signs = new Float64Array(n).fill(1);
  if (!gram) return { unscaled: branch.vectors, scales: new Float64Array(n).fill(1), signs };
  // φU (B×n): every column with `allColumns`, else columns first..n−1 (a B·d·(n − first) product, or the full
  // one when that is the cheaper).
  const { phi, vectors, values } = branch;
  const unscaled = allColumns
    ? products.multiply(phi, vectors, b, d, n, take(ws, name, b * n, false))
    : columnsProduct(phi, vectors, b, d, n, first, products, take(ws, name, b * n, true));
  // Row-major passes only (columns are strided): each column's largest-|entry| row, then the scale.
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
  const scales = new Float64Array(n); // s_i/√λ_i, 0 before `first`
  for (let i = first; i < n; i++) {
    signs[i] = bestValue[i] < 0 ? -1 : 1;
    scales[i] = signs[i] / Math.sqrt(values[i]);
  }
  return { unscaled, scales, signs };
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

/**
 * x (B×d) · (columns first..n−1 of v, d×n), placed in those columns of a B×n result. Only those columns are
 * meaningful: the others stay 0, or hold x·v there when the full product is taken (few columns skipped).
 */
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
  // Callers never read the skipped columns, so when few are skipped the full product is cheaper than gathering
  // the others and scattering the result.
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
  // Only pairs above both null limits can carry structure weight: their B-vectors are all the loss reads.
  const first = Math.max(fake.aboveNull, real.aboveNull);
  // Gram path, many such pairs (full-rank features): the gradient reuses the fake φU in full, as cheap as any
  // route then. Few pairs (low-rank features, e.g. a 2-D mixture's): φU is formed for them only, and the
  // gradient goes through d×d products instead (see gradient()): 5 → 3 B·d² products per step.
  const lowRank = gram && (n - first) * 4 <= n;
  const fakeVectors = batchVectors(
    fake,
    b,
    d,
    gram,
    lowRank ? first : fake.aboveNull,
    products,
    'fake.unscaled',
    workspace,
    !lowRank, // the gradient's (2·(φU)·K + direct)·Uᵀ reads every column
  );
  const realVectors = batchVectors(real, b, d, gram, first, products, 'real.unscaled', workspace);

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
  for (let i = first; i < n; i++) {
    if (flat || !(fake.values[i] > fake.nullLimit) || !(real.values[i] > real.nullLimit)) continue;
    weights[i] = (real.values[i] - minReal) / spread;
  }
  for (let r = 0; r < b; r++) {
    const row = r * n;
    for (let i = first; i < n; i++)
      cosines[i] += fakeVectors.unscaled[row + i] * realVectors.unscaled[row + i];
  }
  for (let i = first; i < n; i++) cosines[i] *= fakeVectors.scales[i] * realVectors.scales[i];
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
    // direct (B×k, the k = n − s0 columns from s0 on), column i: ∂structure/∂(unscaled column i) with λ held
    // fixed: −a'_i·v_real,i / (s_i√λ_i) on the Gram path (v_fake,i = s_i·φu_i/√λ_i), −a'_i·v_real,i on the
    // kernel path (= V̄).
    const columnScale = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const effective = signInvariant ? weights[i] * Math.sign(cosines[i]) : weights[i];
      if (effective === 0) continue;
      columnScale[i] = gram ? (-effective * fakeVectors.signs[i]) / Math.sqrt(fake.values[i]) : -effective;
      // ∂/∂λ_i of −a'_i s_i (φu_i·v_r)/√λ_i = +½ a'_i c_i / λ_i
      if (gram) gradValues[i] += (0.5 * effective * cosines[i]) / fake.values[i];
    }
    // direct's non-zero columns are those with a structure weight: all at index ≥ s0
    let s0 = 0;
    while (s0 < n && columnScale[s0] === 0) s0++;
    const k = n - s0;
    const direct = scratch('direct', b * k); // B×k
    const directT = scratch('directT', k * b); // its transpose, k×B
    for (let r = 0; r < b; r++) {
      const row = r * n;
      for (let i = s0; i < n; i++) {
        const x = columnScale[i] * realVectors.scales[i] * realVectors.unscaled[row + i];
        direct[r * k + i - s0] = x;
        directT[(i - s0) * b + r] = x;
      }
    }
    // K = diag(λ̄) + F∘(Xᵀ·direct), X = the B-space image of the eigenvectors: V (kernel) or φU (Gram), then
    // symmetrised: the gradient w.r.t. the decomposed matrix is U·K·Uᵀ. Only columns s0.. of Xᵀ·direct are
    // non-zero; their transpose (k×n) is directᵀ·X, or (directᵀ·φ)·U on the low-rank route (φU not in full).
    const u = fake.vectors;
    const phi = fake.phi;
    const crossT =
      k === 0
        ? new Float64Array(0)
        : lowRank
          ? products.multiply(products.multiply(directT, phi, k, b, d), u, k, d, n)
          : products.multiply(directT, fakeVectors.unscaled, k, b, n);
    const inner = scratch('inner', n * n);
    for (let i = s0; i < n; i++) {
      const row = (i - s0) * n;
      for (let j = 0; j < n; j++) inner[j * n + i] = crossT[row + j];
    }
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
    let phiBar: Float64Array;
    const uT = transposeOf(u, n, n);
    if (gram && !lowRank) {
      // G = φᵀφ → φ̄ = 2φ·U K Uᵀ + direct·Uᵀ = (2·(φU)·K + direct)·Uᵀ, reusing the full φU
      const m = products.multiply(fakeVectors.unscaled, inner, b, n, n, scratch('m', b * n));
      for (let r = 0; r < b; r++) {
        for (let i = 0; i < n; i++) m[r * n + i] *= 2;
        for (let i = s0; i < n; i++) m[r * n + i] += direct[r * k + i - s0];
      }
      phiBar = products.multiply(m, uT, b, n, d, scratch('phiBar', b * d));
    } else {
      // Ā = U K Uᵀ, the gradient w.r.t. the decomposed matrix (n³ products). L = φφᵀ → φ̄ = 2·Ā·φ; on the
      // low-rank route G = φᵀφ → φ̄ = 2φ·Ā + direct·Uᵀ (direct's zero columns left out): one B·d² product.
      const matrixBar = products.multiply(products.multiply(u, inner, n, n, n), uT, n, n, n);
      phiBar = gram
        ? products.multiply(phi, matrixBar, b, d, d, scratch('phiBar', b * d))
        : products.multiply(matrixBar, phi, b, b, d);
      for (let i = 0; i < phiBar.length; i++) phiBar[i] *= 2;
      if (gram && k > 0) {
        const directPart = products.multiply(direct, uT.subarray(s0 * n), b, k, d);
        for (let i = 0; i < phiBar.length; i++) phiBar[i] += directPart[i];
      }
    }
    // Through φ = h/√(‖h‖² + ε²): h̄ = φ̄/ν − h(h·φ̄)/ν³ = (φ̄ − φ(φ·φ̄))/ν, ν the row's norm.
    const hBar = take(workspace, 'hBar', b * d, false);
    for (let r = 0; r < b; r++) {
      const pr = r * d;
      const inverseNorm = 1 / fake.norms[r];
      let dot = 0;
      for (let c = 0; c < d; c++) dot += phi[pr + c] * phiBar[pr + c];
      for (let c = 0; c < d; c++) hBar[pr + c] = (phiBar[pr + c] - phi[pr + c] * dot) * inverseNorm;
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
