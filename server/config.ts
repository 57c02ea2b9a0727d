// Server configuration from environment variables (and a .env file), validated at start-up.
import { existsSync } from 'node:fs';
import { IceServersSchema, describeIssues, safeParse, type IceServer } from '../sdk/protocol/index.js';
import { DEFAULT_ICE_SERVERS } from './ice.js';
import { DEFAULT_IP_LIMITS, type IpLimits } from './signalling/limits.js';
import { JOIN_SECRET_MIN_LENGTH } from './signalling/join-token.js';

export interface ServerConfig {
  port: number;
  host: string;
  tls: { cert: string; key: string } | null;
  iceServers: IceServer[];
  turn: { secret: string; urls: string[]; ttlSeconds: number } | null;
  reconnectGraceMs: number;
  /** Sustained messages per second per socket, and the burst above it. */
  rateLimit: { perSecond: number; burst: number };
  /** Budgets per client address over all of its sockets (0 turns one off); shared across servers on Redis. */
  ipLimits: IpLimits;
  /** Origins allowed to open a socket; '*' allows any page to embed the call. */
  allowedOrigins: '*' | string[];
  trustProxy: boolean;
  /** Redis for a cluster of servers (rooms and the socket.io adapter); null keeps rooms in memory. */
  redisUrl: string | null;
  /** How long a server of a cluster counts as alive after its last heartbeat in Redis. */
  nodeTtlMs: number;
  /**
   * Which pages may show the server's own pages (the demo) in a frame: the source list of the
   * Content-Security-Policy `frame-ancestors` directive, e.g. `'self'` or `'self' https://app.example`.
   */
  frameAncestors: string;
  /** The secret join tokens are signed with (HS256); when set, every join needs a token. Null leaves rooms open. */
  joinSecret: string | null;
  /**
   * The origin people reach this server at (`https://calls.example.com`), shown in the front page's
   * embed snippet. Null: the origin each request for the page was made to.
   */
  publicUrl: string | null;
  /** The bearer token that `/metrics` asks for; null turns the endpoint off (404). */
  metricsToken: string | null;
  /** The bearer token that the admin API (`/admin/rooms`, `/admin/rooms/count`) asks for; null turns it off (404). */
  adminToken: string | null;
  /** The activity log (one line per join, leave, refusal and error): JSON lines, short text lines, or none. */
  logFormat: LogFormat;
  /** The least severe activity that is logged. */
  logLevel: LogLevel;
  /** Room ids appear in the activity log as they are; otherwise as a short keyed hash. */
  logRoomIds: boolean;
  /** Take the call reports clients send and fold them into `/metrics` (only with `metricsToken`: else they would go nowhere). */
  callReports: boolean;
}

/** How the activity log is written: `json` lines for a log pipeline, `text` lines for a terminal, or `off`. */
export type LogFormat = 'json' | 'text' | 'off';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text', 'off'];
/** pino's levels, from the most verbose; `silent` logs nothing. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** The shortest bearer token accepted for /metrics and the admin API: 32 characters, as for the join secret. */
export const BEARER_TOKEN_MIN_LENGTH = 32;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function json(env: Env, name: string): unknown {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`${name} must be JSON: ${(error as Error).message}`);
  }
}

const frameKeywords: Record<string, string> = { self: "'self'", "'self'": "'self'", none: "'none'", "'none'": "'none'", '*': '*' };
// An origin as CSP writes it: http(s), a host (its leftmost label may be *), an optional port (or *).
const frameOrigin = /^https?:\/\/(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:(\d{1,5}|\*))?$|^https?:\/\/\[[0-9a-f:.]+\](:(\d{1,5}|\*))?$/i;

/** CIGNAL_FRAME_ANCESTORS as a `frame-ancestors` source list; quotes around self and none are optional. */
function frameAncestors(env: Env): string {
  const raw = (env.CIGNAL_FRAME_ANCESTORS ?? '').trim();
  if (raw === '') return "'self'";
  const sources = raw.split(/[\s,]+/).filter(Boolean);
  const normalised = sources.map((source) => {
    const keyword = frameKeywords[source.toLowerCase()];
    if (keyword) return keyword;
    if (frameOrigin.test(source)) return source.toLowerCase();
    throw new ConfigError(
      `CIGNAL_FRAME_ANCESTORS must list origins (https://app.example), 'self', 'none' or *, separated by spaces or commas; "${source}" is none of these`,
    );
  });
  if (normalised.includes("'none'") && normalised.length > 1) throw new ConfigError("CIGNAL_FRAME_ANCESTORS: 'none' cannot be combined with other sources");
  return [...new Set(normalised)].join(' ');
}

/** CIGNAL_PUBLIC_URL as an origin: http or https, a host and an optional port; a trailing slash at most. */
function publicUrl(env: Env): string | null {
  const raw = (env.CIGNAL_PUBLIC_URL ?? '').trim();
  if (raw === '') return null;
  const invalid = new ConfigError("CIGNAL_PUBLIC_URL must be the server's public origin, such as https://calls.example.com (http or https, no path)");
  // No path, query or credentials: the snippets put their own path after the origin.
  if (!/^https?:\/\/[^/\\?#@\s]+\/?$/i.test(raw)) throw invalid;
  try {
    return new URL(raw).origin;
  } catch {
    throw invalid;
  }
}

/** A secret of at least `min` characters, or null when unset; said without echoing the value. */
function secret(env: Env, name: string, min: number): string | null {
  const value = env[name] || null;
  if (value !== null && value.length < min) throw new ConfigError(`${name} must be at least ${min} characters long (it has ${value.length})`);
  return value;
}

/** A token that clients send as `Authorization: Bearer <token>`: long enough, and one word of printable ASCII. */
function bearerToken(env: Env, name: string): string | null {
  const value = secret(env, name, BEARER_TOKEN_MIN_LENGTH);
  if (value !== null && !/^[\x21-\x7e]+$/.test(value)) throw new ConfigError(`${name} must be printable ASCII without spaces (it is sent in an Authorization header)`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${env[name]}"`);
  return raw as T;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/** Reads the configuration; throws ConfigError with the variable's name when a value is wrong. */
export function readConfig(env: Env = process.env): ServerConfig {
  const iceRaw = json(env, 'CIGNAL_ICE_SERVERS');
  let iceServers = DEFAULT_ICE_SERVERS;
  if (iceRaw !== undefined) {
    const parsed = safeParse(IceServersSchema, iceRaw);
    if (!parsed.success) throw new ConfigError(`CIGNAL_ICE_SERVERS: ${describeIssues(parsed.issues)}`);
    iceServers = parsed.output;
  }

  const { TLS_CERT: cert, TLS_KEY: key } = env;
  if (Boolean(cert) !== Boolean(key)) throw new ConfigError('TLS_CERT and TLS_KEY must be set together');
  for (const [name, file] of [['TLS_CERT', cert], ['TLS_KEY', key]] as const) {
    if (file && !existsSync(file)) throw new ConfigError(`${name} names a file that does not exist: ${file}`);
  }

  let turn: ServerConfig['turn'] = null;
  if (env.CIGNAL_TURN_SECRET) {
    const urls = (env.CIGNAL_TURN_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    if (urls.length === 0 || !urls.every((u) => /^turns?:/.test(u))) {
      throw new ConfigError('CIGNAL_TURN_URLS must list turn: or turns: URLs, comma-separated, when CIGNAL_TURN_SECRET is set');
    }
    turn = { secret: env.CIGNAL_TURN_SECRET, urls, ttlSeconds: integer(env, 'CIGNAL_TURN_TTL', 86_400, 60, 7 * 86_400) };
  }

  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl !== null) {
    let protocol = '';
    try {
      protocol = new URL(redisUrl).protocol;
    } catch {
      // Reported below, without echoing a value that may hold a password.
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  }

  const joinSecret = secret(env, 'CIGNAL_JOIN_SECRET', JOIN_SECRET_MIN_LENGTH);
  const metricsToken = bearerToken(env, 'CIGNAL_METRICS_TOKEN');
  const adminToken = bearerToken(env, 'CIGNAL_ADMIN_TOKEN');
  // A log pipeline reads JSON; a terminal reads a short line.
  const logFormat = oneOf(env, 'CIGNAL_LOG_FORMAT', LOG_FORMATS, env.NODE_ENV === 'production' ? 'json' : 'text');

  const origins = (env.CIGNAL_ALLOWED_ORIGINS ?? '*').trim();
  return {
    port: integer(env, 'PORT', 8080, 0, 65_535),
    host: env.HOST || '0.0.0.0',
    tls: cert && key ? { cert, key } : null,
    iceServers,
    turn,
    reconnectGraceMs: integer(env, 'CIGNAL_RECONNECT_GRACE_MS', 10_000, 0, 600_000),
    rateLimit: {
      perSecond: integer(env, 'CIGNAL_RATE_LIMIT', 50, 1, 10_000),
      burst: integer(env, 'CIGNAL_RATE_BURST', 200, 1, 100_000),
    },
    ipLimits: {
      connections: integer(env, 'CIGNAL_IP_CONNECTIONS', DEFAULT_IP_LIMITS.connections, 0, 1_000_000),
      joinsPerMinute: integer(env, 'CIGNAL_IP_JOINS_PER_MINUTE', DEFAULT_IP_LIMITS.joinsPerMinute, 0, 1_000_000),
      messagesPerSecond: integer(env, 'CIGNAL_IP_MESSAGES_PER_SECOND', DEFAULT_IP_LIMITS.messagesPerSecond, 0, 10_000_000),
    },
    allowedOrigins: origins === '*' || origins === '' ? '*' : origins.split(',').map((o) => o.trim()).filter(Boolean),
    trustProxy: env.CIGNAL_TRUST_PROXY === 'true' || env.CIGNAL_TRUST_PROXY === '1',
    redisUrl,
    nodeTtlMs: integer(env, 'CIGNAL_NODE_TTL_MS', 10_000, 300, 600_000),
    frameAncestors: frameAncestors(env),
    joinSecret,
    publicUrl: publicUrl(env),
    metricsToken,
    adminToken,
    logFormat,
    logLevel: oneOf(env, 'CIGNAL_LOG_LEVEL', LOG_LEVELS, 'info'),
    logRoomIds: flag(env, 'CIGNAL_LOG_ROOM_IDS'),
    callReports: flag(env, 'CIGNAL_CALL_REPORTS'),
  };
}

/** Loads `.env` from the working directory when present; variables already set win. */
export function loadDotEnv(file = '.env'): boolean {
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}
