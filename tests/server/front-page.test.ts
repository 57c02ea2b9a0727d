// The front page's server side: which origin its snippets name (the request's, a trusted proxy's,
// or CIGNAL_PUBLIC_URL), that a forged Host header never reaches the page, and the documentation
// served from the package under /docs/.
import { readFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createApp, type AppOptions } from '../../server/app.js';
import { loadAssets } from '../../server/cdn.js';
import { ConfigError, readConfig } from '../../server/config.js';
import { PLACEHOLDER_ORIGIN } from '../../server/front-page.js';
import { cdnDir, packageRoot, packageVersion } from '../../server/paths.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** GET with node:http, which sends the Host header (and any other) exactly as given. */
function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = request({ hostname, port, path, headers, setHost: !('Host' in headers) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

/** The app on a port of its own; resolves with its base URL. */
async function serve(options: Partial<AppOptions> = {}): Promise<string> {
  const app = await createApp({ assets: await loadAssets(cdnDir), ...options });
  const server = createServer(app.callback());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const integrity: string = JSON.parse(readFileSync(join(cdnDir, 'sri.json'), 'utf8'))['cignal-call.js'];
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** The embed snippet for `origin`, as it appears (escaped) in the page. */
const embedFor = (origin: string) =>
  escaped(`<script type="module" src="${origin}/cignal@${packageVersion}/cignal-call.js"\n        integrity="${integrity}" crossorigin="anonymous"></script>`);

/** What the page names as this server's address. */
const address = (html: string) => /<code id="origin">([^<]*)<\/code>/.exec(html)?.[1];

describe('the front page', () => {
  test('names the origin it was requested at, with this version and the integrity of the served bundle', async () => {
    const base = await serve();
    const reply = await get(base, '/', { Host: 'calls.example:8080' });

    expect(reply.status).toBe(200);
    expect(reply.text).toContain(embedFor('http://calls.example:8080'));
    expect(reply.text).toContain(escaped(`import { Cignal } from 'http://calls.example:8080/cignal@${packageVersion}/cignal.js';`));
    expect(reply.text).toContain(escaped("connect-src http://calls.example:8080 ws://calls.example:8080;"));
    expect(address(reply.text)).toBe('http://calls.example:8080');
    // The note about an unknown address stays hidden, and so does nothing meant for the operator.
    expect(reply.text).toMatch(/<p class="note" hidden>/);
    expect(reply.text).toContain('<body data-page="front">');
    // The page loads the element it shows, pinned by the same hash.
    expect(reply.text).toContain(`<script type="module" src="/cignal@${packageVersion}/cignal-call.js" integrity="${integrity}" crossorigin="anonymous">`);
    // Only the page's own scripts are tags; the snippets are text.
    expect(reply.text.match(/<script/g)).toHaveLength(2);
  });

  test.each([
    ['markup', 'evil.example"><script>alert(1)</script>'],
    ['a policy', 'evil.example; script-src *'],
    ['a space', 'evil.example other.example'],
    ['a letter outside ASCII', 'évil.example'],
    ['a path', 'evil.example/x?y'],
    ['a port out of range', 'evil.example:99999'],
  ])('a Host header with %s never reaches the page: the snippets name a placeholder and say so', async (_, host) => {
    const base = await serve();
    const reply = await get(base, '/', { Host: host });

    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain('vil.example');
    expect(reply.text).toContain(embedFor(PLACEHOLDER_ORIGIN));
    expect(reply.text).toMatch(/<p class="note" >/);
    expect(reply.text.match(/<script/g)).toHaveLength(2);
  });

  test('behind a trusted proxy, names the forwarded scheme and host, checked like a Host header', async () => {
    const base = await serve({ trustProxy: true });

    const forwarded = await get(base, '/', { Host: '127.0.0.1', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'Calls.Example.com' });
    expect(address(forwarded.text)).toBe('https://calls.example.com');
    expect(forwarded.text).toContain(embedFor('https://calls.example.com'));
    expect(forwarded.text).toContain(escaped('connect-src https://calls.example.com wss://calls.example.com;'));
    expect(forwarded.headers.vary).toMatch(/X-Forwarded-Host/i);

    // Only https counts as a secure scheme; whatever else the proxy wrote is plain http.
    const odd = await get(base, '/', { Host: '127.0.0.1', 'X-Forwarded-Proto': 'javascript', 'X-Forwarded-Host': 'calls.example.com' });
    expect(address(odd.text)).toBe('http://calls.example.com');

    const forged = await get(base, '/', { Host: '127.0.0.1', 'X-Forwarded-Host': '"><script>alert(1)</script>' });
    expect(forged.text).not.toContain('alert');
    expect(address(forged.text)).toBe(PLACEHOLDER_ORIGIN);
  });

  test("without trust in a proxy, its headers change nothing", async () => {
    const base = await serve();
    const reply = await get(base, '/', { Host: 'calls.example', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example' });

    expect(address(reply.text)).toBe('http://calls.example');
    expect(reply.text).not.toContain('evil');
  });

  test('a configured public URL is named whatever the request says', async () => {
    const base = await serve({ trustProxy: true, publicUrl: 'https://video.example.org' });
    const reply = await get(base, '/', { Host: 'evil.example', 'X-Forwarded-Host': 'evil.example' });

    expect(reply.text).toContain(embedFor('https://video.example.org'));
    expect(reply.text).not.toContain('evil');
    expect(reply.headers.vary ?? '').not.toMatch(/X-Forwarded/i);
  });

  test('someone who opens a room link is not shown the operator part', async () => {
    const base = await serve();
    const reply = await get(base, '/?roomId=some-room');

    expect(reply.text).toContain('<body data-page="invitation">');
  });

  test('without built bundles, the page still serves, its snippet without an integrity', async () => {
    const base = await serve({ assets: new Map() });
    const reply = await get(base, '/', { Host: 'calls.example' });

    expect(reply.status).toBe(200);
    expect(reply.text).toContain(escaped(`src="http://calls.example/cignal@${packageVersion}/cignal-call.js"\n        crossorigin="anonymous"></script>`));
  });

  test('links the documentation, served from the package as Markdown; nothing else is served under /docs/', async () => {
    const base = await serve();
    const page = (await get(base, '/')).text;
    for (const [file, path, title] of [
      ['README.md', '/docs/README.md', 'README'],
      ['docs/protocol.md', '/docs/protocol.md', 'Cignal wire protocol'],
      ['docs/architecture.md', '/docs/architecture.md', 'How the SDK is built'],
    ]) {
      expect(page).toContain(`<a href="${path}">${title}</a>`);
      const doc = await get(base, path!);
      expect(doc.status).toBe(200);
      expect(doc.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(doc.headers['x-content-type-options']).toBe('nosniff');
      expect(doc.text).toBe(readFileSync(join(packageRoot, file!), 'utf8'));
    }
    expect(page).toMatch(/<a href="\/healthz">\/healthz<\/a>.*<a href="\/readyz">\/readyz<\/a>/);
    for (const path of ['/docs/', '/docs/package.json', '/docs/..%2fpackage.json', '/docs/screenshot.png', '/docs/%2e%2e%2fREADME.md', '/docs/nope.md']) {
      const reply = await get(base, path);
      expect(reply.status, path).toBe(404);
      expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    }
  });
});

describe('CIGNAL_PUBLIC_URL', () => {
  test('is read as an origin', () => {
    expect(readConfig({}).publicUrl).toBeNull();
    expect(readConfig({ CIGNAL_PUBLIC_URL: 'https://Calls.Example.com/' }).publicUrl).toBe('https://calls.example.com');
    expect(readConfig({ CIGNAL_PUBLIC_URL: 'http://10.0.0.5:8080' }).publicUrl).toBe('http://10.0.0.5:8080');
    expect(readConfig({ CIGNAL_PUBLIC_URL: 'https://[2001:db8::1]:8443' }).publicUrl).toBe('https://[2001:db8::1]:8443');
  });

  test.each(['calls.example.com', 'ftp://calls.example.com', 'https://calls.example.com/cignal', 'https://calls.example.com/?x=1', 'https://user:secret@calls.example.com', 'https://calls.example.com#x', 'https://exa mple.com', 'https://a\\b'])(
    '%s stops the server with a sentence that names the variable and echoes nothing',
    (value) => {
      expect(() => readConfig({ CIGNAL_PUBLIC_URL: value })).toThrow(ConfigError);
      expect(() => readConfig({ CIGNAL_PUBLIC_URL: value })).toThrow(/^CIGNAL_PUBLIC_URL must be the server's public origin/);
      try {
        readConfig({ CIGNAL_PUBLIC_URL: value });
      } catch (error) {
        expect((error as Error).message).not.toContain('secret');
      }
    },
  );
});
