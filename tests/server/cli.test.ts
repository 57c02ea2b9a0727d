// The command line: `cignal [options]`, as `npx cignal` and `npm start -- [options]` run it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { options, parseCommandLine, usage, UsageError } from '../../server/cli.js';
import { packageRoot, packageVersion } from '../../server/paths.js';

/** The message of the UsageError that `args` gets; fails the test if they are accepted. */
function refusal(...args: string[]): string {
  try {
    parseCommandLine(args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`parseCommandLine accepted ${JSON.stringify(args)}`);
}

describe('parseCommandLine', () => {
  test('with no arguments it runs the server with what the environment says', () => {
    expect(parseCommandLine([])).toEqual({ kind: 'serve' });
  });

  test('--port and --host in their long, short and inline forms; 0 is a port (any free one)', () => {
    expect(parseCommandLine(['--port', '0', '--host', '127.0.0.1'])).toEqual({ kind: 'serve', port: 0, host: '127.0.0.1' });
    expect(parseCommandLine(['-p', '65535', '--host=::'])).toEqual({ kind: 'serve', port: 65535, host: '::' });
    expect(parseCommandLine(['--port=8081', '--host', 'calls.example.com'])).toEqual({ kind: 'serve', port: 8081, host: 'calls.example.com' });
    // The last one wins, as with most commands.
    expect(parseCommandLine(['-p', '1', '-p', '2'])).toEqual({ kind: 'serve', port: 2 });
  });

  test('--help and --version win over the rest', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--port', '1', '-h'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-v'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['--version', '--help'])).toEqual({ kind: 'help' });
  });

  test('a port that is not a whole number from 0 to 65535 is refused with the value it got', () => {
    for (const port of ['abc', '1.5', '-1', '65536', '1e3', ' 80', '0x50', '999999']) {
      expect(refusal('--port', port)).toBe(`--port must be a whole number from 0 to 65535, got "${port}"`);
    }
  });

  test('an option without its value says which value it needs, also when the next option took its place', () => {
    expect(refusal('--port')).toBe('--port needs a value: --port <n>');
    expect(refusal('--port', '--host', '127.0.0.1')).toBe('--port needs a value: --port <n>');
    expect(refusal('-p', '')).toBe('-p needs a value: -p <n>');
    expect(refusal('--host')).toBe('--host needs a value: --host <address>');
    expect(refusal('--dotenv')).toBe('--dotenv needs a value: --dotenv <path>');
  });

  test('an unknown option, an argument, a value given to a switch and a host that is no address are refused', () => {
    expect(refusal('--prot', '8080')).toBe('unknown option --prot');
    expect(refusal('-x')).toBe('unknown option -x');
    expect(refusal('8080')).toBe('unexpected argument "8080"');
    expect(refusal('--', '--port')).toBe('unexpected argument "--port"');
    expect(refusal('--help=yes')).toBe('--help takes no value');
    expect(refusal('--host', 'http://127.0.0.1')).toBe('--host must be an IP address or a host name, got "http://127.0.0.1"');
    expect(refusal('--host', 'bad_name')).toBe('--host must be an IP address or a host name, got "bad_name"');
  });

  test('--dotenv must name a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cignal-cli-'));
    try {
      writeFileSync(join(dir, 'settings.env'), 'PORT=0\n');
      expect(parseCommandLine(['--dotenv', join(dir, 'settings.env')])).toEqual({ kind: 'serve', dotenv: join(dir, 'settings.env') });
      expect(refusal('--dotenv', join(dir, 'missing.env'))).toBe(`--dotenv names no file: ${join(dir, 'missing.env')}`);
      expect(refusal('--dotenv', dir)).toBe(`--dotenv names no file: ${dir}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the help shows the version and points to the configuration table of the README beside it', () => {
    const text = usage();
    expect(text).toContain(`Cignal ${packageVersion}`);
    expect(text).toContain(join(packageRoot, 'README.md'));
  });

  test("the README's Command line section shows every option as the help does", () => {
    const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('## Configuration'));
    const optionLines = usage().split('\n').filter((line) => /^ {2}(-\w, | {4})--/.test(line));
    expect(optionLines).toHaveLength(Object.keys(options).length);
    for (const line of optionLines) expect(section).toContain(line);
  });
});

describe('running the command', () => {
  const main = join(packageRoot, 'dist', 'server', 'main.js');
  let scratch = '';
  let child: ChildProcess | undefined;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'cignal-cli-'));
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /**
   * Runs the command in `cwd` with only `env` set (`null` leaves a variable unset); resolves on its
   * URL, rejects with its exit code and output.
   */
  function run(args: string[], env: Record<string, string | null>, cwd?: string): Promise<{ url: string; output: () => string }> {
    const merged: Record<string, string | null> = { PATH: process.env.PATH ?? '', CIGNAL_ICE_SERVERS: '[]', ...env };
    const vars = Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== null));
    child = spawn(process.execPath, [main, ...args], { cwd: cwd ?? scratch, env: vars });
    let output = '';
    let stderr = '';
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk;
        const match = /listening on (\S+)/.exec(output);
        if (match) resolve({ url: match[1]!, output: () => output });
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk;
        onData(chunk);
      });
      child!.once('exit', (code) => reject(Object.assign(new Error(`exited with ${code}: ${output}`), { code, output, stderr })));
    });
  }

  test('--port and --host win over PORT and HOST, and --port 0 prints the port it picked', async () => {
    // Either variable would stop the server if it were used: PORT is not a number, HOST no address here.
    const { url } = await run(['--port', '0', '--host', '127.0.0.1'], { PORT: 'not-a-port', HOST: 'host.invalid' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(url).port).not.toBe('0');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  test('a SIGTERM sent the moment the URL is printed still stops it cleanly, with exit status 0', async () => {
    // A supervisor or a script may signal as soon as it reads the URL; five times, since a handler
    // set up only after the URL is printed loses that race about every other time.
    for (let round = 0; round < 5; round++) {
      child = spawn(process.execPath, [main, '--port', '0', '--host', '127.0.0.1'], { cwd: scratch, env: { PATH: process.env.PATH ?? '', CIGNAL_ICE_SERVERS: '[]' } });
      const started = child;
      let output = '';
      const exited = new Promise<string>((resolve) => started.once('close', (code, signal) => resolve(`${code ?? signal}`)));
      started.stdout!.on('data', (chunk: Buffer) => {
        const before = output;
        output += chunk;
        if (!/listening on/.test(before) && /listening on/.test(output)) started.kill('SIGTERM');
      });
      expect({ exit: await exited, output }).toEqual({ exit: '0', output: expect.stringMatching(/listening on \S+\nSIGTERM: closing\n$/) });
    }
  });

  test('--dotenv reads the file it names instead of ./.env', async () => {
    const cwd = join(scratch, 'with-dotenv');
    mkdirSync(cwd);
    // Read, this one would stop the server with a configuration error.
    writeFileSync(join(cwd, '.env'), 'CIGNAL_ICE_SERVERS=not json\n');
    writeFileSync(join(scratch, 'settings.env'), 'HOST=127.0.0.1\nPORT=0\nCIGNAL_ICE_SERVERS=[{"urls":"stun:from-settings.example:3478"}]\n');
    const { url } = await run(['--dotenv', join(scratch, 'settings.env')], { CIGNAL_ICE_SERVERS: null }, cwd);
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { roomId: 'dotenv-room', peerId: 'p', session: 's' } });
    const joined = await new Promise<{ iceServers: unknown }>((resolve) => socket.once('joined', resolve));
    socket.disconnect();
    expect(joined.iceServers).toEqual([{ urls: 'stun:from-settings.example:3478' }]);
  });

  test('a wrong option prints one line and nothing else, and exits with 64 before reading any setting', async () => {
    const failure = await run(['--port', '80a'], { CIGNAL_ICE_SERVERS: 'not json' }).catch((error) => error);
    expect(failure.code).toBe(64);
    expect(failure.stderr).toBe('cignal: --port must be a whole number from 0 to 65535, got "80a". See cignal --help.\n');
    expect(failure.output).toBe(failure.stderr);
  });

  test('a wrong setting still exits with 78 when options are given', async () => {
    const failure = await run(['--port', '0', '--host', '127.0.0.1'], { CIGNAL_ICE_SERVERS: 'not json' }).catch((error) => error);
    expect(failure.code).toBe(78);
    expect(failure.stderr).toMatch(/^Configuration error: CIGNAL_ICE_SERVERS must be JSON/);
  });

  test('a port already taken is one line that says how to choose another, and exit status 1', async () => {
    const { url } = await run(['--port', '0', '--host', '127.0.0.1'], {});
    const first = child!;
    const port = new URL(url).port;
    const failure = await run(['--port', port, '--host', '127.0.0.1'], {}).catch((error) => error);
    first.kill('SIGKILL');
    expect(failure.code).toBe(1);
    expect(failure.stderr).toBe(`Cannot listen: listen EADDRINUSE: address already in use 127.0.0.1:${port}; choose a free port with --port or PORT.\n`);
  });
});
