// Styles of <cignal-call>: remote video large, local picture-in-picture; light and dark; themable
// through --cignal-* custom properties and CSS parts.
import { css } from 'lit';

export const styles = css`
  :host {
    --_accent: var(--cignal-accent, #1d4ed8);
    --_danger: var(--cignal-danger, #b91c1c);
    --_bg: var(--cignal-background, #fff);
    --_fg: var(--cignal-foreground, #111827);
    --_surface: var(--cignal-surface, #e5e7eb);
    --_radius: var(--cignal-radius, 12px);
    display: block;
    container-type: inline-size;
    padding: 0.5rem;
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_fg);
    font: 1rem/1.4 var(--cignal-font, system-ui, sans-serif);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_bg: var(--cignal-background, #111827);
      --_fg: var(--cignal-foreground, #f3f4f6);
      --_surface: var(--cignal-surface, #374151);
      --_error: var(--cignal-danger, #fca5a5);
    }
  }
  :host([hidden]) {
    display: none;
  }
  /* Full screen: the video takes what the controls leave. */
  :host(:fullscreen) {
    display: flex;
    flex-direction: column;
    border-radius: 0;
  }
  :host(:fullscreen) .call {
    flex: 1;
    min-height: 0;
    grid-auto-rows: minmax(0, 1fr);
  }
  :host(:fullscreen) [part='stage'] {
    height: 100%;
    aspect-ratio: auto;
  }
  :host(:fullscreen) [part='remote-video'] {
    object-fit: contain;
  }
  [part='stage'] {
    position: relative;
    overflow: hidden;
    height: var(--cignal-height, auto);
    aspect-ratio: 16 / 9;
    border-radius: var(--_radius);
    background: #000;
  }
  @container (max-width: 32rem) {
    [part='stage'] {
      aspect-ratio: 3 / 4;
    }
  }
  video {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  [part='local-video'] {
    position: absolute;
    inset-inline-end: 0.5rem;
    bottom: 0.5rem;
    z-index: 1;
    width: 28%;
    min-width: 5rem;
    max-width: 12rem;
    height: auto;
    aspect-ratio: 4 / 3;
    border: 2px solid #fff;
    border-radius: calc(var(--_radius) / 2);
    transform: scaleX(-1);
    cursor: grab;
    touch-action: none;
  }
  /* Logical corners: the default, bottom-end, is bottom left right to left. The self-view's mirror
     is a transform, which the direction does not flip a second time. */
  .top-start,
  .top-end {
    top: 3rem;
    bottom: auto;
  }
  .top-start,
  .bottom-start {
    inset-inline-end: auto;
    inset-inline-start: 0.5rem;
  }
  .bottom-start {
    bottom: 3rem;
  }
  .preview [part='local-video'] {
    inset: 0;
    width: 100%;
    max-width: none;
    height: 100%;
    border: 0;
    border-radius: 0;
    cursor: auto;
  }
  .preview [part='remote-video'] {
    visibility: hidden;
  }
  [part='status'] {
    position: absolute;
    top: 0.5rem;
    inset-inline-start: 0.5rem;
    z-index: 1;
    margin: 0;
    padding: 0.25rem 0.6rem;
    /* Clear of the three buttons at the other end (network, verify, picture-in-picture), padding included. */
    max-width: calc(100% - 11.5rem);
    border-radius: calc(var(--_radius) / 2);
    background: #000b;
    color: #fff;
  }
  p {
    margin: 0.5rem 0;
    overflow-wrap: anywhere;
  }
  [part='error'] {
    color: var(--_error, var(--_danger));
    font-weight: 600;
  }
  a {
    color: inherit;
  }
  .call {
    display: grid;
    gap: 0.5rem;
  }
  @container (min-width: 44rem) {
    .with-chat {
      grid-template-columns: 1fr 18rem;
    }
  }
  [part='controls'] {
    display: flex;
    flex-wrap: nowrap;
    justify-content: center;
    gap: 0.5rem;
    margin-top: 0.5rem;
  }
  button,
  input {
    min-height: 2.75rem;
    padding: 0 1rem;
    border: 1px solid transparent;
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_fg);
    font: inherit;
  }
  .icon {
    position: relative;
    display: inline-grid;
    place-items: center;
    width: 2.75rem;
    padding: 0;
    border-radius: 50%;
  }
  .wide {
    min-width: 4rem;
    border-radius: 1.5rem;
    background: var(--_accent);
    color: #fff;
    font-weight: 600;
  }
  @container (max-width: 25rem) {
    [part='controls'] {
      gap: 0.25rem;
    }
    .icon {
      width: 2.6rem;
      min-height: 2.6rem;
    }
    .wide {
      min-width: 3.25rem;
    }
  }
  svg {
    width: 1.5rem;
    height: 1.5rem;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
  [part='hangup-button'] {
    background: var(--_danger);
  }
  [part='hangup-button'] svg {
    rotate: 135deg;
  }
  [part='mic-button'][aria-pressed='false'],
  [part='camera-button'][aria-pressed='false'] {
    background: var(--_danger);
    color: #fff;
  }
  [part='screen-share-button'][aria-pressed='true'],
  [part='fullscreen-button'][aria-pressed='true'],
  [part='pip-button'][aria-pressed='true'],
  [aria-expanded='true'] {
    background: var(--_accent);
    color: #fff;
  }
  button:disabled,
  input:disabled {
    opacity: 0.5;
  }
  .badge {
    position: absolute;
    top: -0.25rem;
    inset-inline-end: -0.25rem;
    min-width: 1.25rem;
    border-radius: 0.625rem;
    background: var(--_danger);
    color: #fff;
    font-size: 0.75rem;
    line-height: 1.25rem;
  }
  /* Tooltips: the button's name, on hover and on keyboard focus. */
  [data-tip]:is(:hover, :focus-visible)::after {
    content: attr(data-tip);
    position: absolute;
    z-index: 3;
    bottom: calc(100% + 0.4rem);
    left: 50%;
    translate: -50% 0;
    padding: 0.2rem 0.5rem;
    border-radius: 0.375rem;
    background: #111827;
    color: #fff;
    font-size: 0.75rem;
    font-weight: 400;
    line-height: 1.4;
    white-space: nowrap;
    pointer-events: none;
  }
  .wide[data-tip] {
    position: relative;
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
`;
