// The server's activity log: one line per join, leave, refused join and failure, written by pino
// as JSON (for a log pipeline) or as a short text line (for a terminal). Room ids are bearer
// secrets of open rooms: they appear as a short keyed hash unless the operator asks for them.
import { createHmac, randomBytes } from 'node:crypto';
import { EOL } from 'node:os';
import type { Redis } from 'ioredis';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { ServerErrorCode } from '../sdk/protocol/index.js';
import type { LogFormat, LogLevel } from './config.js';
import type { ActivityLog } from './signalling/index.js';

export interface ActivityLogOptions {
  format: Exclude<LogFormat, 'off'>;
  /** The least severe line written. Default `info`. */
  level?: LogLevel;
  /** Room ids as they are; otherwise hashed with `roomIdKey`. Default false. */
  plainRoomIds?: boolean;
  /**
   * The key room ids are hashed with (HMAC-SHA-256): the same key gives the same hash. Default: a
   * random key, so that hashes hold for this process only.
   */
  roomIdKey?: string;
  /** Where lines go, one `write` per line. Default: standard output. */
  destination?: DestinationStream;
}

/** How many hex digits of the keyed hash stand for a room id: 64 bits, enough to tell rooms apart. */
const ROOM_HASH_LENGTH = 16;

/** The key of the room id hashes that every server of a cluster shares, kept in Redis. */
const SHARED_KEY = 'cignal:log-room-key';

/**
 * The room id hash key shared by every server on this Redis: created by the first server that
 * asks, read by the others, so that one room has one hash in the logs of every server.
 */
export async function sharedRoomIdKey(redis: Redis): Promise<string> {
  await redis.set(SHARED_KEY, randomBytes(32).toString('base64url'), 'NX');
  const key = await redis.get(SHARED_KEY);
  if (!key) throw new Error('Redis did not keep the key of the room id hashes');
  return key;
}

/** The activity log as pino writes it: JSON lines, or text lines made from them. */
export function createActivityLog(options: ActivityLogOptions): ActivityLog & { logger: Logger } {
  const destination = options.destination ?? (options.format === 'json' ? pino.destination({ dest: 1, sync: true }) : stdout());
  const logger = pino(
    {
      level: options.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.format === 'text' ? asText(destination) : destination,
  );
  const key = options.roomIdKey ?? randomBytes(32).toString('base64url');
  const room = options.plainRoomIds ? (id: string) => id : (id: string) => createHmac('sha256', key).update(id).digest('hex').slice(0, ROOM_HASH_LENGTH);

  return {
    logger,
    joined({ roomId, peerId, resumed, handover }) {
      const msg = resumed ? 'peer resumed' : handover ? 'peer took its seat over from another connection' : 'peer joined';
      logger.info({ event: 'join', room: room(roomId), peer: peerId, resumed, handover }, msg);
    },
    left({ roomId, peerId, reason, joinedAt }) {
      const msg = reason === 'left' ? 'peer left' : 'peer did not come back within its grace';
      logger.info({ event: 'leave', room: room(roomId), peer: peerId, reason, durationMs: Math.max(0, Date.now() - joinedAt) }, msg);
    },
    refused({ code, message, roomId, peerId, address, error }) {
      const level: Level = code === ServerErrorCode.Internal ? 'error' : code === ServerErrorCode.Unavailable ? 'warn' : 'info';
      logger[level]({ event: 'refusal', code, ...(roomId !== undefined && { room: room(roomId) }), ...(peerId !== undefined && { peer: peerId }), address, ...(error && { error }) }, message);
    },
    failed({ code, what, error, roomId, peerId }) {
      const level: Level = code === ServerErrorCode.Unavailable ? 'warn' : 'error';
      logger[level]({ event: 'error', code, ...(roomId !== undefined && { room: room(roomId) }), ...(peerId !== undefined && { peer: peerId }), error }, `${what} failed`);
    },
  };
}

function stdout(): DestinationStream {
  return { write: (line: string) => void process.stdout.write(line) };
}

/** Fields of a JSON line that the text line leaves out: the terminal shows them once, or they are the line's frame. */
const framing = new Set(['level', 'time', 'pid', 'hostname', 'event', 'msg']);

/** Turns pino's JSON lines into short ones: `12:00:01 info  join room=3f9a… peer=alice resumed=false`. */
function asText(destination: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
      const fields = Object.entries(entry)
        // A flag that is not set says nothing worth a terminal's width.
        .filter(([name, value]) => !framing.has(name) && value !== undefined && value !== false)
        .map(([name, value]) => `${name}=${typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)}`);
      destination.write(`${time} ${String(entry.level).padEnd(5)} ${String(entry.event ?? '')} ${fields.join(' ')} - ${String(entry.msg ?? '')}${EOL}`);
    },
  };
}
