// One HTTP(S) server carrying the Koa app and socket.io, with signalling attached.
import cors, { type CorsOptions } from 'cors';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server, type ServerOptions } from 'socket.io';
import type { DestinationStream } from 'pino';
import { Limits, ServerErrorCode } from '../sdk/protocol/index.js';
import { createActivityLog, sharedRoomIdKey } from './activity-log.js';
import { createApp, isServerFault } from './app.js';
import { loadAssets } from './cdn.js';
import { readConfig, type ServerConfig } from './config.js';
import { strictTransportSecurity } from './headers.js';
import { cdnDir, packageVersion } from './paths.js';
import { connectCluster, type Cluster } from './cluster.js';
import { CallReportMetrics } from './call-report-metrics.js';
import { Metrics } from './metrics.js';
import { operationsRouter } from './ops.js';
import type { RoomStore } from './rooms/store.js';
import { initSocketServer, type ActivityLog, type Signalling } from './signalling/index.js';
import type { CignalServer as CignalSocketServer } from './signalling/types.js';
import { describeError } from './signalling/log.js';

/** socket.io options sized for signalling: SDP-sized messages, any embedding origin by default. */
export function socketServerOptions(config: Pick<ServerConfig, 'allowedOrigins'> = { allowedOrigins: '*' }): Partial<ServerOptions> {
  const allowed = config.allowedOrigins;
  return {
    // CORS headers only govern HTTP long-polling; a browser's WebSocket is checked here, by its
    // Origin header. Clients that are not browsers send none and are not subject to it, and the
    // server's own pages (same host) are always welcome.
    allowRequest: (request, callback) => {
      const origin = request.headers.origin;
      callback(null, allowed === '*' || origin === undefined || allowed.includes(origin) || sameHost(origin, request.headers.host));
    },
    // The largest message is an offer: its SDP plus a little JSON around it.
    maxHttpBufferSize: Limits.sdpMaxLength + 8 * 1024,
    cors: { origin: config.allowedOrigins === '*' ? '*' : config.allowedOrigins, methods: ['GET', 'POST'] },
    // A refused or idle handshake does not hold a connection for long.
    connectTimeout: 10_000,
    serveClient: false,
  };
}

/** What long-polling uses: GET to receive, POST to send, OPTIONS for a CORS preflight. */
const pollingMethods = new Set(['GET', 'POST', 'OPTIONS']);

/**
 * Applies socket.io's CORS headers to its HTTP requests (long-polling) alone. As socket.io's `cors`
 * option, engine.io would run them as a middleware on every request, WebSocket upgrades included,
 * behind a chain of promises each; a browser applies no CORS to a WebSocket. Called once socket.io
 * is attached: its request listener (which hands other paths to the app) is wrapped.
 * Any other method is refused here with 405: engine.io answers one on a live session (a PUT or a
 * HEAD with a valid sid) with a bare 500, as if the server had failed.
 */
function corsForPolling(http: HttpServer, io: Server, options: CorsOptions): void {
  const headers = cors(options);
  const path = `${io.path()}/`;
  const listeners = http.listeners('request') as RequestListener[];
  http.removeAllListeners('request');
  http.on('request', (request, response) => {
    const handle = () => {
      for (const listener of listeners) listener.call(http, request, response);
    };
    if (!request.url?.startsWith(path)) return handle();
    if (!pollingMethods.has(request.method ?? '')) {
      response.writeHead(405, { Allow: 'GET, POST, OPTIONS', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method Not Allowed');
      return;
    }
    headers(request, response, handle);
  });
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export interface CignalServer {
  http: HttpServer;
  io: Server;
  signalling: Signalling;
  config: ServerConfig;
  /** Starts listening; resolves with the URL it listens on. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface CreateServerOptions {
  /** The configuration; what it leaves out takes the defaults. Without it, the environment is read. */
  config?: Partial<ServerConfig>;
  /** Where seats live. Default: Redis when `config.redisUrl` is set, else in memory. */
  store?: RoomStore;
  /** Where the browser bundles are read from. Default: dist/cdn of this package. */
  assetsDir?: string;
  /** Where the activity log's lines go (config `logFormat`), one `write` each. Default: standard output. */
  logDestination?: DestinationStream;
}

export async function createServer(options: CreateServerOptions = {}): Promise<CignalServer> {
  const config = { ...readConfig(options.config ? {} : process.env), ...options.config };
  const assets = await loadAssets(options.assetsDir ?? cdnDir);
  let signalling: Signalling | undefined;
  let metrics: Metrics | undefined;
  let closing = false;
  const app = await createApp({
    assets,
    trustProxy: config.trustProxy,
    frameAncestors: config.frameAncestors,
    tls: config.tls !== null,
    publicUrl: config.publicUrl,
    rooms: () => signalling!.totalRoomsRunning(),
  });
  // Readiness, metrics and the admin API; mounted before the app starts serving.
  const operations = operationsRouter({
    store: () => signalling!.store,
    closing: () => closing,
    metrics: config.metricsToken ? { token: config.metricsToken, registry: () => metrics! } : null,
    adminToken: config.adminToken,
  });
  app.use(operations.routes()).use(operations.allowedMethods());

  const http = config.tls
    ? createHttpsServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, app.callback())
    : createHttpServer(app.callback());
  // With Redis, rooms are shared by every server of the cluster and socket.io reaches the sockets
  // of the other servers through its adapter.
  const cluster: Cluster | null = config.redisUrl && !options.store ? await connectCluster(config.redisUrl, { nodeTtlMs: config.nodeTtlMs }) : null;
  const { cors: corsOptions, ...ioOptions } = socketServerOptions(config);
  const io = new Server(http, { ...ioOptions, ...(cluster && { adapter: cluster.adapter }) });
  corsForPolling(http, io, corsOptions as CorsOptions);
  // socket.io answers its own HTTP requests (long-polling, the WebSocket upgrade) outside the app.
  io.engine.on('headers', (headers: Record<string, string>) => {
    headers['X-Content-Type-Options'] = 'nosniff';
    if (config.tls) headers['Strict-Transport-Security'] = strictTransportSecurity;
  });
  let activityLog: ActivityLog | null = null;
  if (config.logFormat !== 'off') {
    // With Redis, one room has one hash in the logs of every server of the cluster.
    const roomIdKey = cluster && !config.logRoomIds ? await sharedRoomIdKey(cluster.redis) : undefined;
    activityLog = createActivityLog({ format: config.logFormat, level: config.logLevel, plainRoomIds: config.logRoomIds, roomIdKey, destination: options.logDestination });
    const log = activityLog;
    app.on('error', (error: Error, ctx?: { method: string; path: string }) => {
      if (!isServerFault(error)) return;
      log.failed({ code: ServerErrorCode.Internal, what: `answering ${ctx?.method} ${ctx?.path.slice(0, 200)}`, error: describeError(error) });
    });
  }
  // Reports become metrics, or nothing: without the metrics endpoint the server takes none.
  const callReports = config.callReports && config.metricsToken ? new CallReportMetrics() : null;
  signalling = initSocketServer(io, {
    store: options.store ?? cluster?.store,
    iceServers: config.iceServers,
    turn: config.turn,
    reconnectGraceMs: config.reconnectGraceMs,
    rateLimit: config.rateLimit,
    ipLimits: { ...config.ipLimits, redis: cluster?.redis, nodeTtlMs: config.nodeTtlMs },
    trustProxy: config.trustProxy,
    joinSecret: config.joinSecret,
    activityLog,
    callReports,
  });
  if (config.metricsToken) {
    metrics = new Metrics({ version: packageVersion, counts: signalling.counts, io: io as CignalSocketServer, store: signalling.store, callReports: callReports?.registry });
  }

  return {
    http,
    io,
    signalling,
    config,
    listen: () =>
      new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.port, config.host, () => {
          http.off('error', reject);
          const { port } = http.address() as AddressInfo;
          const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
          resolve(`${config.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`);
        });
      }),
    close: async () => {
      closing = true;
      await signalling!.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await cluster?.close();
    },
  };
}
