// npx sysvitals: a table of commands, each with its own flags, parsed by node:util parseArgs.
// Exit codes: 0 done, 1 the command failed, 2 bad usage (unknown command or flag, bad value).

import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { MetricsCollector } from '../collector/index.js';
import { didYouMean } from '../options/option-keys.js';
import { serveCommand } from './serve.js';

type FlagSpecs = NonNullable<ParseArgsConfig['options']>;
type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  /** One line for the command list. */
  summary: string;
  /** Flags with their help text, in the order --help shows them. */
  flags: Record<string, FlagSpecs[string] & { description: string; valueName?: string }>;
  /** Resolves to the exit code. Throw a UsageError for a bad flag value. */
  run(values: FlagValues, positionals: string[]): Promise<number>;
  /** Accepts positional arguments (default: none). */
  positionals?: boolean;
}

/** A bad command line: reported on stderr with a pointer to --help, exit code 2. */
class UsageError extends Error {}

const EXIT_USAGE = 2;

function intFlag(values: FlagValues, name: string, min: number, max: number, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got '${String(raw)}')`);
  }
  return n;
}

const COMMANDS: Record<string, Command> = {
  collect: {
    summary: 'Print one metrics snapshot of this host as JSON',
    flags: {
      pretty: { type: 'boolean', description: 'Indent the JSON' },
      'sample-ms': {
        type: 'string',
        valueName: 'ms',
        description: 'Span over which CPU use and network rates are measured (default 500)',
      },
      'proc-root': {
        type: 'string',
        valueName: 'dir',
        description: "Where procfs is mounted, e.g. /host/proc from a container (default '/proc')",
      },
      'sys-root': {
        type: 'string',
        valueName: 'dir',
        description:
          "Where sysfs is mounted, e.g. /host/sys (which interfaces are virtual; default '/sys' without --proc-root)",
      },
    },
    async run(values) {
      const sampleMs = intFlag(values, 'sample-ms', 0, 60_000, 500);
      const procRoot = values['proc-root'];
      const sysRoot = values['sys-root'];
      const collector = new MetricsCollector({
        procRoot: typeof procRoot === 'string' ? procRoot : undefined,
        sysRoot: typeof sysRoot === 'string' ? sysRoot : undefined,
      });
      try {
        // The collector took its baselines when constructed; wait so the rates cover a real span.
        if (sampleMs > 0) await new Promise((resolve) => setTimeout(resolve, sampleMs));
        const snapshot = await collector.collect();
        process.stdout.write(`${JSON.stringify(snapshot, null, values.pretty ? 2 : undefined)}\n`);
        // Some groups failing is a snapshot with gaps (each `unknown` with its `error`): exit 0. All of the
        // host's failing is no snapshot of the host at all (a wrong --proc-root): the command failed.
        const host = ['cpu', 'memory', 'disk', 'network'] as const;
        if (host.some((g) => snapshot[g].error === undefined)) return 0;
        process.stderr.write(
          `sysvitals collect: every host metric group failed (${host.join(', ')})` +
            `${typeof procRoot === 'string' ? `: is ${procRoot} a procfs?` : ''}\n`,
        );
        return 1;
      } finally {
        collector.close();
      }
    },
  },
  serve: serveCommand,
};

const GLOBAL_FLAGS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies FlagSpecs;

function version(): string {
  // ../package.json from dist/cli.js (the published bin), ../../package.json from src/cli/cli.ts (tsx).
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === 'sysvitals') return pkg.version;
    } catch {
      // not this level; try the next one up
    }
  }
  return 'unknown';
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const list = Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n');
  return `sysvitals: host and application monitoring for Node.js servers

Usage: sysvitals <command> [flags]

Commands:
${list}

Flags:
  -h, --help     Show help (also: sysvitals <command> --help)
  -v, --version  Print the version

Exit codes: 0 done, 1 the command failed, 2 bad usage.
`;
}

function commandHelp(name: string, command: Command): string {
  const rows = Object.entries(command.flags).map(([flag, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '';
    return [
      `${short}--${flag}${spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : ''}`,
      spec.description,
    ];
  });
  rows.push(['-h, --help', 'Show this help']);
  const width = Math.max(...rows.map(([left]) => (left as string).length));
  const flags = rows.map(([left, text]) => `  ${(left as string).padEnd(width)}  ${text}`).join('\n');
  return `sysvitals ${name}: ${command.summary}

Usage: sysvitals ${name} [flags]

Flags:
${flags}
`;
}

function usageError(message: string, helpHint: string): number {
  process.stderr.write(`sysvitals: ${message}\nRun '${helpHint}' for usage.\n`);
  return EXIT_USAGE;
}

/** parseArgs errors say a lot about `--`; ours name the flag and suggest the nearest one. */
function describeParseError(err: unknown, known: string[]): string {
  const e = err as { code?: string; message?: string };
  const flag = /'(-{1,2}[^']*)'/.exec(e.message ?? '')?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
    return `unknown flag '${flag}'.${didYouMean(flag.replace(/^-+/, ''), known).replace(/`([^`]+)`/, '`--$1`')}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(e.message ?? '')?.[1];
    return `unexpected argument${arg === undefined ? '' : ` '${arg}'`}: this command takes flags only`;
  }
  return (e.message ?? String(err)).split('. ')[0] ?? 'bad arguments';
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) {
    let values: { help?: boolean; version?: boolean };
    try {
      ({ values } = parseArgs({ args: argv, options: GLOBAL_FLAGS, strict: true, allowPositionals: false }));
    } catch (err) {
      return usageError(describeParseError(err, Object.keys(GLOBAL_FLAGS)), 'sysvitals --help');
    }
    if (values.version) {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    if (values.help) {
      process.stdout.write(mainHelp());
      return 0;
    }
    process.stderr.write(mainHelp());
    return EXIT_USAGE;
  }

  if (first === 'help') {
    const name = rest[0];
    const command = name === undefined ? undefined : COMMANDS[name];
    if (name !== undefined && !command) {
      return usageError(
        `unknown command '${name}'.${didYouMean(name, Object.keys(COMMANDS))}`,
        'sysvitals --help',
      );
    }
    process.stdout.write(command && name ? commandHelp(name, command) : mainHelp());
    return 0;
  }

  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    return usageError(
      `unknown command '${first}'.${didYouMean(first, Object.keys(COMMANDS))}`,
      'sysvitals --help',
    );
  }
  const options: FlagSpecs = { help: { type: 'boolean', short: 'h' } };
  for (const [flag, { description: _d, valueName: _v, ...spec }] of Object.entries(command.flags)) {
    options[flag] = spec;
  }
  let parsed: { values: FlagValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: command.positionals ?? false });
  } catch (err) {
    return usageError(describeParseError(err, Object.keys(options)), `sysvitals ${first} --help`);
  }
  if (parsed.values.help) {
    process.stdout.write(commandHelp(first, command));
    return 0;
  }
  try {
    return await command.run(parsed.values, parsed.positionals);
  } catch (err) {
    if (err instanceof UsageError) return usageError(err.message, `sysvitals ${first} --help`);
    process.stderr.write(`sysvitals ${first}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

// `sysvitals collect | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`sysvitals: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
