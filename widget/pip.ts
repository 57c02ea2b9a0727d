// Picture-in-picture for <cignal-call>: a small window of the call (Document Picture-in-Picture)
// with the other person, the self-view and working buttons, else the other person's video in the
// browser's own video picture-in-picture; and, under `auto-pip`, the Media Session action that
// lets the browser open it by itself when the page is hidden during a call.
import { css, render, type CSSResult, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { Result } from '../sdk/index.js';

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

/** In the window: the call fills it, the buttons under the videos. */
const windowStyles = css`
  :host {
    position: fixed;
    inset: 0;
    display: flex;
    flex-direction: column;
    border-radius: 0;
  }
  [part='stage'] {
    flex: 1;
    aspect-ratio: auto;
  }
`;

/** The element's theme, read from its computed style: the page's `--cignal-*` do not reach the window. */
const theme = ['--_accent', '--_danger', '--_bg', '--_fg', '--_surface', '--_radius', '--_error'];

export interface PipHost extends ReactiveControllerHost, HTMLElement {
  autoPip: boolean;
  enterPictureInPicture(): Promise<Result>;
}

export class PictureInPicture implements ReactiveController {
  /** The kind open now, or null. */
  open: PipKind | null = null;
  /** The Document Picture-in-Picture window's root, where the element renders the call. */
  root: ShadowRoot | null = null;

  readonly #host: PipHost;
  readonly #styles: CSSResult[];
  /** Closes what is open: the window, or the video's picture-in-picture. */
  #close: () => Promise<unknown> = async () => {};
  /** Whether the Media Session action is registered (auto-pip during a call). */
  #auto = false;

  constructor(host: PipHost, styles: CSSResult[]) {
    this.#host = host;
    this.#styles = [...styles, windowStyles];
    host.addController(this);
  }

  /** Opens picture-in-picture of the kind the browser offers; `video` is the other person's. */
  async enter(video: HTMLVideoElement | null): Promise<Result> {
    const kind = pipKind();
    if (this.open || !kind || !video?.srcObject) return { success: !!this.open };
    try {
      if (kind === 'document') await this.#openWindow();
      else {
        await video.requestPictureInPicture();
        video.addEventListener('leavepictureinpicture', () => this.#closed(), { once: true });
        this.#close = () => document.exitPictureInPicture();
      }
    } catch {
      // Refused (no click, or the video not playing yet): the control stays as it was.
      return { success: false };
    }
    this.#changed(kind);
    return { success: true };
  }

  /** Closes it; `{ success: false }` when nothing was open. */
  async exit(): Promise<Result> {
    if (!this.open) return { success: false };
    await this.#close().catch(() => {});
    // The window's pagehide (or leavepictureinpicture) said so already, unless the browser is slow to.
    this.#closed();
    return { success: true };
  }

  /** Under `auto-pip`, during a call: the browser may open it when the page is hidden. */
  follow(inCall: boolean): void {
    // The call is over: the window closes (the element's own videos never left it).
    if (!inCall) void this.exit();
    const auto = inCall && this.#host.autoPip && !!pipKind();
    if (auto === this.#auto) return;
    this.#auto = auto;
    try {
      navigator.mediaSession.setActionHandler('enterpictureinpicture' as MediaSessionAction, auto ? () => void this.#host.enterPictureInPicture() : null);
    } catch {
      // The browser does not know the action: nothing to register.
    }
  }

  hostDisconnected(): void {
    this.follow(false);
  }

  /** Renders `content` into the window, in the element's language and direction; `streams` go on its videos, by part. */
  show(content: TemplateResult, streams: Record<string, MediaStream | null>, lang: string): void {
    const root = this.root;
    if (!root) return;
    const host = root.host as HTMLElement;
    host.lang = lang;
    host.dir = getComputedStyle(this.#host).direction;
    render(content, root);
    for (const [part, stream] of Object.entries(streams)) {
      const video = root.querySelector<HTMLVideoElement>(`[part=${part}]`)!;
      if (video.srcObject !== stream) video.srcObject = stream;
    }
  }

  async #openWindow(): Promise<void> {
    const win = await window.documentPictureInPicture!.requestWindow({ width: 420, height: 340 });
    const doc = win.document;
    const host = doc.body.appendChild(doc.createElement('div'));
    const computed = getComputedStyle(this.#host);
    for (const name of theme) host.style.setProperty(name, computed.getPropertyValue(name));
    const root = host.attachShadow({ mode: 'open' });
    // Made in the window's own realm: a sheet can be adopted only by the document that made it.
    // Constructed sheets are no inline style: a strict style-src still holds.
    const sheet = new (win as typeof window).CSSStyleSheet();
    sheet.replaceSync(this.#styles.map((style) => style.cssText).join('\n'));
    root.adoptedStyleSheets = [sheet];
    win.addEventListener('pagehide', () => this.#closed(), { once: true });
    this.#close = async () => win.close();
    this.root = root;
  }

  #closed(): void {
    const kind = this.open;
    if (!kind) return;
    this.root = null;
    this.#changed(null, kind);
  }

  #changed(open: PipKind | null, kind = open!): void {
    this.open = open;
    this.#host.dispatchEvent(new CustomEvent<PipChange>('cignal-pip-change', { detail: { open: !!open, kind }, bubbles: true, composed: true }));
    this.#host.requestUpdate();
  }
}
