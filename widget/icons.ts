// The icons of <cignal-call>: inline SVG strokes on a 24-unit grid, in the text colour, drawn by
// the element itself (no icon font, no request). Each is decorative: its button carries the name.
import { svg, type SVGTemplateResult } from 'lit';

const paths = {
  microphone: 'M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM6 11a6 6 0 0 0 12 0M12 17v4',
  camera: 'M3 7h12v10H3zM15 11l6-4v10l-6-4',
  screen: 'M3 4h18v12H3zM8 20h8M12 16v4M12 13V7M9 10l3-3 3 3',
  settings: 'M4 7h9M17 7h3M4 17h3M11 17h9M15 5v4M9 15v4',
  fullscreen: 'M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5',
  exitFullscreen: 'M9 4v5H4M15 4v5h5M20 15h-5v5M4 15h5v5',
  pip: 'M3 5h18v14H3zM12 12h6v4h-6z',
  record: 'M12 6a6 6 0 1 0 0 12 6 6 0 1 0 0-12zM12 10a2 2 0 1 0 0 4 2 2 0 1 0 0-4z',
  chat: 'M4 5h16v11H9l-5 4z',
  close: 'M6 6l12 12M18 6 6 18',
  shield: 'M12 3l7 3v5c0 5-3 8-7 10-4-2-7-5-7-10V6zM9 12l2 2 4-4',
  phone: 'M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z',
} as const;

export type IconName = keyof typeof paths;

/** `off` crosses the icon out: microphone muted, camera stopped. */
export const icon = (name: IconName, { off }: { off?: boolean } = {}): SVGTemplateResult =>
  svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path d=${off ? `${paths[name]}M3 3l18 18` : paths[name]} /></svg>`;

/** Signal bars: three for good, two for fair, one for poor, none (crossed out) when lost. */
export const signalBars = (filled: number): SVGTemplateResult =>
  svg`<svg viewBox="0 0 24 24" aria-hidden="true">${[0, 1, 2].map(
    (i) => svg`<rect x=${4 + i * 6} y=${16 - i * 5} width="4" height=${4 + i * 5} rx="1" opacity=${i < filled ? 1 : 0.35} />`,
  )}${filled ? '' : svg`<path d="M3 3l18 18" />`}</svg>`;
