// HTTP: the demo page, the health check and the CDN-style bundle URLs (caching, compression,
// redirects, and refusal of anything outside the served files).
import createDebug from 'debug';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { join as joinPath } from 'node:path';
import { format } from 'node:util';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadAssets } from '../../server/cdn.js';
import { cdnDir, packageRoot } from '../../server/paths.js';
import { io as ioClient } from 'socket.io-client';
import { join, serverPerTest, uniqueRoom } from '../helpers/server.js';

const version: string = JSON.parse(readFileSync(joinPath(packageRoot, 'package.json'), 'utf8')).version;
const bundlePath = joinPath(cdnDir, 'cignal.js');

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * GET with node:http, which sends the path exactly as written (fetch would resolve "..") and does
 * not decompress, so tests see what went over the wire.
 */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = request({ hostname, port, path, headers, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the Koa app', () => {
  let http: Server;
  let base: string;
  let bundle: Buffer;

  beforeAll(async () => {
    expect(existsSync(bundlePath), `${bundlePath} is missing: run "npm run build" first`).toBe(true);
    bundle = readFileSync(bundlePath);
    const app = await createApp({ assets: await loadAssets(cdnDir), rooms: async () => 3 });
    http = createServer(app.callback());
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => http.close(resolve));
  });

  test('GET / serves the demo page, which loads the SDK of this very version', async () => {
    const reply = await get(base, '/');

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    const html = reply.body.toString('utf8');
    expect(html).toContain(`/cignal@${version}/cignal-call.js`);
    expect(html).not.toContain('__CIGNAL_VERSION__');
  });

  test('GET /healthz answers ok with the version and the number of live rooms, never cached', async () => {
    const reply = await get(base, '/healthz');

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(reply.body.toString('utf8'))).toEqual({ ok: true, version, rooms: 3 });
  });

  test('a versioned bundle is served whole, cacheable forever, with an ETag, to any origin', async () => {
    const reply = await get(base, `/cignal@${version}/cignal.js`);

    expect(reply.status).toBe(200);
    expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(reply.headers.etag).toMatch(/^"[^"]+"$/);
    expect(reply.headers['access-control-allow-origin']).toBe('*');
    expect(reply.headers['content-type']).toMatch(/^text\/javascript/);
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.headers.vary).toMatch(/Accept-Encoding/i);
    expect(reply.body.equals(bundle)).toBe(true);
  });

  test('a browser revalidating with the ETag gets 304 Not Modified and no body', async () => {
    const first = await get(base, `/cignal@${version}/cignal.js`);

    const again = await get(base, `/cignal@${version}/cignal.js`, { 'If-None-Match': first.headers.etag! });

    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // A different ETag is not a match.
    expect((await get(base, `/cignal@${version}/cignal.js`, { 'If-None-Match': '"something-else"' })).status).toBe(200);
  });

  test('the bundle is sent brotli- or gzip-compressed to clients that accept it, with the same content', async () => {
    const br = await get(base, `/cignal@${version}/cignal.js`, { 'Accept-Encoding': 'br' });
    const gzip = await get(base, `/cignal@${version}/cignal.js`, { 'Accept-Encoding': 'gzip' });
    const preferred = await get(base, `/cignal@${version}/cignal.js`, { 'Accept-Encoding': 'gzip, deflate, br' });

    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(bundle)).toBe(true);
    expect(br.body.length).toBeLessThan(bundle.length);
    expect(gzip.status).toBe(200);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(bundle)).toBe(true);
    expect(['br', 'gzip']).toContain(preferred.headers['content-encoding']);
    // Each encoding is its own representation with its own validator, and revalidates by it.
    const plain = await get(base, `/cignal@${version}/cignal.js`);
    expect(new Set([plain.headers.etag, br.headers.etag, gzip.headers.etag]).size).toBe(3);
    const revalidated = await get(base, `/cignal@${version}/cignal.js`, { 'Accept-Encoding': 'br', 'If-None-Match': br.headers.etag! });
    expect(revalidated.status).toBe(304);
    for (const reply of [br, gzip]) {
      expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(reply.headers['access-control-allow-origin']).toBe('*');
      expect(reply.headers['content-type']).toMatch(/^text\/javascript/);
    }
  });

  test('/cignal@latest redirects to the versioned URL, and the redirect is not cached', async () => {
    const reply = await get(base, '/cignal@latest/cignal.js');

    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe(`/cignal@${version}/cignal.js`);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect((await get(base, reply.headers.location!)).body.equals(bundle)).toBe(true);
  });

  test('an unknown version or an unknown file answers 404', async () => {
    expect((await get(base, '/cignal@0.0.0-nope/cignal.js')).status).toBe(404);
    expect((await get(base, `/cignal@${version}/nope.js`)).status).toBe(404);
    expect((await get(base, '/cignal@latest/nope.js')).status).toBe(404);
    expect((await get(base, `/cignal@${version}/`)).status).toBe(404);
  });

  test.each([
    `/cignal@${version}/..%2Fpackage.json`,
    `/cignal@${version}/%2e%2e/package.json`,
    `/cignal@${version}/%2E%2E%2Fpackage.json`,
    `/cignal@${version}/../../package.json`,
    `/cignal@${version}/..%2F..%2Fpackage.json`,
    `/cignal@${version}/..%5Cpackage.json`,
    `/cignal@latest/..%2Fpackage.json`,
    `/cignal@..%2F..%2Fpackage.json/cignal.js`,
    `/cignal@${version}/%2Fetc%2Fpasswd`,
  ])('a path escaping the bundle folder (%s) answers 404 and never a file', async (path) => {
    const reply = await get(base, path);

    expect(reply.status).toBe(404);
    const text = reply.body.toString('utf8');
    expect(text).not.toContain('"devDependencies"');
    expect(text).not.toContain('root:');
    expect(reply.headers.location).toBeUndefined();
  });
});

describe('the running server', () => {
  const startServer = serverPerTest();

  test('serves HTTP and signalling on one port, and /healthz counts the live rooms', async () => {
    const server = await startServer();
    await join(server.url, { roomId: uniqueRoom(), peerId: 'alice' });

    const health = await fetch(`${server.url}/healthz`);
    const bundle = await fetch(`${server.url}/cignal@${version}/cignal.js`);

    expect(await health.json()).toEqual({ ok: true, version, rooms: 1 });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('access-control-allow-origin')).toBe('*');
  });

  test('with CIGNAL_ALLOWED_ORIGINS set, a browser WebSocket from another origin is refused and a listed one admitted', async () => {
    const server = await startServer({ allowedOrigins: ['https://app.example'] });
    const attempt = (origin: string) =>
      new Promise<'joined' | 'refused'>((resolve) => {
        const socket = ioClient(server.url, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          extraHeaders: { Origin: origin },
          auth: { roomId: uniqueRoom(), peerId: 'p', session: 's' },
        });
        socket.once('joined', () => (socket.disconnect(), resolve('joined')));
        socket.once('connect_error', () => (socket.disconnect(), resolve('refused')));
      });
    expect(await attempt('https://evil.example')).toBe('refused');
    expect(await attempt('https://app.example')).toBe('joined');
    // The server's own demo page is always allowed, whatever the list says.
    expect(await attempt(server.url)).toBe('joined');
  });

  test('long-polling answers CORS to the allowed origins, preflight included, and a polling client joins', async () => {
    const handshake = '/socket.io/?EIO=4&transport=polling';
    const open = await startServer();
    const anyOrigin = await get(open.url, handshake, { Origin: 'https://any.example' });
    expect(anyOrigin.status).toBe(200);
    expect(anyOrigin.headers['access-control-allow-origin']).toBe('*');

    const listed = await startServer({ allowedOrigins: ['https://app.example'] });
    const fromListed = await get(listed.url, handshake, { Origin: 'https://app.example' });
    expect(fromListed.status).toBe(200);
    expect(fromListed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(fromListed.headers.vary).toBe('Origin');
    const fromOther = await get(listed.url, handshake, { Origin: 'https://evil.example' });
    expect(fromOther.status).toBe(403);
    expect(fromOther.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = await get(
      listed.url,
      handshake,
      { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-custom' },
      'OPTIONS',
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(preflight.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(preflight.headers['access-control-allow-headers']).toBe('x-custom');

    // A client that polls joins as one over WebSocket does.
    const socket = ioClient(listed.url, {
      transports: ['polling'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { Origin: 'https://app.example' },
      auth: { roomId: uniqueRoom(), peerId: 'p', session: 's' },
    });
    const joined = await new Promise<{ roomId: string }>((resolve, reject) => {
      socket.once('joined', resolve);
      socket.once('connect_error', reject);
    });
    socket.disconnect();
    expect(joined.roomId).toMatch(/^room/);
  });
});

describe('the long-polling endpoint', () => {
  const startServer = serverPerTest();

  test('a method other than GET, POST or OPTIONS on a live polling session is refused with 405, not a 500', async () => {
    const { url } = await startServer();
    const open = await get(url, '/socket.io/?EIO=4&transport=polling');
    expect(open.status).toBe(200);
    const { sid } = JSON.parse(open.body.toString().slice(1)) as { sid: string };
    for (const method of ['PUT', 'HEAD', 'DELETE', 'PATCH']) {
      const reply = await get(url, `/socket.io/?EIO=4&transport=polling&sid=${sid}`, {}, method);
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, POST, OPTIONS');
    }
    // The session itself is untouched: it still polls.
    const poll = await get(url, `/socket.io/?EIO=4&transport=polling&sid=${sid}`, {}, 'POST');
    expect(poll.status).toBe(200);
  });
});

describe('requests the client breaks', () => {
  test('a malformed chunked body is answered 400 and not logged as a failure of the server', async () => {
    const lines: string[] = [];
    const namespaces = createDebug.disable();
    const logWas = createDebug.log;
    createDebug.enable('cignal:http');
    createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
    const app = await createApp({ assets: new Map() });
    const server = createServer(app.callback());
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      // Koa hears of the broken body through the request stream and emits 'error'.
      const failed = new Promise<Error>((resolve) => app.once('error', resolve));
      const reply = await new Promise<string>((resolve) => {
        const socket = tcpConnect(port, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('error', () => {});
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
        socket.end('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n');
      });
      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      expect((await failed as Error & { code?: string }).code).toMatch(/^HPE_/);
      expect(lines).toEqual([]);
    } finally {
      createDebug.log = logWas;
      createDebug.disable();
      if (namespaces) createDebug.enable(namespaces);
      server.close();
    }
  });
});
