// CDN-style serving of the browser bundles at /cignal@<version>/<file>, and of the element's
// language files at /cignal@<version>/languages/<tag>.js and the parts it loads on demand at
// /cignal@<version>/parts/<name>.js: immutable, ETag, precompressed
// brotli/gzip, open to every origin. Only files present at start-up are served.
import Router, { type RouterContext } from '@koa/router';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';

export interface Asset {
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  etag: string;
  type: string;
}

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** Reads every bundle in `dir` (and in `dir/languages`, `dir/parts`) into memory, pairing each with its precompressed twins; named by path (`languages/ar.js`). */
export async function loadAssets(dir: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  const names = (await readdir(dir, { recursive: true })).filter((name) => !/\.(gz|br)$/.test(name));
  for (const name of names) {
    const type = contentTypes[extname(name)];
    if (!type) continue;
    const body = await readFile(join(dir, name));
    const twin = async (suffix: string) => (existsSync(join(dir, name + suffix)) ? readFile(join(dir, name + suffix)) : undefined);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    assets.set(name, { body, type, etag, br: await twin('.br'), gzip: await twin('.gz') });
  }
  return assets;
}

export function cdnRouter(version: string, assets: Map<string, Asset>): Router {
  const router = new Router();
  const serve = (ctx: RouterContext, file: string) => {
    const asset = assets.get(file);
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (!asset) return ctx.throw(404, `There is no bundle of that name in version ${version}.`);
    if (ctx.params.version === 'latest') {
      ctx.set('Cache-Control', 'no-store');
      ctx.status = 302;
      ctx.redirect(`/cignal@${version}/${file.split('/').map(encodeURIComponent).join('/')}`);
      return;
    }
    if (ctx.params.version !== version) {
      return ctx.throw(404, `That version is not served here; this server has ${version}.`);
    }

    const accepted = ctx.acceptsEncodings(...([asset.br && 'br', asset.gzip && 'gzip', 'identity'].filter(Boolean) as string[]));
    const encoding = accepted === 'br' || accepted === 'gzip' ? accepted : null;
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    // Each encoding is a different representation, so each has its own validator.
    ctx.set('ETag', encoding ? `${asset.etag.slice(0, -1)}-${encoding}"` : asset.etag);
    ctx.vary('Accept-Encoding');
    ctx.type = asset.type;
    // Koa only compares validators for a 2xx (or 304) response, and the status is still 404 here.
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    if (encoding) ctx.set('Content-Encoding', encoding);
    ctx.body = encoding ? asset[encoding]! : asset.body;
  };
  router.get('/cignal@:version/:file', (ctx) => serve(ctx, ctx.params.file));
  router.get('/cignal@:version/languages/:file', (ctx) => serve(ctx, `languages/${ctx.params.file}`));
  router.get('/cignal@:version/parts/:file', (ctx) => serve(ctx, `parts/${ctx.params.file}`));
  return router;
}
