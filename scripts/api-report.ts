// API reports of every entry point (etc/*.api.md), made by @microsoft/api-extractor from the built .d.ts.
//
//   npm run api:update   build first (npm run build), then rewrite the reports
//   npm run api:check    exit 1 when a report differs from the public API (run by .ci/run after the build)
//
// A change of the public API then shows in review as a diff of etc/, like any other change.

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, type ExtractorMessage } from '@microsoft/api-extractor';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Entry points: the report name and the built declaration file (package.json `exports`). */
export const ENTRY_POINTS = [
  { report: 'sysvitals', dts: 'dist/index.d.ts' },
  { report: 'sysvitals-express', dts: 'dist/adapters/express.d.ts' },
  { report: 'sysvitals-fastify', dts: 'dist/adapters/fastify.d.ts' },
  { report: 'sysvitals-koa', dts: 'dist/adapters/koa.d.ts' },
] as const;

function run(update: boolean): boolean {
  let ok = true;
  const tmp = join(ROOT, '.tmp', 'api');
  mkdirSync(tmp, { recursive: true });
  for (const entry of ENTRY_POINTS) {
    const main = join(ROOT, entry.dts);
    if (!existsSync(main)) {
      console.error(`api-report: ${entry.dts} is missing; run \`npm run build\` first.`);
      return false;
    }
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
            // Not in the report: the warning names the bundled .d.ts chunk by its content hash and line, so
            // any internal edit changed the report and `api:check` failed without an API change.
            'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: false },
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
          message.messageId === 'console-api-report-copied'
        ) {
          message.handled = true;
        }
      },
    });
    if (!update && result.apiReportChanged) {
      console.error(
        `api-report: the public API of '${entry.report.replace('-', '/')}' differs from etc/${entry.report}.api.md ` +
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
