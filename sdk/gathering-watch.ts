// Watches one peer connection's local ICE candidates for two things its owner acts on: the first
// gathering that yields no candidate in time (Chromium's gathering occasionally never starts: a
// new connection helps), and, once connected, a candidate on a host address the connection had
// not used (the device moved to another network, which the current path does not survive).
import type { Logger } from './logger.js';

export interface GatheringWatchOptions {
  /** How long the first gathering may go without a single local candidate. Default: 3000. */
  timeoutMs?: number;
  onStall: () => void;
  onNewAddress?: () => void;
  /** Whether the connection has been connected once. */
  connected: () => boolean;
  logger: Logger;
}

/** Watches `pc` until the returned function is called. */
export function watchGathering(pc: RTCPeerConnection, { timeoutMs = 3000, onStall, onNewAddress, connected, logger }: GatheringWatchOptions): () => void {
  const listening = new AbortController();
  const { signal } = listening;
  let sawCandidate = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Local host addresses seen on this connection. */
  const addresses = new Set<string>();
  pc.addEventListener(
    'icegatheringstatechange',
    () => {
      // Only the first gathering: an ICE restart during an outage finds no candidate for as long
      // as the network is gone, and rebuilding the connection then would not help.
      if (pc.iceGatheringState !== 'gathering' || sawCandidate || connected()) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (sawCandidate) return;
        logger.warn('ICE gathering produced no candidate in %d ms', timeoutMs);
        onStall();
      }, timeoutMs);
    },
    { signal },
  );
  pc.addEventListener(
    'icecandidate',
    ({ candidate }) => {
      if (!candidate?.candidate) return;
      sawCandidate = true;
      clearTimeout(timer);
      if (candidate.type !== 'host' || !candidate.address) return;
      const known = addresses.has(candidate.address);
      addresses.add(candidate.address);
      if (known || addresses.size < 2 || pc.connectionState === 'new' || !connected()) return;
      // Once connected, a browser gathers again only for an ICE restart (ours or the other side's):
      // one found then is already among that restart's candidates, which the other side receives.
      if (pc.iceGatheringState === 'gathering') return;
      logger.debug('a local address appeared (%s): the network changed', candidate.address);
      onNewAddress?.();
    },
    { signal },
  );
  return () => {
    listening.abort();
    clearTimeout(timer);
  };
}
