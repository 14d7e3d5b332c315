// Monitor options for a test that reads no host group (cpu, memory, disk, network from /proc and /sys): its samples
// read no file, and those groups read as failed. A test of the analytics or the alert engine that samples a custom
// gauge once a simulated minute spent about half of each sample reading /proc (700 samples of predict-stairs'
// monitor: 1.0-1.5 s of CPU with /proc, 0.45-0.65 s without; CONTRIBUTING, Test time). Not for a test whose oracle
// is a host figure, nor one that counts every alert or log line.
export const NO_HOST_FILES = {
  procRoot: '/nonexistent/sysvitals-test/proc',
  sysRoot: '/nonexistent/sysvitals-test/sys',
} as const;
