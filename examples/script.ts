// The seed's "Manual Validation" in TypeScript: collect one snapshot, print its groups and statuses.
//
//   npx tsx examples/script.ts

import { MetricsCollector } from '../src/index.js';

const collector = new MetricsCollector();
// The collector measures CPU use and network rates since it was created: give it a moment.
await new Promise((resolve) => setTimeout(resolve, 500));
const metrics = await collector.collect();
collector.close();

console.log(`Metrics: ${JSON.stringify(Object.keys(metrics))}`);
console.log(
  `CPU ${metrics.cpu.current_percent}% (${metrics.cpu.status}, threshold ${metrics.cpu.threshold}%), ` +
    `memory ${metrics.memory.used_percent}% (${metrics.memory.status}), ` +
    `fullest disk ${metrics.disk.max_used_percent}% (${metrics.disk.status})`,
);
for (const [name, group] of Object.entries(metrics)) {
  if (typeof group === 'object' && group !== null && 'status' in group) {
    const error = 'error' in group && group.error ? ` (${group.error})` : '';
    console.log(`  ${name.padEnd(10)} ${group.status}${error}`);
  }
}

// --- Alerts and health -------------------------------------------------------------------------
// The seed goes on with:
//   alerts = alert_system.check_thresholds(metrics); print(f'Active alerts: {len(alerts)}')
//   health = monitor.alert_system.get_health_status(metrics); print(f'Health status: {health}')
// Those lines land here once the AlertSystem is in (see the alerts issue).
