// The Koa app: demo page, health check and the CDN-style bundle routes. No sockets here.
import Router from '@koa/router';
import createDebug from 'debug';
import Koa from 'koa';
import { STATUS_CODES } from 'node:http';
import { cdnRouter, type Asset } from './cdn.js';
import { frontPage } from './front-page.js';
import { setSecurityHeaders, type SecurityHeaderOptions } from './headers.js';
import { StoreUnavailableError } from './rooms/store.js';
import { packageVersion } from './paths.js';
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
  /** The `frame-ancestors` source list of the demo page (config `frameAncestors`). Default `'self'`. */
  frameAncestors?: string;
  /** The server speaks HTTPS: responses carry Strict-Transport-Security. */
  tls?: boolean;
  /** The origin the front page's snippets name (config `publicUrl`). Default: the request's origin. */
  publicUrl?: string | null;
}

/** What an error response says: one sentence, never a stack trace or a path of this machine. */
const sentences: Record<number, string> = {
  400: 'The request is malformed.',
  404: 'There is nothing at this address.',
  405: 'This address does not answer that method.',
  500: 'Something went wrong on the server; the error is logged there.',
};

const keptOnError = new Set(['access-control-allow-origin', 'cross-origin-resource-policy', 'allow']);

function errorSentence(error: { status?: number; expose?: boolean; message?: string }, status: number): string {
  // Messages we wrote for the visitor (ctx.throw with a 4xx) say more than the status alone; they
  // are one line of text, checked here so nothing else slips through.
  if (error.expose && status < 500 && typeof error.message === 'string' && /^[^\n]{1,200}$/.test(error.message)) return error.message;
  return sentences[status] ?? `${STATUS_CODES[status] ?? 'Error'}.`;
}

/** True when an error the app emits is a failure of the server, not of the request. */
export function isServerFault(error: Error & { status?: number; code?: unknown }): boolean {
  if (error.status && error.status < 500) return false;
  // A request the client broke (a malformed body Node's parser refused, a connection cut midway)
  // is the client's failure, answered 400 by Node or never read: not one of the server's.
  return !(typeof error.code === 'string' && (error.code.startsWith('HPE_') || clientGone.has(error.code)));
}

export async function createApp(options: AppOptions): Promise<Koa> {
  const version = options.version ?? packageVersion;
  const app = new Koa({ proxy: options.trustProxy ?? false });
  const headers: SecurityHeaderOptions = { frameAncestors: options.frameAncestors ?? "'self'", tls: options.tls ?? false };

  app.on('error', (error: Error, ctx?: Koa.Context) => {
    if (!isServerFault(error)) return;
    // One line: the error object of a parse failure carries the raw bytes the client sent.
    log('%s %s failed: %s', ctx?.method, ctx?.path, describeError(error));
  });

  // Every response, errors included, carries the security headers, and an error says one sentence.
  app.use(async (ctx, next) => {
    setSecurityHeaders(ctx, headers);
    try {
      await next();
    } catch (caught) {
      if (ctx.headerSent) throw caught;
      const error = (caught instanceof Error ? caught : new Error(String(caught))) as Error & { status?: number; statusCode?: number; expose?: boolean };
      const raw = error.status ?? error.statusCode;
      // Headers a route set before failing (caching, validators, an encoding) do not belong to this
      // answer; who may read it (CORS, CORP) and what the address allows still do.
      const kept = Object.entries(ctx.response.headers).filter(([name]) => keptOnError.has(name));
      for (const name of Object.keys(ctx.response.headers)) ctx.remove(name);
      setSecurityHeaders(ctx, headers);
      for (const [name, value] of kept) ctx.set(name, String(value));
      ctx.set('Cache-Control', 'no-store');
      ctx.status = typeof raw === 'number' && raw >= 400 && raw < 600 ? raw : 500;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `${errorSentence(error, ctx.status)}\n`;
      ctx.app.emit('error', error, ctx);
      return;
    }
    // A status without a body (no route matched, a method the route does not answer): Koa would
    // send the bare status text; say what it means instead, keeping the route's headers (Allow).
    if (ctx.status >= 400 && ctx.body == null) {
      const status = ctx.status;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `${errorSentence({}, status)}\n`;
      ctx.status = status;
    }
  });

  // The front page (`/`, its script and styles, /docs/): server/front-page.ts.
  const front = await frontPage({ version, assets: options.assets, headers, publicUrl: options.publicUrl });
  app.use(front.routes()).use(front.allowedMethods());

  const pages = new Router();
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
