// The routes an operator's tools call: readiness for a load balancer (`/readyz`), Prometheus
// metrics (`/metrics`) and the admin API (`/admin/rooms`, `/admin/rooms/count`). Metrics and the
// admin API exist only when their bearer token is configured; otherwise they answer 404, as any
// address that does not exist.
import Router, { type RouterMiddleware } from '@koa/router';
import type Koa from 'koa';
import { createHash, timingSafeEqual } from 'node:crypto';
import { within, type MaybePromise } from './maybe-promise.js';
import type { Metrics } from './metrics.js';
import { StoreUnavailableError, type RoomStore } from './rooms/store.js';

export interface OperationsOptions {
  /** The room store this server seats peers in (with Redis, the whole cluster's). */
  store: () => RoomStore;
  /** True once the server has begun to shut down. */
  closing: () => boolean;
  /** Null leaves `/metrics` out. */
  metrics: { token: string; registry: () => Metrics } | null;
  /** Null leaves the admin API out. */
  adminToken: string | null;
  /** How long /readyz and the admin API wait for the room store. Default 1 000 ms. */
  storeTimeoutMs?: number;
}

/** Rooms one `/admin/rooms` answer lists unless asked for fewer, and at most. */
export const ADMIN_PAGE_DEFAULT = 100;
export const ADMIN_PAGE_MAX = 1_000;

/** Why the server is not ready, as /readyz says it. */
type NotReady = 'shutting-down' | 'store-unavailable';

export function operationsRouter(options: OperationsOptions): Router {
  const router = new Router();
  const timeoutMs = options.storeTimeoutMs ?? 1_000;
  // A store that does not answer in time counts as one that cannot be reached.
  const ask = <T>(question: (store: RoomStore) => MaybePromise<T>): Promise<T> =>
    within(() => question(options.store()), timeoutMs, () => new StoreUnavailableError(`The room store did not answer within ${timeoutMs} ms`));

  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    // Said at once: a balancer stops sending people here while the connections close.
    if (options.closing()) return notReady(ctx, 'shutting-down');
    try {
      await ask((store) => store.count());
    } catch {
      return notReady(ctx, 'store-unavailable');
    }
    ctx.body = { ok: true };
  });

  if (options.metrics) {
    const { token, registry } = options.metrics;
    router.get('/metrics', bearer(token, 'metrics'), async (ctx) => {
      const metrics = registry();
      ctx.set('Cache-Control', 'no-store');
      ctx.type = metrics.contentType;
      ctx.body = await metrics.render();
    });
  }

  if (options.adminToken) {
    const admin = bearer(options.adminToken, 'admin');
    router.get('/admin/rooms/count', admin, async (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      await answerFromStore(ctx, async () => ({ count: await ask((store) => store.count()) }));
    });
    router.get('/admin/rooms', admin, async (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      const offset = whole(ctx, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
      const limit = whole(ctx, 'limit', ADMIN_PAGE_DEFAULT, 1, ADMIN_PAGE_MAX);
      await answerFromStore(ctx, async () => {
        const [rooms, total] = await Promise.all([ask((store) => store.list({ offset, limit })), ask((store) => store.count())]);
        const next = offset + limit < total ? `/admin/rooms?offset=${offset + limit}&limit=${limit}` : null;
        return { rooms, total, next };
      });
    });
  }
  return router;
}

function notReady(ctx: Koa.Context, reason: NotReady): void {
  ctx.status = 503;
  ctx.body = { ok: false, reason };
}

/** Answers with what the store says; 503 `store-unavailable` while it cannot be reached (or does not answer in time). */
async function answerFromStore(ctx: Koa.Context, answer: () => Promise<object>): Promise<void> {
  try {
    ctx.body = await answer();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    notReady(ctx, 'store-unavailable');
  }
}

/** A whole number from the query string, within bounds; 400 with a sentence otherwise. */
function whole(ctx: Koa.Context, name: string, fallback: number, min: number, max: number): number {
  const raw = ctx.query[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) ctx.throw(400, `${name} must be a whole number from ${min} to ${max}.`);
  return value;
}

/**
 * Lets a request through only with `Authorization: Bearer <token>`. The two are compared as
 * SHA-256 digests, equal in length whatever was sent, in constant time.
 */
function bearer(token: string, realm: string): RouterMiddleware {
  const expected = digest(token);
  return async (ctx, next) => {
    const presented = /^Bearer +(\S+) *$/i.exec(ctx.get('Authorization'))?.[1];
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return next();
    // Set here rather than thrown: the error handler keeps no header of a failed request.
    ctx.status = 401;
    ctx.set('WWW-Authenticate', `Bearer realm="${realm}"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = presented === undefined ? 'This address needs a bearer token (Authorization: Bearer <token>).\n' : 'The bearer token is not valid.\n';
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
