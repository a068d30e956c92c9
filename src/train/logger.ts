// Training log: one JSON object per line in `log.jsonl` (step, losses, GDPP term, σ estimates, wall time).
// On resume, lines past the checkpoint's step (written after the last save of an interrupted run) are dropped,
// so the log reads as if the run had never stopped.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

/** One line of a run's log.jsonl. */
export interface LogRecord {
  step: number;
  /** Seconds since this process started training. */
  time: number;
  dLoss: number;
  gLoss: number;
  gAdversarial: number;
  gdpp?: number;
  gradientPenalty?: number;
  /** Spectral-norm estimates σ of the discriminator layers (spectral-norm runs). */
  sigma?: number[];
  /** Mean seconds per step since the previous record. */
  secPerStep?: number;
}

/** Appends LogRecords to a run's log.jsonl (truncated to the resumed step on resume). */
export class RunLogger {
  constructor(readonly path: string) {}

  /** Start the log: empty for a new run; for a resumed run keep only the records up to `step`. */
  open(resumeFromStep?: number): void {
    if (resumeFromStep === undefined || !existsSync(this.path)) {
      writeFileSync(this.path, '');
      return;
    }
    const kept = readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => {
        if (line.trim() === '') return false;
        try {
          return (JSON.parse(line) as LogRecord).step <= resumeFromStep;
        } catch {
          return false;
        }
      });
    writeFileSync(this.path, kept.map((line) => `${line}\n`).join(''));
  }

  /** Append one record. */
  write(record: LogRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
}

/** Read a run's log.jsonl (skipping malformed lines). */
export function readLog(path: string): LogRecord[] {
  if (!existsSync(path)) return [];
  const records: LogRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as LogRecord);
    } catch {
      // a line cut short by a crash
    }
  }
  return records;
}
