// Capacity's requests per second one core sustains: the marginal CPU per request, inverted.

import { type CapacityFigure, type CapacityPoint, roundTo as round, tooLittle } from './capacity-figure.js';
import { theilSen } from './trend.js';

/**
 * Requests per second one core sustains: 1 / the Theil–Sen slope of CPU core-seconds per second
 * against requests per second (the marginal cost, so the idle baseline does not count).
 */
export function perCore(
  pts: readonly CapacityPoint[],
  rate: (p: CapacityPoint) => number,
  cores: (p: CapacityPoint) => number,
): CapacityFigure {
  const unit = 'req/s per core';
  const xy = pts.map((p) => [rate(p), cores(p)] as const).sort((a, b) => a[0] - b[0]);
  const x = xy.map((p) => p[0]);
  const lo = x[Math.floor(x.length * 0.1)] ?? 0;
  const hi = x[Math.floor(x.length * 0.9)] ?? 0;
  if (xy.length < 30 || !(hi > 0) || hi - lo < 0.25 * hi) {
    return tooLittle(unit, 'needs 30 points and request rates that vary by 25 % or more');
  }
  const trend = theilSen(
    x,
    xy.map((p) => p[1]),
  );
  if (!trend || !(trend.slope > 0)) return tooLittle(unit, 'CPU does not rise with the request rate');
  // A slope whose interval reaches 0 makes 1 / slope unbounded: any figure, however large, would fit.
  if (!(trend.slopeLow > 0)) {
    return tooLittle(
      unit,
      `CPU does not rise measurably with the request rate (marginal CPU ${round(trend.slope * 1000, 4)} core-ms per request, its 90 % interval reaches 0)`,
    );
  }
  const rel = (trend.slopeHigh - trend.slopeLow) / trend.slope;
  return {
    value: round(1 / trend.slope, 3),
    unit,
    low: round(1 / trend.slopeHigh, 3),
    high: round(1 / trend.slopeLow, 3),
    confidence: rel <= 0.2 ? 'high' : rel <= 0.5 ? 'medium' : 'low',
    note: `marginal CPU ${round(trend.slope * 1000, 4)} core-ms per request over ${xy.length} points`,
  };
}
