// The texts <cignal-call> shows and announces, in English (the one language in the bundle); the
// other languages' tables (widget/languages/<tag>.ts) have exactly these keys, and the element's
// `labels` property replaces any of them.
import type { CallState, ErrorCode } from '../sdk/index.js';

/**
 * A text that depends on a count, in the plural forms of `Intl.PluralRules` for the language
 * (CLDR categories): `other` always, and the language's others (`one` in English; Arabic has all
 * six). `{count}` stands for the number, formatted for the language.
 */
export type PluralForms = { other: string } & Partial<Record<'zero' | 'one' | 'two' | 'few' | 'many', string>>;

/**
 * A whole language: every text of the element. `{name}` stands for the other person's display
 * name; other placeholders are listed with their key.
 */
export interface Translation extends Record<CallState, string> {
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
  /** The picture-in-picture button. */
  pictureInPicture: string;
  chat: string;
  /** Added to the chat button's name while messages wait: `{count}` is how many. */
  unread: PluralForms;
  close: string;
  /** The device menu's choices. */
  speaker: string;
  /** A device the browser gives no name: `{device}` is its kind (camera, microphone, speaker), `{number}` its place in the list. */
  deviceNumber: string;
  /** The other person's microphone is off. */
  muted: string;
  /** The other person shares their screen. */
  sharing: string;
  /** The other person's camera is paused by their system (their page is in the background). */
  cameraPaused: string;
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
  /** The record button. */
  record: string;
  /** The prompt when the other person asks to record, and its buttons. */
  recordingAsk: string;
  accept: string;
  decline: string;
  /** The indicator while waiting for the other person's answer, and while recording (on both sides). */
  recordingWait: string;
  recordingOn: string;
  /** The link to the finished recording. */
  download: string;
  /** Plain-language errors, one for every code the SDK and the server report; `{name}` may stand for the other person. */
  errors: Record<ErrorCode, string>;
}

/**
 * What the `labels` property takes: any text of a {@link Translation}, and of its `errors`. `unread`
 * may be one string for every count.
 */
export interface CignalLabels extends Omit<Translation, 'unread' | 'errors'> {
  unread: string | PluralForms;
  /** Any code not listed keeps the language's sentence. */
  errors: Partial<Record<ErrorCode, string>>;
}

export const defaultLabels: Translation = {
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
  pictureInPicture: 'Picture in picture',
  chat: 'Chat',
  unread: { one: '{count} unread', other: '{count} unread' },
  close: 'Close',
  speaker: 'Speaker',
  deviceNumber: '{device} {number}',
  muted: '{name} is muted',
  sharing: '{name} is sharing their screen',
  cameraPaused: "{name}'s camera is paused",
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
  record: 'Record',
  recordingAsk: '{name} asks to record this call.',
  accept: 'Accept',
  decline: 'Decline',
  recordingWait: 'Waiting for {name} to agree to the recording…',
  recordingOn: 'Recording',
  download: 'Download the recording',
  errors: {
    // On this side (sdk/errors.ts).
    'invalid-argument': 'The call is set up with a value it cannot use.',
    'media-denied': 'Camera or microphone access was blocked. Allow it in the site settings, then retry.',
    'media-unavailable': 'No camera or microphone could be used.',
    'server-unreachable': 'The call server could not be reached. Check the connection, then retry.',
    timeout: 'The call server did not answer in time. Retry.',
    'not-connected': 'Not connected to the call server. Retry.',
    'negotiation-failed': 'The call could not be set up. Retry.',
    'connection-failed': 'No connection could be made to the other person. Retry.',
    'connection-lost': 'The connection to the other person was lost.',
    'clipboard-failed': 'The link could not be copied. Select it and copy it yourself.',
    replaced: 'This call was opened in another window.',
    unsupported: 'This browser cannot make video calls.',
    'peer-unsupported': "{name}'s browser cannot make video calls.",
    'turn-unauthorized': 'The relay server refused the call.',
    'turn-unreachable': 'The relay server could not be reached.',
    'relay-unavailable': 'Relay-only calls need a TURN server; this server offers none.',
    'recording-active': 'A recording is already under way.',
    'recording-declined': 'The other person declined to be recorded.',
    // From the server (sdk/protocol/errors.ts).
    'invalid-payload': 'The call server refused a message.',
    'room-full': 'This room is full.',
    'not-in-room': 'You are no longer in the room. Retry.',
    'no-peer': 'Nobody else is in the room yet.',
    'rate-limited': 'Too many attempts. Wait a moment, then retry.',
    unauthorized: 'You are not allowed to join this room.',
    'seat-taken': 'Someone is already in this room as you, in another window.',
    dropped: 'A message could not be delivered.',
    'unsupported-protocol': 'The call server is too old for this page.',
    'unknown-event': 'The call server did not understand a message.',
    unavailable: 'The call server is busy. Retry in a moment.',
    internal: 'Something went wrong on the call server.',
  },
};
