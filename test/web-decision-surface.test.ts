// The playground's heatmap colours: D's probability "real" for the sigmoid losses (0.5 = undecided), the score
// clamped to [0, 1] for least squares, min–max only for the Wasserstein and hinge critics.
import { describe, expect, it } from 'vitest';
import { decisionSurface } from '../web/src/run-panel.js';

describe('playground decision surface', () => {
  const scores = Float32Array.from([-2, 0, 0.5, 3]);

  it('sigmoid losses: a fixed probability scale, not stretched per redraw', () => {
    for (const loss of ['minimax', 'nonsaturating']) {
      const p = Array.from(decisionSurface(scores, loss));
      expect(p[1]).toBeCloseTo(0.5, 6);
      expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(2)), 6);
      expect(p[3]).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
      // a nearly constant D stays nearly one colour
      const flat = Array.from(decisionSurface(Float32Array.from([0.01, 0.02]), loss));
      expect(Math.abs(flat[1] - flat[0])).toBeLessThan(0.01);
    }
  });

  it('least squares: the score itself, clamped to the targets 0 and 1', () => {
    expect(Array.from(decisionSurface(scores, 'least-squares'))).toEqual([0, 0, 0.5, 1]);
  });

  it('Wasserstein and hinge: min–max over the grid', () => {
    for (const loss of ['wasserstein', 'hinge']) {
      expect(Array.from(decisionSurface(scores, loss))).toEqual([0, 0.4, 0.5, 1].map(Math.fround));
    }
  });
});
