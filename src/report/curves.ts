// Training curves from a run's log records (log.jsonl: one object per logged step): every numeric field except
// bookkeeping (step, time, secPerStep) becomes a [step, value] series, optionally smoothed by an exponential
// moving average so that noisy GAN losses stay readable.
import { type LineChartOptions, type LineSeries, lineChartPng } from './plots.js';

/** A log record: a step and any named values (non-numeric fields are ignored). */
export type CurveRecord = { step: number } & Record<string, unknown>;

const BOOKKEEPING = new Set(['step', 'time', 'secPerStep']);

/** Named [step, value] series from log records; `keys` picks fields (default: every numeric one). */
export function seriesFromRecords(records: CurveRecord[], keys?: string[], smoothing = 0): LineSeries[] {
  if (!(smoothing >= 0 && smoothing < 1))
    throw new RangeError(`smoothing must be in [0, 1), got ${smoothing}`);
  const names =
    keys ??
    [...new Set(records.flatMap((r) => Object.keys(r)))].filter(
      (key) => !BOOKKEEPING.has(key) && records.some((r) => typeof r[key] === 'number'),
    );
  return names.map((name) => {
    const values: [number, number][] = [];
    let average: number | null = null;
    for (const record of records) {
      const value = record[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      average = average === null || smoothing === 0 ? value : smoothing * average + (1 - smoothing) * value;
      values.push([record.step, average]);
    }
    return { name, values };
  });
}

/** A line chart of a run's logged losses against the step. */
export function lossCurvesPng(
  records: CurveRecord[],
  opts: LineChartOptions & { keys?: string[]; smoothing?: number } = {},
): Buffer {
  const { keys, smoothing, ...chart } = opts;
  return lineChartPng(seriesFromRecords(records, keys, smoothing ?? 0), { title: 'losses', ...chart });
}
