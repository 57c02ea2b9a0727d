// How a TURN server fails, told as it happens: read from the peer connection's
// `icecandidateerror`, instead of a call that waits for candidates that never come.
import { CignalError, ClientErrorCode } from './errors.js';

/**
 * Reports, once each per peer connection, TURN credentials refused (401, or 403 from coturn) at
 * once, and a TURN server unreachable (701) once gathering is complete without a relayed
 * candidate. `fatal` is set when the call cannot go on without the relay: a relay-only call
 * without a relayed candidate (the credentials are the same for every URL of the server).
 */
export function watchTurn(pc: RTCPeerConnection, relayOnly: boolean, report: (error: CignalError, fatal: boolean) => void): void {
  const reported = new Set<string>();
  let relayed = false;
  let unreachable = false;
  const tell = (code: ClientErrorCode, message: string) => {
    if (reported.has(code)) return;
    reported.add(code);
    report(new CignalError(code, message), relayOnly && !relayed);
  };
  pc.addEventListener('icecandidate', ({ candidate }) => (relayed ||= candidate?.type === 'relay'));
  pc.addEventListener('icecandidateerror', (event) => {
    const { errorCode, url } = event as RTCPeerConnectionIceErrorEvent;
    if (!/^turns?:/.test(url ?? '')) return;
    if (errorCode === 401 || errorCode === 403) tell(ClientErrorCode.TurnUnauthorized, 'The TURN server refused the credentials');
    else if (errorCode === 701) unreachable = true;
  });
  pc.addEventListener('icegatheringstatechange', () => {
    if (pc.iceGatheringState === 'complete' && unreachable && !relayed) tell(ClientErrorCode.TurnUnreachable, 'The TURN server could not be reached');
  });
}
