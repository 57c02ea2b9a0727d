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
    right: 0.5rem;
    bottom: 0.5rem;
    width: 28%;
    min-width: 5rem;
    height: auto;
    aspect-ratio: 4 / 3;
    border: 2px solid #fff;
    border-radius: calc(var(--_radius) / 2);
    transform: scaleX(-1);
  }
  [part='status'] {
    position: absolute;
    top: 0.5rem;
    left: 0.5rem;
    margin: 0;
    padding: 0.25rem 0.6rem;
    max-width: calc(100% - 2rem);
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
  [part='controls'],
  form {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin-top: 0.5rem;
  }
  [part='controls'] {
    justify-content: center;
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
  button:disabled,
  input:disabled {
    opacity: 0.5;
  }
  [aria-pressed='false'] {
    text-decoration: line-through;
  }
  [part='call-button'],
  [part='hangup-button'] {
    background: var(--_accent);
    color: #fff;
    font-weight: 600;
  }
  [part='hangup-button'] {
    background: var(--_danger);
  }
  input {
    flex: 1;
    min-width: 8rem;
    border-color: currentColor;
    background: var(--_bg);
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  ol {
    margin: 0.5rem 0 0;
    padding: 0;
    list-style: none;
  }
`;
