// The texts <cignal-call> shows and announces, in English; its `labels` property replaces any of them.
import type { CallState, ErrorCode } from '../sdk/index.js';

/** Every text of the element. `{name}` stands for the other person's display name. */
export interface CignalLabels extends Record<CallState, string> {
  /** Status while the camera starts and the room is joined. */
  starting: string;
  /** Status while the connection to the server, or the call itself (state `reconnecting`), is being restored. */
  reconnecting: string;
  /** The other person when their name is not known yet. */
  peer: string;
  /** The local video, and the sender of one's own messages. */
  you: string;
  call: string;
  hangUp: string;
  microphone: string;
  camera: string;
  screenShare: string;
  /** The settings button, and the device menu's name. */
  settings: string;
  fullscreen: string;
  chat: string;
  /** Added to the chat button's name while messages wait: `{count}` is how many. */
  unread: string;
  close: string;
  /** The device menu's choices. */
  speaker: string;
  /** The other person's microphone is off. */
  muted: string;
  /** The other person shares their screen. */
  sharing: string;
  /** Network quality: `{quality}` is one of the words below. */
  network: string;
  good: string;
  fair: string;
  poor: string;
  lost: string;
  /** The measured details: `{rtt}` ms round trip, `{loss}` % lost, `{path}` direct or relayed. */
  networkDetails: string;
  direct: string;
  relayed: string;
  /** The verify button, and the sentence shown with the call's verification code. */
  verify: string;
  verifyHint: string;
  /** Status on the pre-join screen (`prejoin`), and its button. */
  prejoin: string;
  join: string;
  shareLink: string;
  copyLink: string;
  /** Announced after the link was copied. */
  copied: string;
  retry: string;
  /** The message box's accessible name. */
  message: string;
  send: string;
  /** The message list's accessible name. */
  messages: string;
  /** Plain-language errors by code; any code not listed shows the SDK's own sentence. */
  errors: Partial<Record<ErrorCode, string>>;
}

export const defaultLabels: CignalLabels = {
  starting: 'Starting the camera and joining…',
  reconnecting: 'Connection lost. Reconnecting…',
  waiting: 'Waiting for the other person. Share the link.',
  ready: '{name} is here. You can call now.',
  calling: 'Calling {name}…',
  'in-call': 'In a call with {name}.',
  ended: 'The call has ended.',
  error: 'The call could not start.',
  peer: 'The other person',
  you: 'You',
  call: 'Call',
  hangUp: 'Hang up',
  microphone: 'Microphone',
  camera: 'Camera',
  screenShare: 'Share screen',
  settings: 'Settings',
  fullscreen: 'Full screen',
  chat: 'Chat',
  unread: '{count} unread',
  close: 'Close',
  speaker: 'Speaker',
  muted: '{name} is muted',
  sharing: '{name} is sharing their screen',
  network: 'Network: {quality}',
  good: 'good',
  fair: 'fair',
  poor: 'poor',
  lost: 'lost',
  networkDetails: '{rtt} ms round trip, {loss} % lost, {path}',
  direct: 'direct',
  relayed: 'relayed',
  verify: 'Verify the call',
  verifyHint: 'Read these digits to each other. If they match, nobody is listening in between.',
  prejoin: 'Check your camera and microphone, then join.',
  join: 'Join',
  shareLink: 'Share this link:',
  copyLink: 'Copy link',
  copied: 'Link copied.',
  retry: 'Retry',
  message: 'Message',
  send: 'Send',
  messages: 'Messages',
  errors: {
    'media-denied': 'Camera or microphone access was blocked. Allow it in the site settings, then retry.',
    'media-unavailable': 'No camera or microphone could be used.',
    'room-full': 'This room is full.',
    'server-unreachable': 'The call server could not be reached. Check the connection, then retry.',
    'relay-unavailable': 'Relay-only calls need a TURN server; this server offers none.',
  },
};
