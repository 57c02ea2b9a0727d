// Picture-in-picture for <cignal-call>, what the element's bundle holds of it: which kind the
// browser offers, and the loader of the rest (widget/parts/pip.ts: the window, the video fallback,
// `auto-pip`), which comes once, on demand, from `parts/pip.js` beside the element's script, as
// the languages do. The element loads it when a call starts, so that a click finds it there.
import type { html, nothing, render } from 'lit';
import type { Result } from '../sdk/index.js';
import type { CignalCall } from './cignal-call.js';
import type { icon } from './icons.js';
import type { remoteState } from './indicators.js';
import type { CignalLabels } from './labels.js';

/** `document`: a window of the call with its buttons; `video`: the other person's video alone. */
export type PipKind = 'document' | 'video';

/** The detail of `cignal-pip-change`. */
export interface PipChange {
  open: boolean;
  kind: PipKind;
}

interface DocumentPictureInPicture {
  requestWindow(options?: { width?: number; height?: number }): Promise<Window>;
}

declare global {
  interface Window {
    /** Chromium's Document Picture-in-Picture (not in TypeScript's DOM types yet). */
    documentPictureInPicture?: DocumentPictureInPicture;
  }
  interface GlobalEventHandlersEventMap {
    'cignal-pip-change': CustomEvent<PipChange>;
  }
}

/** The kind this browser offers, or null where it has neither. */
export const pipKind = (): PipKind | null => (window.documentPictureInPicture ? 'document' : document.pictureInPictureEnabled ? 'video' : null);

/**
 * What the element hands the part, in this order (a list: the bundle carries no property names
 * for it): itself, and the pieces the window renders with, so that the part imports nothing.
 */
export type PipKit = [
  host: CignalCall,
  html: typeof html,
  nothing: typeof nothing,
  render: typeof render,
  remoteState: typeof remoteState,
  icon: typeof icon,
  /** The element's microphone or camera button. */
  toggle: (kind: 'microphone' | 'camera', part: string, name: 'microphone' | 'camera', label: string) => unknown,
];

/** What the part shows, from the element's render. */
export interface PipView {
  l: CignalLabels;
  peer: string;
  lang: string;
  /** A call is being set up, on, or being restored. */
  active: boolean;
}

/** The picture-in-picture of one element. */
export interface PipPart {
  /** The kind open now, or null. */
  open: PipKind | null;
  enter(): Promise<Result>;
  exit(): Promise<Result>;
  /** After each update of the element: closes at the end of a call, follows `auto-pip`, renders the window. */
  update(view: PipView): void;
}

/** The part's module: `export default` makes the picture-in-picture of an element. */
export type PipModule = { default: (...kit: PipKit) => PipPart };

/**
 * Loads the part; rejects when it cannot. A static specifier, so that a bundler (importing the
 * package's modules) makes it a chunk of the page's own, or inlines it; the CDN bundles load
 * `parts/pip.js` beside their script instead (the versioned CDN path: rollup.config.mjs).
 */
export const loadPip = (): Promise<PipModule> => import('./parts/pip.js');
