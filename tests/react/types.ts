// cignal/react's types, checked by `npm run typecheck`: each prop has the type of the element's
// property, each `on…` prop gets the event with the SDK payload's type as `detail`, and wrong props
// do not compile. Nothing here runs.
import { CignalCall, type CignalCallElement, type CignalCallProps } from 'cignal/react';
import React from 'react';
import type { CallState, ErrorDetail, NetworkStatus } from '../../sdk/index.js';

const ref = React.createRef<CignalCallElement>();

export const everyKind: CignalCallProps = {
  roomId: 'standup',
  server: 'https://calls.example.com',
  peerName: 'Ada',
  peerId: 'ada-1',
  peerRole: 'host',
  token: 'a.jwt.token',
  audio: false,
  video: true,
  autoCall: true,
  prejoin: false,
  relayOnly: false,
  noChat: true,
  noScreenShare: true,
  noSettings: false,
  noFullscreen: false,
  noNetworkQuality: false,
  labels: { call: 'Appeler' },
  className: 'call',
  style: { height: 480 },
  children: React.createElement('button', null, 'Mine'),
  onPeerJoined: (event) => event.detail.toUpperCase(),
  onStateChange: (event) => {
    const state: CallState = event.detail.state;
    return state;
  },
  onRemoteStream: (event) => event.detail.getVideoTracks(),
  onServerError: (event) => {
    const detail: ErrorDetail = event.detail;
    return detail.code;
  },
  onNetworkStatus: (event) => {
    const status: NetworkStatus = event.detail;
    return status.quality;
  },
  onReconnected: (event) => {
    const none: null = event.detail;
    return none;
  },
  ref,
};

export const element = React.createElement(CignalCall, { roomId: 'standup', onPeerHangUp: (event) => event.detail.reason, ref });

// @ts-expect-error roomId is a string
export const wrongType: CignalCallProps = { roomId: 42 };
// @ts-expect-error state is the element's to set, reported by onStateChange
export const readOnly: CignalCallProps = { state: 'in-call' };
// @ts-expect-error the payload of peerJoined is a display name, not an object
export const wrongDetail: CignalCallProps = { onPeerJoined: (event) => event.detail.name };
// @ts-expect-error methods are called on the element (through ref), not passed as props
export const method: CignalCallProps = { hangUp: () => Promise.resolve({ success: true }) };
