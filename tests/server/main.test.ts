// The server as an operator runs it: `node dist/server/main.js` with environment variables.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, test } from 'vitest';
import { packageRoot } from '../../server/paths.js';

const main = join(packageRoot, 'dist', 'server', 'main.js');
let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/** Starts the server; resolves with the URL it prints, or rejects with what it printed on exit. */
/** `null` leaves a variable unset. */
function run(env: Record<string, string | null>, cwd = packageRoot): Promise<{ url: string; output: () => string }> {
  const merged: Record<string, string | null> = { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', CIGNAL_ICE_SERVERS: '[]', ...env };
  const vars = Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== null));
  child = spawn(process.execPath, [main], { cwd, env: vars });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (\S+)/.exec(output);
      if (match) resolve({ url: match[1]!, output: () => output });
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', onData);
    child!.once('exit', (code) => reject(Object.assign(new Error(`exited with ${code}: ${output}`), { code, output })));
  });
}

function exitOf(process: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => process.once('exit', (code) => resolve(code)));
}

describe('running the server', () => {
  test('prints the URL it listens on, serves it, and stops cleanly on SIGTERM', async () => {
    const { url } = await run({});
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await (await fetch(`${url}/healthz`)).json();
    expect(health).toMatchObject({ ok: true, rooms: 0 });
    const exited = exitOf(child!);
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  test('a wrong setting stops it at once with a message naming the variable', async () => {
    const failure = await run({ CIGNAL_ICE_SERVERS: '[{"urls":"http://not-ice"}]' }).catch((error) => error);
    expect(failure.code).toBe(78);
    expect(failure.output).toMatch(/Configuration error: CIGNAL_ICE_SERVERS/);
  });

  test('reads a .env file in the working directory, and real environment variables win over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cignal-env-'));
    writeFileSync(join(dir, '.env'), 'HOST=127.0.0.1\nCIGNAL_ICE_SERVERS=[{"urls":"stun:from-dotenv.example:3478"}]\nPORT=1\n');
    // PORT=0 from the environment must win over PORT=1 from the file (1 would need root and fail).
    const { url } = await run({ CIGNAL_ICE_SERVERS: null }, dir);
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { roomId: 'env-room', peerId: 'p', session: 's' } });
    const joined = await new Promise<{ iceServers: unknown }>((resolve) => socket.once('joined', resolve));
    socket.disconnect();
    expect(joined.iceServers).toEqual([{ urls: 'stun:from-dotenv.example:3478' }]);
  });

  test('serves HTTPS and secure WebSockets when TLS_CERT and TLS_KEY name a certificate and key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cignal-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const { url } = await run({ TLS_CERT: cert, TLS_KEY: key });
    expect(url).toMatch(/^https:\/\//);

    const get = (path: string) =>
      new Promise<{ body: string; headers: IncomingHttpHeaders }>((resolve, reject) => {
        request(`${url}${path}`, { rejectUnauthorized: false }, (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ body: text, headers: response.headers }));
        }).on('error', reject).end();
      });
    const health = await get('/healthz');
    expect(JSON.parse(health.body)).toMatchObject({ ok: true });
    // Browsers are told to keep to HTTPS, by the app's responses and by socket.io's own.
    expect(health.headers['strict-transport-security']).toBe('max-age=15552000');
    const polling = await get('/socket.io/?EIO=4&transport=polling');
    expect(polling.headers['strict-transport-security']).toBe('max-age=15552000');
    expect(polling.headers['x-content-type-options']).toBe('nosniff');
    // The demo page's sockets are secure WebSockets.
    expect((await get('/')).headers['content-security-policy']).toMatch(/connect-src 'self' wss:\/\/127\.0\.0\.1:\d+;/);

    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, rejectUnauthorized: false, auth: { roomId: 'tls-room', peerId: 'p', session: 's' } });
    const joined = await new Promise<{ roomId: string }>((resolve, reject) => {
      socket.once('joined', resolve);
      socket.once('connect_error', reject);
    });
    socket.disconnect();
    expect(joined.roomId).toBe('tls-room');
  });

  test('only one of TLS_CERT and TLS_KEY is refused', async () => {
    const failure = await run({ TLS_CERT: '/etc/hostname' }).catch((error) => error);
    expect(failure.code).toBe(78);
    expect(failure.output).toMatch(/TLS_CERT and TLS_KEY must be set together/);
  });
});
