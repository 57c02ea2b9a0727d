// Picture-in-picture for <cignal-call>, the part loaded on demand (built to `parts/pip.js` beside
// the element's script, outside its bundle; widget/pip.ts loads it): a small window of the call
// (Document Picture-in-Picture) with the other person, the self-view and working buttons, else the
// other person's video in the browser's own video picture-in-picture; and, under `auto-pip`, the
// Media Session action that lets the browser open it by itself when the page is hidden during a
// call. It imports nothing when it runs: Lit and the element's pieces come in `kit`, so that the
// window renders with the element's own copy of Lit.
import type { CSSResult, LitElement, ReactiveController } from 'lit';
import type { Result } from '../../sdk/index.js';
import type { CignalCall } from '../cignal-call.js';
import type { PipChange, PipKind, PipKit, PipPart, PipView } from '../pip.js';

/** The kind this browser offers, or null (as widget/pip.ts's `pipKind`, which this part cannot import). */
const pipKind = (): PipKind | null => (window.documentPictureInPicture ? 'document' : document.pictureInPictureEnabled ? 'video' : null);

/** In the window: the call fills it, the buttons under the videos. */
const windowStyles = ":host{position:fixed;inset:0;display:flex;flex-direction:column;border-radius:0}[part='stage']{flex:1;aspect-ratio:auto}";

/** The element's theme, read from its computed style: the page's `--cignal-*` do not reach the window. */
const theme = ['--_accent', '--_danger', '--_bg', '--_fg', '--_surface', '--_radius', '--_error'];

/** The videos of the window, which show the streams of the element's videos of the same part. */
const videos = ['remote-video', 'local-video'];

class PictureInPicture implements ReactiveController, PipPart {
  open: PipKind | null = null;
  /** The Document Picture-in-Picture window's root, where the call renders. */
  #root: ShadowRoot | null = null;
  readonly #host: CignalCall;
  readonly #kit: PipKit;
  /** Closes what is open: the window, or the video's picture-in-picture. */
  #close: () => Promise<unknown> = async () => {};
  /** Whether the Media Session action is registered (auto-pip during a call). */
  #auto = false;

  constructor(kit: PipKit) {
    this.#kit = kit;
    (this.#host = kit[0]).addController(this);
    // Loaded during a call: auto-pip takes effect at once, not at the element's next update.
    this.#host.requestUpdate();
  }

  /** The element's video of `part`. */
  #video(part: string): HTMLVideoElement | null {
    return this.#host.renderRoot.querySelector(`[part=${part}]`);
  }

  async enter(): Promise<Result> {
    const kind = pipKind();
    const video = this.#video('remote-video');
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

  async exit(): Promise<Result> {
    if (!this.open) return { success: false };
    await this.#close().catch(() => {});
    // The window's pagehide (or leavepictureinpicture) said so already, unless the browser is slow to.
    this.#closed();
    return { success: true };
  }

  update(view: PipView): void {
    this.#follow(view.active);
    if (this.#root) this.#show(view, this.#root);
  }

  hostDisconnected(): void {
    this.#follow(false);
  }

  /** Closes at the end of a call; under `auto-pip`, during a call, the browser may open it when the page is hidden. */
  #follow(inCall: boolean): void {
    // The call is over: the window closes (the element's own videos never left it).
    if (!inCall) void this.exit();
    const host = this.#host;
    const auto = inCall && host.autoPip && !!pipKind();
    if (auto === this.#auto) return;
    this.#auto = auto;
    try {
      navigator.mediaSession.setActionHandler('enterpictureinpicture' as MediaSessionAction, auto ? () => void host.enterPictureInPicture() : null);
    } catch {
      // The browser does not know the action: nothing to register.
    }
  }

  /** Renders the call into the window, in the element's language and direction, its videos on the element's streams: the other person, the self-view, then microphone, camera and hang up. */
  #show({ l, peer, lang }: PipView, root: ShadowRoot): void {
    const [host, html, nothing, render, remoteState, icon, toggle] = this.#kit;
    const windowHost = root.host as HTMLElement;
    windowHost.lang = lang;
    windowHost.dir = getComputedStyle(host).direction;
    const cignal = host.cignal;
    render(
      html`<div part="stage">
          <video part="remote-video" aria-label=${peer} muted .muted=${true} autoplay playsinline></video>
          ${this.#video('remote-video')?.srcObject && cignal ? remoteState(l, peer, cignal.remoteMediaState) : nothing}
          <video part="local-video" aria-label=${l.you} muted .muted=${true} autoplay playsinline></video>
        </div>
        <div part="controls">
          ${toggle('microphone', 'mic-button', 'microphone', l.microphone)} ${toggle('camera', 'camera-button', 'camera', l.camera)}
          <button part="hangup-button" class="wide" aria-label=${l.hangUp} data-tip=${l.hangUp} @click=${() => host.hangUp()}>${icon('phone')}</button>
        </div>`,
      root,
    );
    for (const part of videos) {
      const video = root.querySelector<HTMLVideoElement>(`[part=${part}]`)!;
      const stream = this.#video(part)?.srcObject ?? null;
      if (video.srcObject !== stream) video.srcObject = stream;
    }
  }

  async #openWindow(): Promise<void> {
    const host = this.#host;
    const win = await window.documentPictureInPicture!.requestWindow({ width: 420, height: 340 });
    const doc = win.document;
    const div = doc.body.appendChild(doc.createElement('div'));
    const computed = getComputedStyle(host);
    for (const name of theme) div.style.setProperty(name, computed.getPropertyValue(name));
    const root = div.attachShadow({ mode: 'open' });
    // Made in the window's own realm: a sheet can be adopted only by the document that made it.
    // Constructed sheets are no inline style: a strict style-src still holds.
    const sheet = new (win as typeof window).CSSStyleSheet();
    // The element's styles as Lit gathered them (each a CSSResult: Lit makes no other kind).
    const styles = (host.constructor as typeof LitElement).elementStyles as CSSResult[];
    sheet.replaceSync([...styles.map((style) => style.cssText), windowStyles].join('\n'));
    root.adoptedStyleSheets = [sheet];
    win.addEventListener('pagehide', () => this.#closed(), { once: true });
    this.#close = async () => win.close();
    this.#root = root;
  }

  #closed(): void {
    const kind = this.open;
    if (!kind) return;
    this.#root = null;
    this.#changed(null, kind);
  }

  #changed(open: PipKind | null, kind = open!): void {
    const host = this.#host;
    this.open = open;
    host.dispatchEvent(new CustomEvent<PipChange>('cignal-pip-change', { detail: { open: !!open, kind }, bubbles: true, composed: true }));
    host.requestUpdate();
  }
}

/** The picture-in-picture of one element, made once the part is loaded. */
export default (...kit: PipKit): PipPart => new PictureInPicture(kit);
