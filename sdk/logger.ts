// A small namespaced logger, off by default; `localStorage.debug = 'cignal-client:*'` turns it on.
// Formatting (%s, %o, %O, %d) is the console's own.

const APP = 'cignal-client';

export type LogFunction = (format?: unknown, ...args: unknown[]) => void;

function setting(): string {
  try {
    return globalThis.localStorage?.getItem('debug') ?? '';
  } catch {
    return ''; // storage can be blocked (sandboxed iframes, privacy settings)
  }
}

interface Pattern {
  exclude: boolean;
  test: RegExp;
}

/** The `debug` setting, parsed once per value it takes. */
let parsed: { from: string; patterns: Pattern[] } = { from: '', patterns: [] };

function patterns(): Pattern[] {
  const from = setting();
  if (from !== parsed.from) {
    const list = from.split(/[\s,]+/).filter(Boolean).map((raw) => {
      const exclude = raw.startsWith('-');
      const escaped = (exclude ? raw.slice(1) : raw).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      return { exclude, test: new RegExp(`^${escaped}$`) };
    });
    parsed = { from, patterns: list };
  }
  return parsed.patterns;
}

/** True when the `debug` setting enables `namespace`; `-pattern` entries exclude. */
export function isEnabled(namespace: string): boolean {
  let enabled = false;
  for (const { exclude, test } of patterns()) {
    if (!test.test(namespace)) continue;
    if (exclude) return false;
    enabled = true;
  }
  return enabled;
}

function channel(namespace: string, sink: (...data: unknown[]) => void): LogFunction {
  return (format, ...args) => {
    if (!isEnabled(namespace)) return;
    if (typeof format === 'string') sink(`${namespace} ${format}`, ...args);
    else sink(namespace, format, ...args);
  };
}

export class Logger {
  readonly #debug: LogFunction;
  readonly #info: LogFunction;
  readonly #warn: LogFunction;
  readonly #error: LogFunction;

  constructor(prefix?: string) {
    const ns = (level?: string) => [APP, level, prefix].filter(Boolean).join(':');
    this.#debug = channel(ns(), console.info.bind(console));
    this.#info = channel(ns('INFO'), console.info.bind(console));
    this.#warn = channel(ns('WARN'), console.warn.bind(console));
    this.#error = channel(ns('ERROR'), console.error.bind(console));
  }

  get debug(): LogFunction {
    return this.#debug;
  }
  get info(): LogFunction {
    return this.#info;
  }
  get warn(): LogFunction {
    return this.#warn;
  }
  get error(): LogFunction {
    return this.#error;
  }
}
