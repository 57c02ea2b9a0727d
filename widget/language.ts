// The language of <cignal-call>: which one (its `lang`, else the nearest `lang` up the page, else
// the browser's languages, else English), its table (English is in the bundle; any other is
// loaded once, on demand, from `languages/<tag>.js` beside the element's script), and the
// writing direction that goes with it. The element never waits for a table: it shows English
// until the table is there, and keeps English when it cannot be loaded.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Logger } from '../sdk/index.js';
import { defaultLabels, type Translation } from './labels.js';

const log = new Logger('cignal-call:language');

/** The languages served beside the bundles (widget/languages/<tag>.ts), besides English. */
export const languages: readonly string[] = ['ar', 'bn', 'de', 'es', 'fa', 'fr', 'he', 'hi', 'id', 'it', 'ja', 'ko', 'nl', 'pl', 'pt', 'ru', 'sw', 'th', 'tr', 'uk', 'vi', 'zh'];

/** Languages written right to left. */
const rightToLeft = new Set(['ar', 'fa', 'he', 'ur']);

/**
 * The script's own URL, read while it runs: the ES module's `import.meta.url`; in the classic
 * (IIFE) build, rollup reads `document.currentScript` in its place, which is only set now. The
 * files loaded on demand are beside it (languages here, picture-in-picture in widget/pip.ts).
 */
export const scriptUrl = import.meta.url;

/** Loads the table of a language; rejects when it cannot. */
export type LoadLanguage = (tag: string) => Promise<Translation>;

/** The default: the module `languages/<tag>.js` beside the element's script (the versioned CDN path). */
export const loadBesideScript: LoadLanguage = async (tag) => ((await import(/* @vite-ignore */ new URL(`languages/${tag}.js`, scriptUrl).href)) as { default: Translation }).default;

/** The tag among the known ones for a language tag: exact, then its base language (`pt-BR` → `pt`); null for none. */
export function matchLanguage(tag: string): string | null {
  const exact = tag.trim().toLowerCase();
  const base = exact.split('-')[0]!;
  return [exact, base].find((candidate) => candidate === 'en' || languages.includes(candidate)) ?? null;
}

/** The `lang` that applies to an element: its own, else the closest ancestor's (across shadow roots), else the document's. */
function declaredLanguage(element: Element): string {
  for (let node: Element | null = element; node; ) {
    const found = node.closest('[lang]');
    if (found) return found.getAttribute('lang')!;
    const root = node.getRootNode();
    node = root instanceof ShadowRoot ? root.host : null;
  }
  return document.documentElement.lang;
}

/** The language to show: the declared one if known (an unknown one is English), else the browser's first known one, else English. */
export function resolveLanguage(element: Element): string {
  const declared = declaredLanguage(element).trim();
  if (declared) return matchLanguage(declared) ?? 'en';
  for (const tag of navigator.languages ?? [navigator.language]) {
    const known = matchLanguage(tag);
    if (known) return known;
  }
  return 'en';
}

/** Tables loaded or being loaded, by loader and tag: each is fetched once per page. */
const tables = new WeakMap<LoadLanguage, Map<string, Promise<Translation | null>>>();

/** The table of `tag` over English (a key it lacks stays English), or null when it could not be loaded. */
function table(load: LoadLanguage, tag: string): Promise<Translation | null> {
  let byTag = tables.get(load);
  if (!byTag) tables.set(load, (byTag = new Map()));
  let loading = byTag.get(tag);
  if (!loading) {
    loading = load(tag).then(
      (loaded) => {
        if (typeof loaded !== 'object' || loaded === null) throw new TypeError(`languages/${tag}.js has no table`);
        return { ...defaultLabels, ...loaded, errors: { ...defaultLabels.errors, ...loaded.errors } };
      },
    ).catch((error: unknown) => {
      log.warn('language %s could not be loaded, English stays: %o', tag, error);
      return null;
    });
    byTag.set(tag, loading);
  }
  return loading;
}

/** The language a <cignal-call> shows, and its direction on the element (unless the page set `dir` on it). */
export class Language implements ReactiveController {
  /** The tag of the table shown: `en` until another one is loaded. */
  tag = 'en';
  /** The texts shown. */
  table: Translation = defaultLabels;
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #load: () => LoadLanguage;
  /** The language last asked for: a table that arrives for an older one is not shown. */
  #wanted = 'en';
  /** The `dir` this controller set; another value on the element is the page's. */
  #dirSet: string | null = null;

  constructor(host: ReactiveControllerHost & HTMLElement, load: () => LoadLanguage) {
    this.#host = host;
    this.#load = load;
    host.addController(this);
  }

  hostConnected(): void {
    this.update();
  }

  /** Works out the language again (the element was added, or its `lang` changed) and shows it once loaded. */
  update(): void {
    const tag = (this.#wanted = resolveLanguage(this.#host));
    if (tag === 'en') return this.#show('en', defaultLabels);
    void table(this.#load(), tag).then((loaded) => {
      if (this.#wanted === tag) this.#show(loaded ? tag : 'en', loaded ?? defaultLabels);
    });
  }

  #show(tag: string, table: Translation): void {
    const host = this.#host;
    this.tag = tag;
    this.table = table;
    const dir = rightToLeft.has(tag) ? 'rtl' : 'ltr';
    if (!host.hasAttribute('dir') || host.getAttribute('dir') === this.#dirSet) {
      this.#dirSet = dir;
      host.setAttribute('dir', dir);
    }
    host.requestUpdate();
  }
}
