// The Koa app: demo page, health check and the CDN-style bundle routes. No sockets here.
import Router from '@koa/router';
import createDebug from 'debug';
import Koa from 'koa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cdnRouter, type Asset } from './cdn.js';
import { StoreUnavailableError } from './rooms/store.js';
import { demoDir, packageVersion } from './paths.js';
import { describeError } from './signalling/log.js';

const log = createDebug('cignal:http');

/** Error codes of a connection the client closed or reset while its request was being handled. */
const clientGone = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

export interface AppOptions {
  version?: string;
  assets: Map<string, Asset>;
  /** Reports the number of live rooms on /healthz. */
  rooms?: () => Promise<number>;
  trustProxy?: boolean;
}

export async function createApp(options: AppOptions): Promise<Koa> {
  const version = options.version ?? packageVersion;
  const app = new Koa({ proxy: options.trustProxy ?? false });
  const demo = (await readFile(join(demoDir, 'index.html'), 'utf8')).replaceAll('__CIGNAL_VERSION__', version);

  app.on('error', (error: Error & { status?: number; expose?: boolean; code?: unknown }, ctx?: Koa.Context) => {
    if (error.status && error.status < 500) return;
    // A request the client broke (a malformed body Node's parser refused, a connection cut midway)
    // is the client's failure, answered 400 by Node or never read: not one of the server's.
    if (typeof error.code === 'string' && (error.code.startsWith('HPE_') || clientGone.has(error.code))) return;
    // One line: the error object of a parse failure carries the raw bytes the client sent.
    log('%s %s failed: %s', ctx?.method, ctx?.path, describeError(error));
  });

  const pages = new Router();
  pages.get('/', (ctx) => {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.body = demo;
  });
  pages.get('/healthz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      ctx.body = { ok: true, version, rooms: options.rooms ? await options.rooms() : undefined };
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      // The server itself is fine and recovers by itself: a restart would not help, and calls in
      // progress go on. New joins are refused until the store is back.
      ctx.body = { ok: true, version, rooms: null, store: 'unavailable' };
    }
  });

  const cdn = cdnRouter(version, options.assets);
  app.use(pages.routes()).use(pages.allowedMethods());
  app.use(cdn.routes()).use(cdn.allowedMethods());
  return app;
}
