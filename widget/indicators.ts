// What <cignal-call> shows over the other person's video: their microphone, camera and screen
// share (part remote-state, also as data attributes a page can style), and the network quality.
import { css, html, nothing, type TemplateResult } from 'lit';
import type { MediaState, NetworkQuality, NetworkStatus } from '../sdk/index.js';
import { icon, signalBars } from './icons.js';
import type { CignalLabels } from './labels.js';

const onOff = (on: boolean) => (on ? 'on' : 'off');

/** Up to two initials of a display name: "Ada Lovelace" → "AL". */
export const initials = (name: string): string =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => [...word][0]!.toUpperCase())
    .join('');

/**
 * The other person's state on their video: a muted-microphone mark by their name, their initials
 * in place of a stopped camera, a line in place of a paused one (a frozen picture otherwise), and a
 * line while they share their screen.
 */
export function remoteState(l: CignalLabels, name: string, media: MediaState): TemplateResult {
  const say = (text: string) => text.replace('{name}', name);
  // The state as part names too: a page cannot select ::part(remote-state)[data-…], but it can
  // select ::part(remote-state microphone-off).
  const paused = media.cameraPaused && !media.screenShare;
  const parts = `remote-state microphone-${onOff(media.microphone)} camera-${onOff(media.camera)} screen-share-${onOff(media.screenShare)}${paused ? ' camera-paused' : ''}`;
  return html`<div part=${parts} data-microphone=${onOff(media.microphone)} data-camera=${onOff(media.camera)} data-screen-share=${onOff(media.screenShare)}>
    ${paused
      ? html`<p class="avatar paused">${say(l.cameraPaused)}</p>`
      : media.camera || media.screenShare
        ? nothing
        : html`<div class="avatar" aria-hidden="true">${initials(name)}</div>`}
    ${media.screenShare ? html`<p class="sharing">${say(l.sharing)}</p>` : nothing}
    <p class="name">
      ${media.microphone ? nothing : html`<span role="img" aria-label=${say(l.muted)}>${icon('microphone', { off: true })}</span>`}${name}
    </p>
  </div>`;
}

const bars: Record<NetworkQuality, number> = { good: 3, fair: 2, poor: 1, lost: 0 };

/** A control that shows and hides its details: whether they are shown, and what pressing it does. */
export interface Disclosure {
  open: boolean;
  toggle(): void;
}

/** Signal bars for the call's network quality; pressing them shows the measured details. */
export function networkQuality(l: CignalLabels, lang: string, status: NetworkStatus, { open, toggle }: Disclosure): TemplateResult {
  const number = (value: number, digits: number) => new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  const details = l.networkDetails
    .replace('{rtt}', status.rttMs === null ? '–' : number(status.rttMs, 0))
    .replace('{loss}', number(status.packetLoss * 100, 1))
    .replace('{path}', status.relayed ? l.relayed : l.direct);
  const name = l.network.replace('{quality}', l[status.quality]);
  return html`<button part="network-quality" class="icon" data-quality=${status.quality} aria-expanded=${open} aria-controls=${open ? 'network-details' : nothing}
      aria-label=${name} data-tip=${name} @click=${toggle}>
      ${signalBars(bars[status.quality])}
    </button>
    ${open ? html`<p part="network-details" id="network-details">${details}</p>` : nothing}`;
}

/** The verify control: a shield that shows the call's verification code, and what to do with it. */
export function verifyControl(l: CignalLabels, code: string, { open, toggle }: Disclosure): TemplateResult {
  return html`<button part="verify-button" class="icon" aria-expanded=${open} aria-controls=${open ? 'verification' : nothing} aria-label=${l.verify} data-tip=${l.verify} @click=${toggle}>
      ${icon('shield')}
    </button>
    ${open ? html`<p class="verification" id="verification"><strong part="verification-code">${code}</strong> ${l.verifyHint}</p>` : nothing}`;
}

export const indicatorStyles = css`
  [part~='remote-state'] {
    position: absolute;
    inset: 0;
    pointer-events: none;
  }
  .avatar {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    background: #1f2937;
    color: #fff;
    font-size: clamp(2rem, 12cqi, 5rem);
    font-weight: 600;
  }
  .paused {
    margin: 0;
    font-size: 1rem;
  }
  .name,
  .sharing,
  .verification,
  [part~='network-details'] {
    position: absolute;
    margin: 0;
    padding: 0.2rem 0.5rem;
    border-radius: calc(var(--_radius) / 2);
    background: #000b;
    color: #fff;
    font-size: 0.875rem;
  }
  .name {
    bottom: 0.5rem;
    inset-inline-start: 0.5rem;
    display: flex;
    align-items: center;
    gap: 0.25rem;
    max-width: 45%;
  }
  .name svg {
    width: 1.1em;
    stroke: #fca5a5;
  }
  .sharing {
    top: 2.75rem;
    inset-inline-start: 0.5rem;
  }
  .network {
    position: absolute;
    top: 0.5rem;
    inset-inline-end: 0.5rem;
    display: flex;
    flex-direction: row-reverse;
    align-items: start;
    gap: 0.25rem;
  }
  [part~='network-quality'],
  [part~='verify-button'],
  [part~='pip-button'] {
    min-width: 2.25rem;
    min-height: 2.25rem;
    background: #000b;
    color: #fff;
  }
  [part~='network-quality'] svg {
    fill: currentColor;
    stroke-width: 1.5;
  }
  [data-quality='fair'] {
    color: #fde047;
  }
  [data-quality='poor'],
  [data-quality='lost'] {
    color: #fca5a5;
  }
  [part~='network-details'] {
    position: static;
  }
  .verification {
    top: 2.75rem;
    inset-inline-end: 0;
    width: min(16rem, 80cqi);
  }
  [part~='verification-code'] {
    display: block;
    font-size: 1.5rem;
    font-variant-numeric: tabular-nums;
    letter-spacing: 0.1em;
  }
`;
