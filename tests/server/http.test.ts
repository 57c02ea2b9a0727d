// HTTP: the demo page, the health check and the CDN-style bundle URLs (caching, compression,
// redirects, and refusal of anything outside the served files).
import createDebug from 'debug';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
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

/** Sends raw bytes and resolves with everything the server answers before it closes. */
function raw(base: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

/** What no response may contain: a stack frame, a path of this machine, a Node or Koa internal. */
function expectNothingInternal(text: string): void {
  expect(text).not.toMatch(/\bat .+:\d+:\d+/);
  expect(text).not.toContain(packageRoot);
  expect(text).not.toMatch(/node_modules|node:internal|\/work\/|\/home\/|\/usr\/|\.ts\b|Error:/);
}

describe('security headers and errors', () => {
  let http: Server;
  let base: string;

  beforeAll(async () => {
    const app = await createApp({
      assets: await loadAssets(cdnDir),
      // A store that fails in a way nobody planned for: its message names a file of this machine.
      rooms: async () => {
        throw new Error(`ENOENT: no such file or directory, open '${packageRoot}/server/rooms/secret.ts'`);
      },
    });
    http = createServer(app.callback());
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => http.close(resolve));
  });

  test('the demo page ships a strict Content-Security-Policy: no inline script, no eval, Trusted Types, framed by itself only', async () => {
    const reply = await get(base, '/', { Host: 'calls.example:8080' });
    const policy = Object.fromEntries(
      String(reply.headers['content-security-policy']).split(';').map((directive) => {
        const [name, ...values] = directive.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );

    expect(policy).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'connect-src': "'self' ws://calls.example:8080",
      'base-uri': "'none'",
      'form-action': "'self'",
      'object-src': "'none'",
      'frame-ancestors': "'self'",
      'require-trusted-types-for': "'script'",
      'trusted-types': 'lit-html',
    });
    expect(reply.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(reply.headers['permissions-policy']).toMatch(/camera=\(self\).*microphone=\(self\).*display-capture=\(self\).*fullscreen=\(self\)/);
    expect(reply.headers['permissions-policy']).toContain('geolocation=()');
    expect(reply.headers['cross-origin-opener-policy']).toBe('same-origin');
    // Nothing inline is left for the policy to refuse.
    const html = reply.body.toString('utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).toContain('<script type="module" src="/demo.js">');
    // The page's own script and styles are served from files.
    expect((await get(base, '/demo.js')).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await get(base, '/demo.css')).headers['content-type']).toMatch(/^text\/css/);
  });

  test('a Host header that is not a host name adds nothing to the policy', async () => {
    const reply = await get(base, '/', { Host: 'evil.example; script-src *' });

    expect(reply.status).toBe(200);
    expect(reply.headers['content-security-policy']).toContain("connect-src 'self';");
    expect(reply.headers['content-security-policy']).not.toContain('evil');
  });

  test.each(['/', '/healthz', '/demo.js', `/cignal@${version}/cignal-call.js`, '/nope', `/cignal@${version}/nope.js`])(
    '%s carries nosniff, no-referrer and a same-origin or (bundles) cross-origin resource policy, and no HSTS over plain HTTP',
    async (path) => {
      const reply = await get(base, path);

      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      expect(reply.headers['cross-origin-resource-policy']).toBe(path.startsWith('/cignal@') ? 'cross-origin' : 'same-origin');
      expect(reply.headers['strict-transport-security']).toBeUndefined();
    },
  );

  test('served over TLS, every response asks browsers to keep to HTTPS (HSTS)', async () => {
    const app = await createApp({ assets: new Map(), tls: true });
    const server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ['/', '/healthz', '/nope']) {
        expect((await get(url, path)).headers['strict-transport-security']).toBe('max-age=15552000');
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('an unexpected failure answers 500 with one sentence: no stack trace, no path, no message of the error', async () => {
    const reply = await get(base, '/healthz');
    const text = reply.body.toString('utf8');

    expect(reply.status).toBe(500);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text).toBe('Something went wrong on the server; the error is logged there.\n');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expectNothingInternal(text);
  });

  test.each([
    ['an unknown address', 'GET', '/nope', 404],
    ['a malformed escape', 'GET', '/%E0%A4%A', 404],
    ['a malformed escape in a bundle name', 'GET', `/cignal@${version}/%E0%A4%A`, 404],
    ['a malformed escape in a version', 'GET', '/cignal@%E0%A4%A/cignal.js', 404],
    ['a NUL byte, escaped', 'GET', `/cignal@${version}/%00`, 404],
    ['a method the page does not answer', 'DELETE', '/', 405],
    ['a method no route knows', 'PATCH', '/healthz', 405],
  ])('%s answers %s %s with a plain sentence', async (_, method, path, status) => {
    const reply = await get(base, path, {}, method);
    const text = reply.body.toString('utf8');

    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text).toMatch(/^[A-Z][^\n]*\.\n$/);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expectNothingInternal(text);
  });

  test('HEAD answers like GET without a body, and OPTIONS lists the methods', async () => {
    const head = await get(base, '/', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await get(base, '/nope', {}, 'HEAD')).status).toBe(404);

    const options = await get(base, '/', {}, 'OPTIONS');
    expect(options.status).toBeLessThan(300);
    expect(options.headers.allow).toMatch(/GET/);
    expect(options.headers['x-content-type-options']).toBe('nosniff');
    expectNothingInternal(options.body.toString('utf8'));
  });

  test('huge headers and a broken request line are refused by status alone, with nothing internal', async () => {
    const huge = await raw(base, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expectNothingInternal(huge);

    const broken = await raw(base, 'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(broken).toMatch(/^HTTP\/1\.1 400 /);
    expectNothingInternal(broken);

    const notHttp = await raw(base, '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003 hello\r\n\r\n');
    expect(notHttp).toMatch(/^HTTP\/1\.1 400 /);
    expectNothingInternal(notHttp);
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

  test('the demo page may be framed by its own origin only, unless CIGNAL_FRAME_ANCESTORS says otherwise', async () => {
    const byDefault = await fetch(`${(await startServer()).url}/`);
    expect(byDefault.headers.get('content-security-policy')).toContain("frame-ancestors 'self';");
    expect(byDefault.headers.get('x-frame-options')).toBe('SAMEORIGIN');

    const nobody = await fetch(`${(await startServer({ frameAncestors: "'none'" })).url}/`);
    expect(nobody.headers.get('content-security-policy')).toContain("frame-ancestors 'none';");
    expect(nobody.headers.get('x-frame-options')).toBe('DENY');

    const listed = await fetch(`${(await startServer({ frameAncestors: "'self' https://app.example" })).url}/`);
    expect(listed.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://app.example;");
    // X-Frame-Options cannot name another origin; browsers that know frame-ancestors go by it.
    expect(listed.headers.get('x-frame-options')).toBeNull();
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
        const socket = connect(port, '127.0.0.1');
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
