// A progress bar with ETA on an interactive terminal (cli-progress, on stderr); nothing otherwise.
import cliProgress from 'cli-progress';
import type { StepStats } from '../train/index.js';
import type { CliIo } from './io.js';

export interface Progress {
  update(stats: StepStats): void;
  stop(): void;
}

export function createProgress(io: CliIo, label: string, total: number, start = 0): Progress {
  if (!io.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {bar} {value}/{total} | ETA {eta_formatted} | D {dLoss} G {gLoss}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 200,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, start, { dLoss: '-', gLoss: '-' });
  let stopped = false;
  return {
    update(stats) {
      bar.update(stats.step, { dLoss: stats.dLoss.toFixed(3), gLoss: stats.gLoss.toFixed(3) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/** A plain count bar with ETA (`label ▓▓░░ 5000/26000 | ETA 3m`) on an interactive terminal; nothing otherwise. */
export function createCountProgress(
  io: CliIo,
  label: string,
  total: number,
): { update(done: number): void; stop(): void } {
  if (!io.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {bar} {value}/{total} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let stopped = false;
  return {
    update(done) {
      bar.update(done);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
