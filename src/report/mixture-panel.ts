// One panel of the GDPP Table 1 picture: generated 2-D samples over the real mixture, titled with the numbers
// that matter ("GDPP: 8/8 modes, HQ 81.2%"), computed here by modeCoverage so the title cannot disagree with
// the plot.
import { type ModeCoverage, modeCoverage } from '../metrics/mode-coverage.js';
import { type Points2d, scatterPlotPng } from './plots.js';
import { coverageLabel } from './run-report.js';

/** Options of a titled mixture scatter panel. */
export interface MixturePanelOptions {
  /** Method name shown in the title. */
  name: string;
  generated: Points2d;
  /** The mixture (e.g. a Dataset from createDataset). */
  dataset: { centres?: number[][]; std?: number; name?: string };
  /** Real samples drawn underneath (optional). */
  real?: Points2d;
  width?: number;
  height?: number;
}

/** A titled scatter panel and the coverage numbers behind its title. */
export function mixturePanelPng(opts: MixturePanelOptions): {
  png: Buffer;
  coverage: ModeCoverage;
  title: string;
} {
  const { centres, std } = opts.dataset;
  if (centres === undefined || std === undefined) {
    throw new RangeError(`mixturePanelPng: dataset '${opts.dataset.name ?? '?'}' has no centres/std`);
  }
  const coverage = modeCoverage(opts.generated, centres, std);
  const title = coverageLabel(opts.name, coverage);
  const png = scatterPlotPng({
    real: opts.real,
    generated: opts.generated,
    centres,
    std,
    title,
    width: opts.width,
    height: opts.height,
  });
  return { png, coverage, title };
}
