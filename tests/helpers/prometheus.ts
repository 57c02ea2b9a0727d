// A strict reader of Prometheus' text exposition format (version 0.0.4), for tests: it throws on
// anything a Prometheus server would refuse or misread, and hands back the families it read.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** The family a sample name belongs to: itself, or a histogram's or summary's with a suffix. */
function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(sample);
  if (direct) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const family = families.get(sample.slice(0, -suffix.length));
    if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
  }
  return undefined;
}

function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new Error(`line ${line}: "\\${c}" is no escape a HELP text may hold`);
  });
}

/** A value as Go's strconv.ParseFloat reads it (what Prometheus uses): NaN and Inf in any case. */
function parseValue(text: string, line: number): number {
  if (/^nan$/i.test(text)) return NaN;
  const infinite = /^([-+]?)inf(inity)?$/i.exec(text);
  if (infinite) return infinite[1] === '-' ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: "${text}" is not a sample value`);
  return Number(text);
}

/** Reads `name{a="b",...} value [timestamp]`, with label values' escapes. */
function parseSample(text: string, line: number): Sample {
  const name = /^[^{\s]+/.exec(text)?.[0] ?? '';
  if (!metricName.test(name)) throw new Error(`line ${line}: "${name}" is not a metric name`);
  let rest = text.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const match = /^([^=\s]+)="/.exec(rest);
      if (!match || !labelName.test(match[1]!)) throw new Error(`line ${line}: a label must be name="value": ${rest}`);
      if (match[1]! in labels) throw new Error(`line ${line}: label ${match[1]} twice`);
      rest = rest.slice(match[0].length);
      let value = '';
      for (;;) {
        const c = rest[0];
        if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
        rest = rest.slice(1);
        if (c === '"') break;
        if (c === '\n') throw new Error(`line ${line}: raw newline in a label value`);
        if (c !== '\\') {
          value += c;
          continue;
        }
        const escaped = rest[0];
        rest = rest.slice(1);
        if (escaped === '\\') value += '\\';
        else if (escaped === '"') value += '"';
        else if (escaped === 'n') value += '\n';
        else throw new Error(`line ${line}: "\\${escaped}" is no escape a label value may hold`);
      }
      labels[match[1]!] = value;
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new Error(`line ${line}: labels must be separated by commas`);
    }
    rest = rest.slice(1);
  }
  const parts = rest.trim().split(/\s+/);
  if (!/^\s/.test(rest) || parts.length < 1 || parts.length > 2) throw new Error(`line ${line}: a sample is its name, labels, a value and an optional timestamp`);
  if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: "${parts[1]}" is not a timestamp`);
  return { name, labels, value: parseValue(parts[0]!, line) };
}

/** Parses an exposition strictly; throws an Error naming the line of the first fault. */
export function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!match) return; // a plain comment
      const [, keyword, name, rest] = match as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!metricName.test(name)) throw new Error(`line ${line}: "${name}" is not a metric name`);
      if (keyword === 'HELP') {
        if (helps.has(name)) throw new Error(`line ${line}: a second HELP for ${name}`);
        helps.set(name, unescapeHelp(rest, line));
        const family = families.get(name);
        if (family) family.help = helps.get(name)!;
        return;
      }
      if (!types.has(rest)) throw new Error(`line ${line}: "${rest}" is not a metric type`);
      if (families.has(name)) throw new Error(`line ${line}: a second TYPE for ${name}`);
      current = { name, type: rest as Family['type'], help: helps.get(name) ?? '', samples: [] };
      families.set(name, current);
      return;
    }
    const sample = parseSample(raw, line);
    const family = familyOf(sample.name, families);
    if (!family) throw new Error(`line ${line}: ${sample.name} has no TYPE line before it`);
    // All lines of one family form one group.
    if (family !== current) throw new Error(`line ${line}: ${sample.name} is apart from the rest of ${family.name}`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${line}: ${key} twice`);
    seen.add(key);
    if (family.type === 'counter' && !(sample.value >= 0)) throw new Error(`line ${line}: counter ${sample.name} is ${sample.value}`);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (!helps.has(family.name)) throw new Error(`${family.name} has no HELP line`);
  return families;
}

/** The value of the sample of `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) return sample.value;
    }
  }
  return undefined;
}

/** The server's `/metrics`, read with `token` and parsed; fails the test unless it answers 200. */
export async function scrapeMetrics(url: string, token: string): Promise<Map<string, Family>> {
  const response = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parsePrometheus(await response.text());
}
