// An alert's labels with the label set its rule selects (`alerts.rules[].labels`, RT37-1): sysvitals' own labels
// and `routing.labels` keep their names and values (and Alertmanager's `alert_id`); a selected label of the same name is kept as
// `exported_<name>`, as Prometheus renames a scraped label that collides with a target's (honor_labels: false).

/** `base` (the alert's own labels) plus `selected`, a colliding selected name prefixed `exported_`. */
export function withSelectedLabels(
  base: Readonly<Record<string, string>>,
  selected: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  if (!selected) return { ...base };
  const out: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(selected)) {
    let name = k;
    while (name in out || name === 'alert_id') name = `exported_${name}`;
    out[name] = v;
  }
  return out;
}
