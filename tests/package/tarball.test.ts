// The package as a user gets it: `npm pack`, installed into an empty folder with no build step
// there, then `npx cignal` and `import('cignal/server')` from that folder.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../server/paths.js';

const run = promisify(execFile);
const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string; exports: Record<string, string | Record<string, string>> };
const { version } = manifest;

/**
 * The environment of every command: this one's, without what `npm test` hands its scripts (the
 * repository's prefix, lifecycle and package variables, which would point npm back at the
 * repository), without vitest's NODE_ENV and without the server's own settings, so the server runs
 * on its defaults as for someone who just installed it. npx must never fetch a package named
 * cignal from the registry: it runs the installed one or fails.
 */
const kept = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_cafile']);
const env: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && (kept.has(entry[0].toLowerCase()) || !/^(npm_|INIT_CWD$|NODE_ENV$|PORT$|HOST$|TLS_|CIGNAL_|REDIS_URL$|DEBUG$)/i.test(entry[0])),
    ),
  ),
  npm_config_yes: 'false',
  npm_config_update_notifier: 'false',
};

let scratch = '';
/** The empty folder the tarball is installed into. */
let app = '';
let packed: { filename: string; files: { path: string; mode: number }[] };
const children = new Set<ChildProcess>();

beforeAll(async () => {
  // `npm test` has built already; run alone, this builds only when dist/ is missing or stale.
  // Not under vitest's NODE_ENV=test, with which rollup would pick the packages' development builds.
  await run(process.execPath, [join(packageRoot, 'scripts', 'ensure-build.mjs')], { cwd: packageRoot, env });
  scratch = mkdtempSync(join(tmpdir(), 'cignal-tarball-'));
  app = join(scratch, 'app');
  mkdirSync(app);
  // Node would find packages in a node_modules above the folder: the install must stand alone.
  for (let dir = scratch; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) throw new Error(`${dir}/node_modules would lend the install packages; set TMPDIR elsewhere`);
  }

  // The build above is what `prepack` would run: packing skips it.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: packageRoot, env, maxBuffer: 16 * 1024 * 1024 });
  packed = JSON.parse(pack.stdout)[0];
  // A package.json of its own, so that npm installs here and not into a project above.
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'cignal-user', private: true })}\n`);
  await run('npm', ['install', join(scratch, packed.filename), '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, env });
}, 300_000);

afterAll(async () => {
  await Promise.all([...children].map(stop));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Runs a short command in the app folder; resolves with its exit code and output, whatever the code. */
async function inApp(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: app, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw error;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/**
 * Starts a long-running command in the app folder, in a process group of its own (so that a
 * signal reaches every process of it, as from a terminal or a service manager); resolves with
 * the URL it prints, or rejects with its output when it ends first.
 */
function start(command: string, args: string[]): Promise<Started> {
  const child = spawn(command, args, { cwd: app, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (\S+)/.exec(output);
      if (match) resolve({ child, url: match[1]!, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => reject(new Error(`${command} ${args.join(' ')} ended with ${code}: ${output}`)));
  });
}

/** Sends SIGTERM to the child's process group; resolves once every process of it has closed its output. */
function stop(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.pid === undefined) return Promise.resolve();
  const closed = new Promise<void>((resolve) => (child.stdout!.closed ? resolve() : child.stdout!.once('close', () => resolve())));
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    // The group has ended already.
  }
  return closed;
}

describe('the packed tarball', () => {
  test('holds the built server, SDK, element and browser bundles, and nothing of the repository\'s own', () => {
    const files = new Map(packed.files.map((file) => [file.path, file.mode]));
    const expected = [
      'package.json', 'README.md', 'custom-elements.json',
      'dist/server/main.js', 'dist/server/index.js', 'dist/server/index.d.ts',
      'dist/sdk/index.js', 'dist/widget/index.js',
      'dist/cdn/cignal.js', 'dist/cdn/cignal-call.js', 'dist/cdn/cignal-call.iife.js', 'dist/cdn/sri.json',
      'demo/index.html', 'demo/demo.js', 'demo/demo.css',
    ];
    expect(expected.filter((path) => !files.has(path))).toEqual([]);
    // Every entry point of package.json "exports" is in it.
    const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
    expect(targets.map((target) => target.replace(/^\.\//, '')).filter((path) => !files.has(path))).toEqual([]);
    // The command is executable as packed, not only once npm has linked it.
    expect(files.get('dist/server/main.js')! & 0o111).toBe(0o111);
    // No tests, sources, scripts, benchmarks, CI or local settings.
    const foreign = [...files.keys()].filter((path) => /^(tests|scripts|bench|server|sdk|widget|\.ci)\/|^\.env|\.test\.|(^|\/)tsconfig/.test(path));
    expect(foreign).toEqual([]);
  });

  test('installs into an empty folder with the command linked and no build step', () => {
    expect(existsSync(join(app, 'node_modules', '.bin', 'cignal'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'cignal', 'dist', 'cdn', 'sri.json'))).toBe(true);
    // Only the dependencies were installed: what is not there cannot be needed at run time.
    expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'vitest'))).toBe(false);
  });
});

describe('npx cignal', () => {
  test('--help lists every option, the main environment variables and where the rest are', async () => {
    const { code, stdout } = await inApp('npx', ['cignal', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: cignal \[options\]/);
    for (const option of ['-p, --port <n>', '--host <address>', '--dotenv <path>', '-h, --help', '-v, --version']) expect(stdout).toContain(option);
    for (const variable of ['PORT', 'HOST', 'TLS_CERT', 'CIGNAL_ICE_SERVERS', 'CIGNAL_JOIN_SECRET', 'REDIS_URL']) expect(stdout).toContain(variable);
    // The pointer to the configuration table leads to the README that was installed.
    const readme = join(app, 'node_modules', 'cignal', 'README.md');
    expect(stdout).toContain(readme);
    expect(readFileSync(readme, 'utf8')).toContain('## Configuration');
  });

  test('--version prints the version of package.json', async () => {
    const { code, stdout } = await inApp('npx', ['cignal', '--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  test('a wrong option is one line naming it, and exit status 64', async () => {
    const unknown = await inApp('npx', ['cignal', '--prot', '8080']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toBe('cignal: unknown option --prot. See cignal --help.\n');
    const range = await inApp('npx', ['cignal', '--port', '65536']);
    expect(range.code).toBe(64);
    expect(range.stderr).toBe('cignal: --port must be a whole number from 0 to 65535, got "65536". See cignal --help.\n');
  });

  describe('--port 0 --host 127.0.0.1', () => {
    let server: Started;
    beforeAll(async () => {
      server = await start('npx', ['cignal', '--port', '0', '--host', '127.0.0.1']);
    }, 60_000);

    test('prints the URL with the port it picked, and answers /healthz', async () => {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(new URL(server.url).port).not.toBe('0');
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, version });
    });

    test('answers /readyz 200: it can serve', async () => {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    });

    test('serves the SDK bundle of the package at /cignal@<version>/cignal.js, matching its published hash', async () => {
      const response = await fetch(`${server.url}/cignal@${version}/cignal.js`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
      const body = Buffer.from(await response.arrayBuffer());
      const sri = JSON.parse(readFileSync(join(app, 'node_modules', 'cignal', 'dist', 'cdn', 'sri.json'), 'utf8'));
      expect(`sha384-${createHash('sha384').update(body).digest('base64')}`).toBe(sri['cignal.js']);
    });

    test('shows the front page at /', async () => {
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
    });

    test('SIGTERM closes it', async () => {
      await stop(server.child);
      expect(server.output()).toContain('SIGTERM: closing');
    });
  });

  test('the command npx runs stops on SIGTERM with exit status 0', async () => {
    // npx puts npm and a shell between the signal and the server, and reports how the shell ended;
    // this is the server's own exit status.
    const { child, output } = await start(join(app, 'node_modules', '.bin', 'cignal'), ['--port', '0', '--host', '127.0.0.1']);
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code ?? signal}`)));
    await stop(child);
    expect({ exit: await exited, output: output() }).toEqual({ exit: '0', output: expect.stringContaining('SIGTERM: closing') });
  });
});

test("import('cignal/server') works from the installed package in Node", async () => {
  const script = `
    const server = await import('cignal/server');
    console.log(JSON.stringify({
      from: import.meta.resolve('cignal/server'),
      exports: ['initSocketServer', 'totalRoomsRunning', 'allRooms', 'createServer', 'socketServerOptions'].filter((name) => typeof server[name] === 'function'),
    }));
  `;
  const { code, stdout, stderr } = await inApp(process.execPath, ['--input-type=module', '--eval', script]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const result = JSON.parse(stdout);
  expect(result.from).toBe(pathToFileURL(join(app, 'node_modules', 'cignal', 'dist', 'server', 'index.js')).href);
  expect(result.exports).toEqual(['initSocketServer', 'totalRoomsRunning', 'allRooms', 'createServer', 'socketServerOptions']);
  expect(existsSync(join(app, 'node_modules', 'cignal', 'dist', 'server', 'index.d.ts'))).toBe(true);
});
