// Reads a V8 CPU profile of a server under test (`BENCH_CPU_PROF=dir npm run bench` runs Cignal's
// server with node --cpu-prof) and prints where the busy time went: by package, by function's own
// time, and by function including what it calls; percentages are of the time not idle. When the
// benchmark left windows.json beside the profile, each workload is summarised on its own over its
// measured parts (start-up, warm-up and clean-up left out); otherwise the whole profile.
//   tsx bench/profile.ts <file.cpuprofile> [rows] [filter]
// `filter` (a regular expression) limits the inclusive list to matching function names or files.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface Window {
  pid: number;
  target: string;
  workload: string;
  from: number;
  to: number;
}

const [file, rowsArg, filterArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile.ts <file.cpuprofile> [rows] [filter]');
  process.exit(2);
}
const rows = Number(rowsArg ?? 30);
const filter = filterArg ? new RegExp(filterArg) : null;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

/** The package a file belongs to (the innermost node_modules), else this repository's path. */
function locate(url: string): { pkg: string; path: string } {
  const at = url.lastIndexOf('node_modules/');
  if (at !== -1) {
    const parts = url.slice(at + 'node_modules/'.length).split('/');
    const pkg = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    return { pkg, path: `${pkg}/${parts.at(-1)}` };
  }
  if (url.startsWith('node:')) return { pkg: 'node internals', path: url };
  const repo = /\/((?:dist\/)?(?:server|sdk|bench)\/[^?]+)$/.exec(url);
  if (repo) return { pkg: 'cignal', path: repo[1]! };
  return { pkg: url || '(native)', path: url };
}
const key = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${locate(node.callFrame.url).path}:${node.callFrame.lineNumber + 1}`;
const packageOf = (node: ProfileNode) => (node.callFrame.url ? locate(node.callFrame.url).pkg : node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : '(native)');

/** Summarises the samples that fall in any of `spans` (µs on the profile's clock); all of them without. */
function summarise(title: string, spans: Array<[number, number]> = [[-Infinity, Infinity]]) {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  const add = (map: Map<string, number>, k: string, dt: number) => map.set(k, (map.get(k) ?? 0) + dt);
  let busy = 0;
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    time += dt;
    if (!spans.some(([from, to]) => time >= from && time <= to)) continue;
    const node = byId.get(profile.samples[i]!)!;
    if (node.callFrame.functionName === '(idle)') continue;
    busy += dt;
    add(self, key(node), dt);
    add(packages, packageOf(node), dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = key(byId.get(id)!);
      if (!seen.has(k)) add(inclusive, k, dt);
      seen.add(k);
    }
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const top = (map: Map<string, number>, n: number, keep: (k: string) => boolean = () => true) =>
    [...map].filter(([k]) => keep(k)).sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log(`\n=== ${title}: ${(busy / 1000).toFixed(0)} ms busy`);
  console.log('By package (own time):');
  for (const [k, us] of top(packages, 15)) console.log(`${pct(us)}  ${k}`);
  console.log('Functions, own time:');
  for (const [k, us] of top(self, rows)) console.log(`${pct(us)}  ${k}`);
  console.log(`Functions, including callees${filter ? ` (matching ${filter})` : ''}:`);
  for (const [k, us] of top(inclusive, rows, (k) => !k.startsWith('(root)') && (!filter || filter.test(k)))) console.log(`${pct(us)}  ${k}`);
}

// node names its profiles CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile.
const pid = Number(basename(file).split('.')[3]);
const windowsFile = join(dirname(file), 'windows.json');
const windows = existsSync(windowsFile) ? (JSON.parse(readFileSync(windowsFile, 'utf8')) as Window[]).filter((w) => w.pid === pid) : [];
if (windows.length === 0) summarise(file);
// One summary per workload, over all its rounds.
for (const workload of new Set(windows.map((w) => w.workload))) {
  const spans = windows.filter((w) => w.workload === workload).map((w): [number, number] => [w.from, w.to]);
  const seconds = spans.reduce((sum, [from, to]) => sum + (to - from), 0) / 1e6;
  summarise(`${basename(file)}: ${windows[0]!.target}, ${workload} (${spans.length} measured parts, ${seconds.toFixed(1)} s)`, spans);
}
