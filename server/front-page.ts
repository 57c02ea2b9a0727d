// The server's front page at `/`: starting a call first, then what whoever runs the server came
// for: the snippet that embeds a call from this very server (its public origin, this version, the
// bundle's integrity hash), a live preview of the element, the SDK import, links to the health
// checks, and the package's documentation, served as Markdown under /docs/.
import Router from '@koa/router';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type Koa from 'koa';
import type { Asset } from './cdn.js';
import { plainHost, setPageHeaders, type SecurityHeaderOptions } from './headers.js';
import { demoDir, packageRoot } from './paths.js';

export interface FrontPageOptions {
  version: string;
  /** The bundles the CDN routes serve: the snippet's integrity hash is that of the one served. */
  assets: Map<string, Asset>;
  headers: SecurityHeaderOptions;
  /** The origin the snippets name (config `publicUrl`). Null: the origin the page was requested at. */
  publicUrl?: string | null;
}

/** What the snippets name when the request gives no usable origin (and none is configured). */
export const PLACEHOLDER_ORIGIN = 'https://calls.example.com';

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => escapes[char]!);

/** The `integrity` value of a bundle: SHA-384 of the very bytes served, as in sri.json. */
export function integrityOf(asset: Asset): string {
  return `sha384-${createHash('sha384').update(asset.body).digest('base64')}`;
}

/**
 * The origin a visitor reached this page at: the request's scheme and host, as forwarded by the
 * proxy when the app trusts one (X-Forwarded-Proto, X-Forwarded-Host). Null when the host is not a
 * plain host[:port]: a Host header is the client's to write, and is never shown as it came.
 */
export function requestOrigin(ctx: Koa.Context): string | null {
  const host = ctx.host;
  if (host.length > 260 || !plainHost.test(host)) return null;
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port !== undefined && Number(port) > 65_535) return null;
  // Koa says https for a TLS connection, else (trusting a proxy) what X-Forwarded-Proto says: only
  // https counts as such, anything else the proxy wrote is plain http.
  const scheme = ctx.protocol === 'https' ? 'https' : 'http';
  return `${scheme}://${host.toLowerCase()}`;
}

export interface Snippets {
  /** The script tag and the element, to paste into any page. */
  embed: string;
  /** The SDK's import, for pages that build their own interface. */
  sdk: string;
  /** The Content-Security-Policy the embedding page needs (README's list, for this server). */
  csp: string;
}

/** The snippets for a server at `origin`, serving `version`; `integrity` is left out when unknown. */
export function snippets(origin: string, version: string, integrity: string | null): Snippets {
  const base = `${origin}/cignal@${version}`;
  const socket = origin.replace(/^http/, 'ws');
  return {
    embed: [
      `<script type="module" src="${base}/cignal-call.js"`,
      `        ${integrity ? `integrity="${integrity}" ` : ''}crossorigin="anonymous"></script>`,
      '<cignal-call></cignal-call>',
    ].join('\n'),
    sdk: [`import { Cignal } from '${base}/cignal.js';`, '', `const cignal = await Cignal.createRoom({ url: '${origin}' });`].join('\n'),
    csp: `default-src 'none'; script-src ${origin}; connect-src ${origin} ${socket}; require-trusted-types-for 'script'; trusted-types lit-html`,
  };
}

interface Doc {
  title: string;
  body: Buffer;
}

/**
 * The package's documentation: README.md (and CHANGELOG.md when there is one) and docs/*.md, read
 * once, each under /docs/<its file name>. Only these files are served, whatever the path asks.
 */
async function readDocs(root: string): Promise<Map<string, Doc>> {
  const files = ['README.md', 'CHANGELOG.md'].filter((name) => existsSync(join(root, name))).map((name) => join(root, name));
  const docsDir = join(root, 'docs');
  if (existsSync(docsDir)) files.push(...(await readdir(docsDir)).filter((name) => name.endsWith('.md')).sort().map((name) => join(docsDir, name)));
  const docs = new Map<string, Doc>();
  for (const file of files) {
    const name = basename(file);
    if (docs.has(name)) continue;
    const body = await readFile(file);
    const title = /^#\s+(.+)$/m.exec(body.toString('utf8'))?.[1]?.trim() ?? name;
    docs.set(name, { title: name === 'README.md' ? 'README' : title, body });
  }
  return docs;
}

/** The list of documentation links on the page, escaped. */
function docsList(docs: Map<string, Doc>): string {
  return [...docs]
    .map(([name, { title }]) => `<li><a href="/docs/${encodeURIComponent(name)}">${escapeHtml(title)}</a></li>`)
    .join('\n        ');
}

/** What the page's template may name, as `__CIGNAL_NAME__`: each is filled with HTML, escaped here. */
const fieldNames = ['VERSION', 'INTEGRITY', 'ORIGIN', 'EMBED', 'SDK', 'CSP', 'DOCS', 'ORIGIN_NOTE_HIDDEN', 'PAGE'] as const;
type Fields = Record<(typeof fieldNames)[number], string>;
const field = /__CIGNAL_([A-Z_]+)__/g;

function fill(template: string, fields: Fields): string {
  return template.replace(field, (_, name: string) => fields[name as keyof Fields]);
}

/** The routes of the front page: `/`, its script and styles, and /docs/<file>. */
export async function frontPage(options: FrontPageOptions): Promise<Router> {
  const { version, headers } = options;
  const template = await readFile(join(demoDir, 'index.html'), 'utf8');
  for (const [, name] of template.matchAll(field)) {
    if (!(fieldNames as readonly string[]).includes(name!)) throw new Error(`index.html names __CIGNAL_${name}__, which the server does not fill`);
  }
  const bundle = options.assets.get('cignal-call.js');
  const integrity = bundle ? integrityOf(bundle) : null;
  const docs = await readDocs(packageRoot);
  const fixed = { VERSION: escapeHtml(version), INTEGRITY: escapeHtml(integrity ?? ''), DOCS: docsList(docs) };
  // The page's script and styles are files of their own, so its policy needs no 'unsafe-inline'.
  const files = new Map([
    ['/demo.js', { type: 'text/javascript; charset=utf-8', body: await readFile(join(demoDir, 'demo.js')) }],
    ['/demo.css', { type: 'text/css; charset=utf-8', body: await readFile(join(demoDir, 'demo.css')) }],
  ]);

  const router = new Router();
  router.get('/', (ctx) => {
    const found = options.publicUrl ?? requestOrigin(ctx);
    const origin = found ?? PLACEHOLDER_ORIGIN;
    const text = snippets(origin, version, integrity);
    // Someone who opened a room's link came to talk, not to set up a server.
    const invited = Boolean(new URLSearchParams(ctx.querystring).get('roomId'));
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-cache');
    // What the page says depends on the proxy's headers too, when they are trusted.
    if (!options.publicUrl && ctx.app.proxy) ctx.vary('X-Forwarded-Host, X-Forwarded-Proto');
    setPageHeaders(ctx, headers);
    ctx.body = fill(template, {
      ...fixed,
      ORIGIN: escapeHtml(origin),
      EMBED: escapeHtml(text.embed),
      SDK: escapeHtml(text.sdk),
      CSP: escapeHtml(text.csp),
      ORIGIN_NOTE_HIDDEN: found ? 'hidden' : '',
      PAGE: invited ? 'invitation' : 'front',
    });
  });
  for (const [path, file] of files) {
    router.get(path, (ctx) => {
      ctx.type = file.type;
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = file.body;
    });
  }
  router.get('/docs/:name', (ctx) => {
    const doc = docs.get(ctx.params.name!);
    if (!doc) return ctx.throw(404, 'There is no document of that name; the front page lists them all.');
    ctx.type = 'text/markdown; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = doc.body;
  });
  return router;
}
