// Progress bars with ETA on an interactive terminal (cli-progress, on stderr); nothing otherwise.
import cliProgress from 'cli-progress';
import type { StepStats } from '../train/index.js';
import type { CliIo } from './io.js';

export interface Progress {
  update(stats: StepStats): void;
  stop(): void;
}

/** A bar counting to `total`: `update(done)` moves it; `stop` may be called any number of times. */
export interface CountProgress {
  update(done: number): void;
  stop(): void;
}

interface BarOptions {
  start?: number;
  /** Initial values of the format's `{name}` fields beyond cli-progress's own. */
  payload?: Record<string, string>;
  clearOnComplete?: boolean;
  /** Steps the ETA averages over (cli-progress's default: 10). */
  etaBuffer?: number;
}

/** A cli-progress bar in `format` on stderr when stderr is a terminal, else one that draws nothing. */
export function terminalBar(
  io: CliIo,
  format: string,
  total: number,
  opts: BarOptions = {},
): { update(done: number, payload?: Record<string, string>): void; stop(): void } {
  if (!io.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format,
      hideCursor: true,
      clearOnComplete: opts.clearOnComplete ?? false,
      ...(opts.etaBuffer !== undefined ? { etaBuffer: opts.etaBuffer } : {}),
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, opts.start ?? 0, opts.payload ?? {});
  let stopped = false;
  return {
    update(done, payload) {
      bar.update(done, payload);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/** Training steps, with the last D and G losses. */
export function createProgress(io: CliIo, label: string, total: number, start = 0): Progress {
  const bar = terminalBar(
    io,
    `${label} {bar} {value}/{total} | ETA {eta_formatted} | D {dLoss} G {gLoss}`,
    total,
    {
      start,
      payload: { dLoss: '-', gLoss: '-' },
      etaBuffer: 200,
    },
  );
  return {
    update(stats) {
      bar.update(stats.step, { dLoss: stats.dLoss.toFixed(3), gLoss: stats.gLoss.toFixed(3) });
    },
    stop: () => bar.stop(),
  };
}

/** A plain count (`label ▓▓░░ 5000/26000 | ETA 3m`), cleared when it completes. */
export function createCountProgress(io: CliIo, label: string, total: number): CountProgress {
  return terminalBar(io, `${label} {bar} {value}/{total} | ETA {eta_formatted}`, total, {
    clearOnComplete: true,
  });
}
