// The seed's "Manual Validation" in TypeScript: collect, check thresholds, print health.
//
//   npx tsx examples/script.ts

import { AlertSystem, createMonitor, MetricsCollector } from '../src/index.js';

const collector = new MetricsCollector();
// The collector measures CPU use and network rates since it was created: give it a moment.
await new Promise((resolve) => setTimeout(resolve, 500));
const metrics = await collector.collect();
collector.close();
console.log(`Metrics: ${JSON.stringify(Object.keys(metrics))}`);
for (const [name, group] of Object.entries(metrics)) {
  if (typeof group === 'object' && group !== null && 'status' in group) {
    const error = 'error' in group && group.error ? ` (${group.error})` : '';
    console.log(`  ${name.padEnd(10)} ${group.status}${error}`);
  }
}

const alertSystem = new AlertSystem();
const alerts = alertSystem.checkThresholds(metrics);
console.log(`Active alerts: ${alerts.length}`);
for (const alert of alerts) console.log(`  [${alert.severity}] ${alert.message}`);

const monitor = createMonitor({ sampleIntervalMs: 0 });
const health = monitor.alertSystem.getHealthStatus(metrics);
console.log(`Health status: ${JSON.stringify(health)}`);
await monitor.close();
alertSystem.close();
