// The command line of the server (`npx cignal`, `npm start`): options, help, and one start path.
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadDotEnv, readConfig } from './config.js';
import { packageRoot, packageVersion } from './paths.js';
import { createServer } from './server.js';

/** Exit statuses, after BSD's sysexits.h where one fits. */
export const ExitStatus = {
  /** Help or version printed, or the server stopped cleanly on SIGINT/SIGTERM. */
  Ok: 0,
  /** The server could not listen (port taken, no permission, not an address of this machine). */
  CannotListen: 1,
  /** EX_USAGE: an unknown option, a missing or wrong value, an unexpected argument. */
  Usage: 64,
  /** EX_CONFIG: an environment variable (or .env line) with a wrong value, or Redis out of reach at start. */
  Config: 78,
} as const;

/** A command line that cannot be run; its message is one sentence naming the option. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What the command line asks for. */
export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  /** Run the server; port and host win over PORT and HOST, dotenv replaces ./.env. */
  | { kind: 'serve'; port?: number; host?: string; dotenv?: string };

interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
  /** The value's name in the help, for options that take one. */
  value?: string;
  help: string;
}

/** Every option, with its line of help: the help is made from this table, so none is left out. */
export const options = {
  port: { type: 'string', short: 'p', value: '<n>', help: 'Port to listen on; 0 picks a free one (default: PORT, else 8080)' },
  host: { type: 'string', value: '<address>', help: 'Address to listen on, e.g. 127.0.0.1 or :: (default: HOST, else 0.0.0.0)' },
  // Not --env-file: Node 20 reads that name anywhere on its command line, the script's arguments included.
  dotenv: { type: 'string', value: '<path>', help: 'Read variables from this file instead of ./.env' },
  help: { type: 'boolean', short: 'h', help: 'Print this help and exit' },
  version: { type: 'boolean', short: 'v', help: 'Print the version and exit' },
} satisfies Record<string, OptionSpec>;

type OptionName = keyof typeof options;

// A host name as DNS writes it (labels of letters, digits and inner hyphens); IP addresses are checked by isIP.
const hostName = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function portOf(raw: string): number {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(port <= 65_535)) throw new UsageError(`--port must be a whole number from 0 to 65535, got "${raw}"`);
  return port;
}

function hostOf(raw: string): string {
  if (isIP(raw) === 0 && !hostName.test(raw)) throw new UsageError(`--host must be an IP address or a host name, got "${raw}"`);
  return raw;
}

function dotenvOf(raw: string): string {
  let isFile = false;
  try {
    isFile = statSync(raw).isFile();
  } catch {
    // Reported below, as for a directory.
  }
  if (!isFile) throw new UsageError(`--dotenv names no file: ${raw}`);
  return raw;
}

/**
 * Reads the arguments after `cignal`. Throws UsageError for an unknown option, an option without
 * its value (or with one it does not take), a value out of range, or an argument that is no option.
 */
export function parseCommandLine(args: readonly string[]): Command {
  // Not strict: parseArgs's own messages are long and suggest `--` tricks; each case is said here instead.
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const values: Partial<Record<OptionName, string | true>> = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') throw new UsageError(`unexpected argument "${token.value}"`);
    if (!Object.hasOwn(options, token.name)) throw new UsageError(`unknown option ${token.rawName}`);
    const name = token.name as OptionName;
    if (options[name].type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      values[name] = true;
      continue;
    }
    // `--port --host x` would otherwise read "--host" as the port.
    if (token.value === undefined || token.value === '' || (!token.inlineValue && /^-[^\d]/.test(token.value))) {
      throw new UsageError(`${token.rawName} needs a value: ${token.rawName} ${options[name].value}`);
    }
    values[name] = token.value;
  }

  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const command: Command = { kind: 'serve' };
  if (typeof values.port === 'string') command.port = portOf(values.port);
  if (typeof values.host === 'string') command.host = hostOf(values.host);
  if (typeof values.dotenv === 'string') command.dotenv = dotenvOf(values.dotenv);
  return command;
}

/** The text of `cignal --help`. */
export function usage(): string {
  const flags = (name: string, spec: OptionSpec) => `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`;
  const optionLines = Object.entries(options as Record<string, OptionSpec>).map(([name, spec]) => `  ${flags(name, spec).padEnd(24)}${spec.help}`);
  const variables: [string, string][] = [
    ['PORT, HOST', 'Where to listen (--port and --host win over them)'],
    ['TLS_CERT, TLS_KEY', 'PEM certificate and key files: serve HTTPS'],
    ['CIGNAL_ICE_SERVERS', 'JSON list of STUN/TURN servers handed to browsers'],
    ['CIGNAL_TURN_SECRET', 'Shared secret of your TURN server (with CIGNAL_TURN_URLS)'],
    ['CIGNAL_JOIN_SECRET', 'Every join then needs a join token signed with it'],
    ['CIGNAL_ALLOWED_ORIGINS', 'Origins whose pages may connect (default: any)'],
    ['CIGNAL_TRUST_PROXY', 'true behind a reverse proxy'],
    ['CIGNAL_PUBLIC_URL', 'The origin people reach this server at (the front page\'s snippet)'],
    ['REDIS_URL', 'Share rooms between several servers through Redis'],
    ['CIGNAL_METRICS_TOKEN', 'Turns on Prometheus /metrics, behind this bearer token'],
    ['CIGNAL_CALL_REPORTS', 'true: fold the reports of calls into /metrics'],
    ['CIGNAL_ADMIN_TOKEN', 'Turns on the admin API (/admin/rooms), behind this bearer token'],
    ['CIGNAL_LOG_FORMAT', 'json, text or off (default: json when NODE_ENV=production)'],
    ['DEBUG', 'cignal:* logs signalling and HTTP activity'],
  ];
  return [
    `Usage: cignal [options]`,
    '',
    `Runs the Cignal ${packageVersion} signalling server: the demo page at /, the browser bundles at`,
    `/cignal@${packageVersion}/, and signalling for <cignal-call> and the SDK. SIGINT or SIGTERM stops it.`,
    '',
    'Options:',
    ...optionLines,
    '',
    'Environment (also read from ./.env; variables already set win over the file):',
    ...variables.map(([name, meaning]) => `  ${name.padEnd(24)}${meaning}`),
    '',
    'Every variable, with its default, is in the Configuration section of',
    `  ${join(packageRoot, 'README.md')}`,
    '',
    `Exit status: 0 after a clean stop, 64 for a wrong option, 78 for a wrong setting, 1 when it cannot listen.`,
  ].join('\n');
}

/** Error codes of `listen()` that are the operator's to fix: said in one line rather than a stack trace. */
const listenProblems: Record<string, string> = {
  EADDRINUSE: 'choose a free port with --port or PORT',
  EACCES: 'ports below 1024 need privileges; choose another with --port or PORT',
  EADDRNOTAVAIL: 'it is not an address of this machine; choose another with --host or HOST',
  ENOTFOUND: 'that host name does not resolve; choose another with --host or HOST',
};

/**
 * Runs the command line `args` (the arguments after `cignal`): prints help or the version, or
 * starts the server, prints its URL and stops it cleanly on SIGINT/SIGTERM. Exits the process with
 * an ExitStatus when it cannot go on.
 */
export async function runCommandLine(args: readonly string[]): Promise<void> {
  let command: Command;
  try {
    command = parseCommandLine(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`cignal: ${error.message}. See cignal --help.`);
    process.exit(ExitStatus.Usage);
  }
  if (command.kind === 'help') return void console.log(usage());
  if (command.kind === 'version') return void console.log(packageVersion);

  try {
    if (command.dotenv) process.loadEnvFile(command.dotenv);
    else loadDotEnv();
  } catch (error) {
    const problem = (error as Error).message;
    if (command.dotenv) console.error(`cignal: --dotenv cannot read ${command.dotenv}: ${problem}. See cignal --help.`);
    else console.error(`Configuration error: cannot read .env: ${problem}`);
    process.exit(command.dotenv ? ExitStatus.Usage : ExitStatus.Config);
  }
  const env = { ...process.env };
  if (command.port !== undefined) env.PORT = String(command.port);
  if (command.host !== undefined) env.HOST = command.host;

  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer({ config: readConfig(env) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    process.exit(ExitStatus.Config);
  }

  // Before the URL is printed: whoever reads it may send a signal at once.
  const stop = (signal: string) => {
    console.log(`${signal}: closing`);
    void server.close().then(() => process.exit(ExitStatus.Ok));
    setTimeout(() => process.exit(ExitStatus.Ok), 5_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  let url: string;
  try {
    url = await server.listen();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const advice = code ? listenProblems[code] : undefined;
    if (!advice) throw error;
    console.error(`Cannot listen: ${message}; ${advice}.`);
    process.exit(ExitStatus.CannotListen);
  }
  console.log(`Cignal is listening on ${url}`);
}
