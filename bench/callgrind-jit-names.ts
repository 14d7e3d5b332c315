// Names the anonymous JIT frames (`0x…` functions) of a callgrind dump from node's --perf-basic-prof map,
// so that `callgrind_annotate --inclusive=yes` shows JavaScript functions (`JIT JS:*record …`; * optimized,
// ^ baseline). The map is /tmp/perf-<pid>.map of the server that wrote the dump (its pid is in the dump).
//   npx tsx bench/callgrind-jit-names.ts /tmp/perf-PID.map in.out out.out

import { readFileSync, writeFileSync } from 'node:fs';

const [mapFile, input, output] = process.argv.slice(2);
if (mapFile === undefined || input === undefined || output === undefined) {
  throw new Error('usage: callgrind-jit-names.ts <perf map> <callgrind dump> <output>');
}
const entries: { start: number; end: number; name: string }[] = [];
for (const line of readFileSync(mapFile, 'utf8').split('\n')) {
  const m = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/.exec(line);
  if (m) {
    const start = Number.parseInt(m[1] as string, 16);
    entries.push({ start, end: start + Number.parseInt(m[2] as string, 16), name: m[3] as string });
  }
}
entries.sort((a, b) => a.start - b.start);

/** The map entry covering the address (the nearest start at or below it that still covers it), if any. */
function nameOf(address: number): string | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((entries[mid] as { start: number }).start <= address) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = at; i >= 0 && i > at - 64; i--) {
    const e = entries[i] as { start: number; end: number; name: string };
    if (address < e.end) return e.name;
  }
  return undefined;
}

const named = readFileSync(input, 'utf8').replace(
  /^(c?fn=\(\d+\)) (0x[0-9a-f]+)$/gm,
  (whole, head: string, hex: string) => {
    const name = nameOf(Number.parseInt(hex, 16));
    return name === undefined ? whole : `${head} JIT ${name.replaceAll(' ', '_')} ${hex}`;
  },
);
writeFileSync(output, named);
