// API reports of every entry point (etc/*.api.md), made by @microsoft/api-extractor from the built .d.ts.
//
//   npm run api:update   build first (npm run build), then rewrite the reports
//   npm run api:check    exit 1 when a report differs from the public API (run by .ci/run after the build)
//
// A change of the public API then shows in review as a diff of etc/, like any other change.
//
// Every type the public API reaches must be exported by its entry point (ae-forgotten-export is an error):
// export it with a TSDoc comment, or take it off the public surface (a narrower interface, or `@internal`,
// which the build strips from the .d.ts). The adapters' reports read their imports of core types as imports
// from 'sysvitals' (see api-report-dts.ts).

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, type ExtractorMessage } from '@microsoft/api-extractor';
import { writeReportDeclarations } from './api-report-dts.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Entry points: the report name and the built declaration file (package.json `exports`). */
export const ENTRY_POINTS = [
  { report: 'sysvitals', dts: 'dist/index.d.cts' },
  { report: 'sysvitals-express', dts: 'dist/adapters/express.d.cts' },
  { report: 'sysvitals-fastify', dts: 'dist/adapters/fastify.d.cts' },
  { report: 'sysvitals-koa', dts: 'dist/adapters/koa.d.cts' },
] as const;

/** Where `name` is declared in src/ (the built .d.ts names a hashed chunk), for the error message. */
function declaredIn(name: string): string {
  const declaration = new RegExp(
    `^(?:export )?(?:declare )?(?:abstract )?(?:interface|type|class|function|const|enum) ${name}\\b`,
    'm',
  );
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        const found = walk(path);
        if (found) return found;
      } else if (entry.endsWith('.ts') && declaration.test(readFileSync(path, 'utf8'))) {
        return relative(ROOT, path);
      }
    }
    return undefined;
  };
  return walk(join(ROOT, 'src')) ?? 'not found in src/';
}

function run(update: boolean): boolean {
  let ok = true;
  const tmp = join(ROOT, '.tmp', 'api');
  mkdirSync(tmp, { recursive: true });
  for (const entry of ENTRY_POINTS) {
    if (!existsSync(join(ROOT, entry.dts))) {
      console.error(`api-report: ${entry.dts} is missing; run \`npm run build\` first.`);
      return false;
    }
  }
  const reportPackage = writeReportDeclarations(ROOT, tmp, join(ROOT, 'dist', 'index.d.cts'));
  for (const entry of ENTRY_POINTS) {
    const main = join(entry.report === 'sysvitals' ? ROOT : reportPackage, entry.dts);
    const forgotten: string[] = [];
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: ROOT,
        mainEntryPointFilePath: main,
        bundledPackages: [],
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              target: 'ES2022',
              module: 'NodeNext',
              moduleResolution: 'NodeNext',
              lib: ['ES2023', 'DOM'],
              types: ['node'],
              strict: true,
              skipLibCheck: true,
            },
            files: [main],
          },
        },
        apiReport: {
          enabled: true,
          reportFileName: `${entry.report}.api.md`,
          reportFolder: join(ROOT, 'etc'),
          reportTempFolder: tmp,
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: 'warning' } },
          extractorMessageReporting: {
            default: { logLevel: 'warning' },
            // An error, printed with the symbol's source file (the message's own location is a hashed .d.ts
            // chunk), and kept out of the report, whose lines must not move with internal edits.
            'ae-forgotten-export': { logLevel: 'error', addToApiReportFile: false },
            'ae-missing-release-tag': { logLevel: 'none' },
            // Every export is documented (TypeDoc's notDocumented check, `npm run docs`); members are not required to be.
            'ae-undocumented': { logLevel: 'none' },
            'ae-internal-missing-underscore': { logLevel: 'none' },
          },
          tsdocMessageReporting: { default: { logLevel: 'none' } },
        },
      },
      configObjectFullPath: undefined,
      packageJsonFullPath: join(ROOT, 'package.json'),
    });
    const result = Extractor.invoke(config, {
      localBuild: update,
      messageCallback: (message: ExtractorMessage) => {
        // The "report changed" notice is ours to print, once per entry point.
        if (
          message.messageId === 'console-api-report-changed' ||
          message.messageId === 'console-api-report-not-copied' ||
          message.messageId === 'console-api-report-copied'
        ) {
          message.handled = true;
        }
        if (message.messageId === 'ae-forgotten-export') {
          const name = /"([^"]+)"/.exec(message.text)?.[1]?.replace(/_\d+$/, '') ?? message.text;
          forgotten.push(`${name} (${declaredIn(name)})`);
          message.handled = true;
        }
      },
    });
    const entryName = entry.report.replace('-', '/');
    if (forgotten.length > 0) {
      console.error(
        `api-report: '${entryName}' uses ${forgotten.length} type(s) it does not export (ae-forgotten-export): ` +
          `${forgotten.join(', ')}. Export each from the entry point with a TSDoc comment, or take it off the ` +
          'public surface (a narrower public type, or `@internal` members, which the build strips).',
      );
    }
    if (!update && result.apiReportChanged) {
      console.error(
        `api-report: the public API of '${entryName}' differs from etc/${entry.report}.api.md ` +
          `(the new report is in .tmp/api/). Review it, then run \`npm run api:update\` and commit etc/.`,
      );
      ok = false;
    } else if (!result.succeeded) {
      console.error(
        `api-report: ${entry.report}: ${result.errorCount} error(s), ${result.warningCount} warning(s)`,
      );
      ok = false;
    } else {
      console.log(
        `api-report: ${entry.report} ${update && result.apiReportChanged ? 'updated' : 'unchanged'}`,
      );
    }
  }
  return ok;
}

if (!run(process.argv.includes('--update'))) process.exit(1);
