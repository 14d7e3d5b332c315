// Shared by the bench scripts: the machine/date/load lines of a result, and replacing a script's own
// section of bench/RESULTS.md between its `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` markers.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

/** The date of the run, YYYY-MM-DD (UTC). */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** "Linux 6.8.0 x64, 2 × Intel(R) Xeon(R) Processor, 24 GB RAM". */
export function machine(): string {
  const cpus = os.cpus();
  return `${os.type()} ${os.release()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 1024 ** 3)} GB RAM`;
}

/** The first line of every section: which machine, Node and day the figures come from. */
export function machineLine(): string {
  return `Machine: ${machine()}. Node ${process.version}. Date: ${today()}.`;
}

/** The 1, 5 and 15 minute load averages now: other work on the machine shows in the figures. */
export function loadLine(): string {
  return `Load average during the run: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${os.cpus().length} cores.`;
}

/**
 * Replaces section `name` of RESULTS.md with `## name` and `markdown`, keeping every other section;
 * appends the section (creating the file) when it is not there yet.
 */
export function writeSection(name: string, markdown: string, file: string = RESULTS_FILE): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n## ${name}\n\n${markdown.trim()}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const i = text.indexOf(start);
  const j = i < 0 ? -1 : text.indexOf(end, i);
  const next =
    j >= 0 ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
  console.log(`${relative(process.cwd(), file)}: section ${name} updated`);
}
