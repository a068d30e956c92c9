// The replica workers of a data-parallel run, seen from the main thread: spawn them, issue a command through the
// control buffer (Atomics.notify wakes every replica at once) and await their 'features' / 'done' messages.
// Invariant (never a hang): a replica that reports an error, throws uncaught or exits fails the pending wait and
// every later one with a one-line runtime error naming the replica and the step; the failed pool is shut down
// (abort slot set, every waiting replica woken, every thread terminated), and close() does the same. A safety
// net against a replica that neither answers nor fails (a deadlock, an endless loop): no message from any replica
// for DPPGAN_WORKER_TIMEOUT_S seconds (default 900; a step takes seconds; at least 300 while the threads start)
// fails the pool the same way.
// Entry file: dist/train/parallel/replica-worker.js in the built package; from the TypeScript sources (tests,
// benches run with tsx) the .ts entry is loaded through tsx's ESM loader registered inside the worker, since
// Node 20 ignores `--import tsx` in a worker's execArgv.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DppganError, runtimeError } from '../../errors.js';
import type { ReplicaWorkerData } from './replica-worker.js';
import { CONTROL, type SharedBuffers } from './shared-buffers.js';

type MessageKind = 'ready' | 'features' | 'done';

/** Seconds without any message from the replicas, while waiting for one, after which the pool fails. */
function stallSeconds(): number {
  const value = Number(process.env.DPPGAN_WORKER_TIMEOUT_S);
  return Number.isFinite(value) && value > 0 ? value : 900;
}

/** A replica worker failed (threw, crashed or exited): a runtime error (exit code 1). */
export class WorkerThreadError extends DppganError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** Evaluated as the worker's script when running from .ts sources: register tsx, then import the entry. */
const TSX_BOOTSTRAP = `const { workerData } = require('node:worker_threads');
import(workerData.tsxApi).then((api) => { api.register(); return import(workerData.entry); });`;

/** file: URL of tsx's ESM API (a devDependency; only needed when running from the .ts sources). */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return new URL(manifest.exports['./esm/api'].import.default, `file://${manifestPath}`).href;
}

function spawnReplica(data: Omit<ReplicaWorkerData, 'index'>, index: number): Worker {
  const workerData: ReplicaWorkerData = { ...data, index };
  if (import.meta.url.endsWith('.ts')) {
    const entry = new URL('./replica-worker.ts', import.meta.url).href;
    return new Worker(TSX_BOOTSTRAP, {
      eval: true,
      workerData: { ...workerData, entry, tsxApi: tsxApiUrl() },
    });
  }
  return new Worker(new URL('./replica-worker.js', import.meta.url), { workerData });
}

/** N replica worker threads sharing one set of buffers. */
export class ReplicaPool {
  private readonly control: Int32Array;
  private readonly counts: Record<MessageKind, number> = { ready: 0, features: 0, done: 0 };
  private waiter: { kind: MessageKind; resolve: () => void; reject: (error: Error) => void } | null = null;
  private stallTimer: ReturnType<typeof setTimeout> | null = null;
  /** Each replica's live tensor count after its last command (leak checks). */
  readonly tensorCounts: number[];
  private failure: DppganError | null = null;
  private closing = false;
  private step = 0;

  private constructor(
    private readonly workers: Worker[],
    buffers: SharedBuffers,
  ) {
    this.control = new Int32Array(buffers.control);
    this.tensorCounts = workers.map(() => 0);
    workers.forEach((worker, i) => {
      const who = `worker thread ${i + 1} of ${workers.length}`;
      worker.on('message', (message: { type: string; message?: string; tensors?: number }) => {
        if (message.type === 'error') this.fail(`${who} failed${this.where()}: ${message.message}`);
        else {
          if (message.tensors !== undefined) this.tensorCounts[i] = message.tensors;
          this.count(message.type as MessageKind);
        }
      });
      worker.on('error', (error) =>
        this.fail(`${who} crashed${this.where()}: ${error.message.split('\n')[0]}`),
      );
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(`${who} exited unexpectedly (code ${code})${this.where()}`);
      });
    });
  }

  /** Spawn `replicas` workers and wait until each has built its networks. */
  static async start(data: Omit<ReplicaWorkerData, 'index'>, replicas: number): Promise<ReplicaPool> {
    const workers = Array.from({ length: replicas }, (_, i) => spawnReplica(data, i));
    const pool = new ReplicaPool(workers, data.buffers);
    try {
      await pool.wait('ready');
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  private where(): string {
    return this.step > 0 ? ` at step ${this.step}` : ' while starting';
  }

  private count(kind: MessageKind): void {
    this.counts[kind]++;
    if (this.counts[kind] > this.workers.length) {
      // A replica answered twice for one command: its gradients could be read mid-write. Never go on.
      this.fail(
        `worker threads sent more '${kind}' answers than there are replicas${this.where()} (internal error)`,
      );
      return;
    }
    const waiter = this.waiter;
    if (waiter && waiter.kind === kind && this.counts[kind] === this.workers.length) {
      this.waiter = null;
      this.stopWatch();
      waiter.resolve();
    } else if (waiter) {
      this.watch(); // progress: restart the stall timer
    }
  }

  /** (Re)start the stall timer while a wait is pending (starting a thread may take minutes on a busy machine). */
  private watch(): void {
    this.stopWatch();
    const seconds = this.step > 0 ? stallSeconds() : Math.max(stallSeconds(), 300);
    this.stallTimer = setTimeout(() => {
      this.fail(
        `worker threads gave no answer for ${seconds} s${this.where()} (a stalled worker; set DPPGAN_WORKER_TIMEOUT_S to wait longer)`,
      );
    }, seconds * 1000);
  }

  private stopWatch(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
  }

  private fail(message: string): void {
    if (this.failure || this.closing) return;
    this.failure = new WorkerThreadError(message);
    const waiter = this.waiter;
    this.waiter = null;
    this.stopWatch();
    waiter?.reject(this.failure);
    void this.close();
  }

  /** Resolves when every replica has sent `kind` since the last command; rejects when one fails. */
  private wait(kind: MessageKind): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(runtimeError('the worker threads were shut down'));
    if (this.counts[kind] === this.workers.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiter = { kind, resolve, reject };
      this.watch();
    });
  }

  private signal(slot: number): void {
    Atomics.add(this.control, slot, 1);
    Atomics.notify(this.control, slot);
  }

  /**
   * Release the replicas waiting mid-command on `slot` (scatterSeq, weightsSeq): it is set to the command's
   * sequence number, which a replica compares with the command it runs — so a release that comes before the
   * replica starts waiting (or even before it has woken for the command) is not missed.
   */
  private release(slot: number): void {
    Atomics.store(this.control, slot, Atomics.load(this.control, CONTROL.commandSeq));
    Atomics.notify(this.control, slot);
  }

  /**
   * Run one command on every replica (the shared weights and batch must be in place). Right after issuing it,
   * `midway` (main thread, while the replicas start) runs and returns false to drop the generator part; the
   * replicas waiting on weightsSeq then go on. With `onFeatures`, the replicas publish their GDPP features
   * mid-command; onFeatures fills the cotangent and returns false to drop the generator part; the replicas then
   * finish. Rejects when a replica fails.
   */
  async run(
    command: number,
    step: number,
    hooks: { midway?: () => boolean; onFeatures?: () => boolean } = {},
  ): Promise<void> {
    if (this.failure) throw this.failure;
    this.step = step;
    this.counts.features = 0;
    this.counts.done = 0;
    Atomics.store(this.control, CONTROL.command, command);
    Atomics.store(this.control, CONTROL.step, step);
    Atomics.store(this.control, CONTROL.skipGenerator, 0);
    this.signal(CONTROL.commandSeq);
    let keep = true;
    if (hooks.midway) {
      keep = false;
      try {
        keep = hooks.midway();
      } finally {
        // Release the replicas even when midway throws, so none is left waiting.
        Atomics.store(this.control, CONTROL.skipGenerator, keep ? 0 : 1);
        this.release(CONTROL.weightsSeq);
      }
    }
    if (hooks.onFeatures && keep) {
      await this.wait('features');
      keep = false;
      try {
        keep = hooks.onFeatures();
      } finally {
        Atomics.store(this.control, CONTROL.skipGenerator, keep ? 0 : 1);
        this.release(CONTROL.scatterSeq);
      }
    }
    await this.wait('done');
  }

  /** Stop every replica (wakes any that waits) and terminate the threads. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    Atomics.store(this.control, CONTROL.abort, 1);
    this.signal(CONTROL.commandSeq);
    Atomics.notify(this.control, CONTROL.scatterSeq);
    Atomics.notify(this.control, CONTROL.weightsSeq);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
