// Training log: one JSON object per line in `log.jsonl` (step, losses, GDPP term, σ estimates, wall time).
// Numerical-guard events share the file as {event: 'nonfinite', step, what, action} lines (readEvents).
// On resume, lines past the checkpoint's step (written after the last save of an interrupted run) are dropped,
// so the log reads as if the run had never stopped; the rewrite is atomic (temporary file, rename).
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { NonFiniteEvent } from './trainer.js';

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
    this.keep((record) => record.step <= resumeFromStep);
  }

  /** After a rollback to `step`: drop the loss records past it, keep every event. */
  rewind(step: number): void {
    this.keep((record) => record.step <= step || 'event' in record);
  }

  private keep(predicate: (record: LogRecord | NonFiniteEvent) => boolean): void {
    const kept = readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => {
        if (line.trim() === '') return false;
        try {
          return predicate(JSON.parse(line));
        } catch {
          return false;
        }
      });
    const temp = `${this.path}.tmp-${process.pid}`;
    writeFileSync(temp, kept.map((line) => `${line}\n`).join(''));
    renameSync(temp, this.path);
  }

  /** Append one record or numerical-guard event. */
  write(record: LogRecord | NonFiniteEvent): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
}

function readLines(path: string): (LogRecord | NonFiniteEvent)[] {
  if (!existsSync(path)) return [];
  const records: (LogRecord | NonFiniteEvent)[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      // a line cut short by a crash
    }
  }
  return records;
}

/** Read the loss records of a run's log.jsonl (skipping malformed lines and numerical-guard events). */
export function readLog(path: string): LogRecord[] {
  return readLines(path).filter((r): r is LogRecord => !('event' in r));
}

/** Read the numerical-guard events of a run's log.jsonl. */
export function readEvents(path: string): NonFiniteEvent[] {
  return readLines(path).filter((r): r is NonFiniteEvent => 'event' in r);
}
