// Redis for a cluster of servers: the shared room store and socket.io's adapter, from REDIS_URL.
import createDebug from 'debug';
import { Redis, type RedisOptions } from 'ioredis';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { ConfigError } from './config.js';
import { RedisRoomStore } from './rooms/redis.js';

const log = createDebug('cignal:cluster');

export interface Cluster {
  store: RedisRoomStore;
  /** The store's connection (fails fast while Redis is away), also used for the limits per address. */
  redis: Redis;
  /** socket.io's adapter: emits to a socket of another server, and disconnects it, through Redis. */
  adapter: ReturnType<typeof createAdapter>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  nodeTtlMs?: number;
  /** How long the start waits for Redis. Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Told when the connection to Redis is lost and when it is back. Default: console. */
  report?: (message: string) => void;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Connects to Redis at `url`; a Redis that cannot be reached at start is a ConfigError naming
 * REDIS_URL. Once running, a lost connection is retried without end: meanwhile the store
 * refuses at once (StoreUnavailableError) and the adapter queues what it relays.
 */
export async function connectCluster(url: string, options: ClusterOptions = {}): Promise<Cluster> {
  const report = options.report ?? ((message: string) => console.warn(message));
  const shown = redactUrl(url);
  const retryStrategy = (attempt: number) => Math.min(100 * attempt, 2_000);
  // The store fails fast: a join is refused with a clear code rather than left waiting.
  const storeOptions: RedisOptions = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 3_000, retryStrategy, connectionName: 'cignal-store' };
  const client = new Redis(url, storeOptions);
  let lastError = '';
  client.on('error', (error: Error) => {
    lastError = error.message;
    log('redis (store): %s', error.message);
  });
  try {
    await withTimeout(client.connect(), options.connectTimeoutMs ?? 5_000);
  } catch (error) {
    client.disconnect();
    throw new ConfigError(`REDIS_URL: cannot reach Redis at ${shown}: ${lastError || (error as Error).message}`);
  }
  let lost = false;
  let closing = false;
  client.on('close', () => {
    // Our own quit() closes the connection too; that is no loss to report.
    if (lost || closing) return;
    lost = true;
    report(`Lost the connection to Redis at ${shown}; new joins are refused until it is back`);
  });
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    report(`Redis at ${shown} is back`);
  });

  // The adapter's client keeps what it relays while Redis is away, and sends it on return.
  const publisher = new Redis(url, { retryStrategy, connectionName: 'cignal-adapter' });
  publisher.on('error', (error: Error) => log('redis (adapter): %s', error.message));
  const store = new RedisRoomStore(client, { nodeTtlMs: options.nodeTtlMs });
  return {
    store,
    redis: client,
    adapter: createAdapter(publisher, { streamName: 'cignal:socket.io', channelPrefix: 'cignal:socket.io', sessionKeyPrefix: 'cignal:sio:session:' }),
    async close() {
      closing = true;
      // The adapter's own reading and subscribing clients close with socket.io (io.close()).
      await withTimeout(Promise.allSettled([client.quit(), publisher.quit()]), 1_000).catch(() => undefined);
      client.disconnect();
      publisher.disconnect();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
