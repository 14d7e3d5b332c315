// The error rate shown beside the errors status (health+json `observedValue`, the dashboard's Errors figure and live
// chart point): the rate over the requests the status was judged on (outside review 41, RT41-3).

/**
 * Judged on the error horizon (the window could not judge): the horizon's failed ÷ judged requests, percent, two
 * decimals; an empty window not so judged (no judged request, not `unanswered`): null, no reading (0 ÷ 0, never
 * "0 %"); else the window's `error_rate_percent`.
 */
export function shownErrorRatePercent(errors: {
  status?: string;
  error_rate_percent?: number | null;
  count_judged?: number;
  unanswered?: boolean;
  horizon?: { status?: string; count_judged?: number; count_failed?: number; error_rate_percent?: number };
}): number | null {
  const h = errors.horizon;
  if (
    h &&
    (h.status === 'warning' || h.status === 'critical') &&
    h.status === errors.status &&
    typeof h.count_judged === 'number' &&
    h.count_judged > 0 &&
    typeof h.count_failed === 'number'
  )
    // The horizon's own rate (a snapshot of an earlier version has none: the same division).
    return typeof h.error_rate_percent === 'number'
      ? h.error_rate_percent
      : Math.round((h.count_failed / h.count_judged) * 10_000) / 100;
  if (errors.count_judged === 0 && errors.unanswered !== true) return null;
  return typeof errors.error_rate_percent === 'number' ? errors.error_rate_percent : null;
}
