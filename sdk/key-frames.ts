// Key frames on demand for one peer connection's video. After an outage or a switch of network
// path, the other side cannot decode what follows until a key frame comes, and its own request
// for one waits for a timeout of its decoder (seconds). Pausing and resuming the encoding is the
// one way the API gives to make the encoder start again from a key frame.
import type { Logger } from './logger.js';

/** A key frame asked for this soon after the last one went out is served by that one. */
const KEY_FRAME_SERVES_MS = 500;

export interface KeyFrames {
  /** Makes the video encoder start again from a key frame. One restart at a time; one asked for meanwhile is made after it. */
  send(): Promise<void>;
  /**
   * Once connected, a switch to another candidate pair (after an ICE restart or a network change)
   * loses the packets in flight on the old one: the other side gets a key frame at once. Off with `false`.
   */
  followPath(pc: RTCPeerConnection, follow?: boolean): void;
}

/** `sender`: the connection's video sender, read at each request; `closed`: whether the connection is closed. */
export function keyFrames(sender: () => RTCRtpSender | undefined, closed: () => boolean, log: Logger): KeyFrames {
  /** A restart of the encoder: none, one running, or one running and another asked for. */
  let state: 'idle' | 'running' | 'again' = 'idle';
  /** When the last restart ended. */
  let at = -Infinity;
  const send = async () => {
    const video = sender();
    if (!video?.track || closed()) return;
    // Asked for again right after one went out (both sides see the media return at once): that one serves.
    if (state === 'idle' && performance.now() - at < KEY_FRAME_SERVES_MS) return;
    if (state !== 'idle') {
      state = 'again';
      return;
    }
    try {
      do {
        state = 'running';
        await setActive(video, false).catch((error) => log.debug('no key frame: %o', error));
        // Resumed whatever happened, or the video would stay off (nothing else pauses it).
        await setActive(video, true).catch((error) => !closed() && log.warn('video not resumed: %o', error));
      } while ((state as string) === 'again' && !closed());
    } finally {
      state = 'idle';
      at = performance.now();
    }
  };
  return {
    send,
    followPath(pc, follow = true) {
      const transport = pc.getSenders().find((s) => s.transport)?.transport?.iceTransport;
      if (transport) transport.onselectedcandidatepairchange = follow ? () => void send() : null;
    },
  };
}

function setActive(sender: RTCRtpSender, active: boolean): Promise<void> {
  const parameters = sender.getParameters();
  for (const encoding of parameters.encodings) encoding.active = active;
  return sender.setParameters(parameters);
}
