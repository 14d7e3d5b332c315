// `npm run demo`: the Express example with a built-in traffic generator, so the dashboard has something to show.

import { start } from './express.js';
import { printBanner, startTraffic } from './shared.js';

let example: Awaited<ReturnType<typeof start>>;
try {
  example = await start();
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    console.error(`Port ${process.env.PORT ?? 3000} is in use; run with another one: PORT=3001 npm run demo`);
    process.exit(1);
  }
  throw err;
}

// The generator calls the app through loopback, like any client would; it is recorded as app traffic.
const traffic = startTraffic(`http://127.0.0.1:${new URL(example.url).port}`);
printBanner('demo (Express)', example);
console.log(
  '  generating ~20 requests/s against the routes above (a burst of failures every other minute). Ctrl-C stops.\n',
);

async function stop(): Promise<void> {
  traffic.stop();
  await example.close();
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
