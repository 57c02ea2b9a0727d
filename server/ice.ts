// ICE servers handed to each joining peer: the configured list plus, when a TURN secret is set,
// short-lived TURN credentials (the "TURN REST API" scheme that coturn's use-auth-secret accepts).
import { createHmac } from 'node:crypto';
import type { IceServer } from '../sdk/protocol/index.js';

/** A public STUN server: enough for most home networks, never enough for all. */
export const DEFAULT_ICE_SERVERS: IceServer[] = [{ urls: 'stun:stun.l.google.com:19302' }];

export interface TurnSecret {
  secret: string;
  urls: string[];
  ttlSeconds: number;
}

export function iceServersFor(peerId: string, staticServers: IceServer[], turn: TurnSecret | null, now = Date.now()): IceServer[] {
  if (!turn) return staticServers;
  const username = `${Math.floor(now / 1000) + turn.ttlSeconds}:${peerId}`;
  const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
  return [...staticServers, { urls: turn.urls, username, credential }];
}
