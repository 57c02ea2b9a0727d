// Turns the rounds' figures into tables: medians over rounds, and ratios to the baseline taken
// round by round (each round runs every target back to back, so drift cancels out).
import { readFileSync, writeFileSync } from 'node:fs';

/** The figures of one target in one round; a workload that did not run leaves its fields out. */
export interface RoundFigures {
  pairCpuUs?: number;
  pairsPerSecond?: number;
  p50?: number;
  p95?: number;
  p99?: number;
  ackedCpuUs?: number;
  ackedPerSecond?: number;
  unackedCpuUs?: number;
  unackedPerSecond?: number;
  idleRssPerPeer?: number;
  emptyRss?: number;
}
export type Metric = keyof RoundFigures;

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** rounds[r][targetId] = figures. */
export type Rounds = Array<Record<string, RoundFigures>>;

export const medianOf = (rounds: Rounds, target: string, metric: Metric) =>
  median(rounds.map((r) => r[target]?.[metric]).filter((v): v is number => v !== undefined));

/** The median over rounds of target/baseline, each ratio taken within one round. */
export const ratioOf = (rounds: Rounds, target: string, metric: Metric, baseline: string, baselineMetric: Metric = metric) =>
  median(
    rounds
      .map((r) => [r[target]?.[metric], r[baseline]?.[baselineMetric]] as const)
      .filter((pair): pair is readonly [number, number] => pair[0] !== undefined && pair[1] !== undefined && pair[1] > 0)
      .map(([value, base]) => value / base),
  );

/** The lowest and highest per-round ratio of target to baseline: how much the machine moved the figures. */
export function ratioRange(rounds: Rounds, target: string, metric: Metric, baseline: string): string | undefined {
  const ratios = rounds
    .map((r) => [r[target]?.[metric], r[baseline]?.[metric]] as const)
    .filter((pair): pair is readonly [number, number] => pair[0] !== undefined && pair[1] !== undefined && pair[1] > 0)
    .map(([value, base]) => value / base);
  return ratios.length > 1 ? `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×` : undefined;
}

export interface Column {
  id: string;
  label: string;
  /** The targets are for this column (ours, in memory); its cells show them. */
  targeted?: boolean;
}

interface RatioRow {
  label: string;
  metric: Metric;
  /** At or below this ratio, ours in memory meets the issue's target. */
  target?: number;
  /** peerjs-server has no acks: its acked-relay cell is its plain relay against the acked baseline. */
  peerjsMetric?: Metric;
}

const ratioRows: RatioRow[] = [
  { label: 'server CPU per pair setup (join, offer, answer, 8+8 candidates)', metric: 'pairCpuUs', target: 1.0 },
  { label: 'server CPU per relayed message, signals acked as the SDK sends them', metric: 'ackedCpuUs', target: 1.0, peerjsMetric: 'unackedCpuUs' },
  { label: 'the same without acks', metric: 'unackedCpuUs', target: 1.0 },
  { label: 'pair setup latency p50 under load', metric: 'p50' },
  { label: 'memory per idle joined peer (RSS)', metric: 'idleRssPerPeer', target: 1.1 },
];

const fixed = (value: number | undefined, digits: number) => (value === undefined ? '–' : value.toFixed(digits));

/** The ratio table: one column per target other than the baseline. */
export function ratioTable(rounds: Rounds, baseline: Column, others: Column[]): string {
  const header = `| per unit of work | ${others.map((c) => `${c.label} / ${baseline.label}`).join(' | ')} |`;
  const lines = [header, `|---|${others.map(() => '---').join('|')}|`];
  for (const row of ratioRows) {
    const cells = others.map((column) => {
      const peerjs = column.id === 'peerjs' && row.peerjsMetric;
      const ratio = ratioOf(rounds, column.id, peerjs ? row.peerjsMetric! : row.metric, baseline.id, row.metric);
      if (ratio === undefined) return '–';
      const target = column.targeted && row.target !== undefined ? ` (target ≤ ${row.target.toFixed(1)}×)` : '';
      return `${ratio.toFixed(2)}×${peerjs ? ' (no acks in its protocol)' : ''}${target}`;
    });
    lines.push(`| ${row.label} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * One build of ours against another measured in the same rounds (target `compare`): for each
 * figure with a target, the median of the per-round ratios of the two, and their range.
 */
export function comparisonLines(rounds: Rounds, ours: Column, compared: Column): string | undefined {
  const lines = ratioRows
    .filter((row) => row.target !== undefined)
    .flatMap(({ label, metric }) => {
      const ratio = ratioOf(rounds, ours.id, metric, compared.id);
      const range = ratioRange(rounds, ours.id, metric, compared.id);
      return ratio === undefined ? [] : [`  ${label}: ${ratio.toFixed(2)}×${range ? ` (rounds ${range})` : ''}`];
    });
  return lines.length ? `${ours.label} / ${compared.label}, within each round:\n${lines.join('\n')}` : undefined;
}

/** Absolute figures: medians over rounds, one row per target. */
export function absoluteTable(rounds: Rounds, columns: Column[]): string {
  const lines = [
    '| target | CPU µs / pair | pairs/s | setup p50 / p95 / p99 ms | CPU µs / msg, acked | msgs/s, acked | CPU µs / msg, no acks | msgs/s, no acks | RSS / idle peer | empty RSS |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { id, label } of columns) {
    const m = (metric: Metric) => medianOf(rounds, id, metric);
    const kb = m('idleRssPerPeer');
    const mb = m('emptyRss');
    lines.push(
      `| ${label} | ${fixed(m('pairCpuUs'), 0)} | ${fixed(m('pairsPerSecond'), 0)} | ${fixed(m('p50'), 1)} / ${fixed(m('p95'), 1)} / ${fixed(m('p99'), 1)} ` +
        `| ${fixed(m('ackedCpuUs'), 1)} | ${fixed(m('ackedPerSecond'), 0)} | ${fixed(m('unackedCpuUs'), 1)} | ${fixed(m('unackedPerSecond'), 0)} ` +
        `| ${kb === undefined ? '–' : `${(kb / 1024).toFixed(1)} KB`} | ${mb === undefined ? '–' : `${(mb / 1024 / 1024).toFixed(0)} MB`} |`,
    );
  }
  return lines.join('\n');
}

const START = '<!-- signalling: written by npm run bench -->';
const END = '<!-- /signalling -->';

/** Replaces this benchmark's section of the file (or adds it before the other sections), leaving the rest as it is. */
export function writeSection(file: string, body: string) {
  const text = readFileSync(file, 'utf8');
  const section = `${START}\n${body.trim()}\n${END}`;
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  let next: string;
  if (start !== -1 && end > start) next = text.slice(0, start) + section + text.slice(end + END.length);
  else {
    // After the page's introduction, before the first other section.
    const other = text.indexOf('<!-- ');
    next = other === -1 ? `${text.trimEnd()}\n\n${section}\n` : `${text.slice(0, other)}${section}\n\n${text.slice(other)}`;
  }
  writeFileSync(file, next);
}
