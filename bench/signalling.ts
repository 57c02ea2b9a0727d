// Signalling benchmark (`npm run bench`): what a server costs its operator per unit of work.
// Each server under test runs in processes of its own, the load generator in another; server CPU
// is read from /proc (user + system time) before and after each measured part, RSS likewise.
// Targets run in alternating rounds (A B C, A B C, …); figures are medians over rounds, ratios
// are taken to the bare socket.io relay of the same round. Prints, and writes docs/benchmarks.md;
// asserts nothing.
//
// Knobs (environment): BENCH_ROUNDS (5), BENCH_TARGETS (bare,peerjs,memory,redis-1,redis-2),
// BENCH_WORKLOADS (pair-setup,relay-acked,relay,idle), BENCH_PAIRS (1000), BENCH_CONCURRENCY (20),
// BENCH_RELAY_PAIRS (100), BENCH_ROUND_TRIPS (200), BENCH_IDLE_PEERS (10000),
// BENCH_WRITE (1; 0 leaves docs/benchmarks.md alone), BENCH_CPU_PROF (a directory: run the servers
// with node --cpu-prof into it, and note there when each measured part ran; see bench/profile.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromLoad, Job, LoadResult, ToLoad, Workload } from './signalling/load.js';
import { nodeCommand, openFileLimits, raiseFileLimitTo, rssBytes, settle, totalCpuMs } from './signalling/proc.js';
import { absoluteTable, percentile, ratioTable, writeSection, type Column, type RoundFigures, type Rounds } from './signalling/report.js';
import { BASELINE, profileServersWith, targets, type RunningTarget, type Target } from './signalling/targets.js';

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got ${process.env[name]}`);
  return value;
};
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);

const ROUNDS = Math.max(1, env('BENCH_ROUNDS', 5));
const PAIRS = env('BENCH_PAIRS', 1000);
const CONCURRENCY = Math.max(1, env('BENCH_CONCURRENCY', 20));
const RELAY_PAIRS = env('BENCH_RELAY_PAIRS', 100);
const ROUND_TRIPS = env('BENCH_ROUND_TRIPS', 200);
const IDLE_PEERS = env('BENCH_IDLE_PEERS', 10_000) & ~1;
const WORKLOADS = new Set(list('BENCH_WORKLOADS', 'pair-setup,relay-acked,relay,idle'));
const WANTED = list('BENCH_TARGETS', targets.map((t) => t.id).join(','));
const WRITE = process.env.BENCH_WRITE !== '0';
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const DOCS = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));

// The idle workload holds one socket per peer in the load generator and in the server.
const { soft, hard } = openFileLimits();
const filesNeeded = IDLE_PEERS + 1_000;
let idlePeers = WORKLOADS.has('idle') ? IDLE_PEERS : 0;
if (idlePeers > 0 && soft < filesNeeded) {
  if (hard >= filesNeeded) raiseFileLimitTo(filesNeeded);
  else {
    console.log(`Skipping idle memory: ${IDLE_PEERS} peers need ${filesNeeded} open files, and the hard limit (ulimit -Hn) is ${hard}.`);
    idlePeers = 0;
  }
}
if (PROFILE_DIR) profileServersWith(['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]);

const chosen: Target[] = [];
for (const target of targets.filter((t) => WANTED.includes(t.id))) {
  const reason = await target.unavailable();
  if (reason) console.log(`Skipping ${target.label}: ${reason}.`);
  else chosen.push(target);
}

/** The load generator, in a process of its own, and a way to run one job through it. */
function startLoadGenerator(): { run(job: Job, hooks: Hooks): Promise<LoadResult>; stop(): void } {
  const [command, args] = nodeCommand(['--import', 'tsx', fileURLToPath(new URL('./signalling/load.ts', import.meta.url))]);
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const post = (message: ToLoad) => child.send(message);
  return {
    run: (job, hooks) =>
      new Promise((resolve, reject) => {
        let result: LoadResult | undefined;
        const onExit = (code: number | null) => reject(new Error(`the load generator exited with ${code}`));
        const onMessage = (message: FromLoad) => {
          const step = async () => {
            if (message.type === 'ready') {
              await hooks.ready();
              post({ type: 'go' });
            } else if (message.type === 'finished') {
              result = message.result;
              await hooks.finished();
              post({ type: 'go' });
            } else if (message.type === 'done') {
              child.off('message', onMessage);
              child.off('exit', onExit);
              resolve(result!);
            } else if (message.type === 'failed') throw new Error(`the load generator failed: ${message.error}`);
          };
          step().catch((error: unknown) => {
            child.off('message', onMessage);
            child.off('exit', onExit);
            reject(error);
          });
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        post({ type: 'run', job });
      }),
    stop: () => {
      if (child.connected) post({ type: 'exit' });
    },
  };
}
interface Hooks {
  /** Set-up is over; the measured part starts when this resolves. */
  ready(): Promise<void>;
  /** The measured part is over; clean-up starts when this resolves. */
  finished(): Promise<void>;
}

/** When profiling: the measured parts, on each server process's profiler clock (µs). */
const windows: Array<{ pid: number; target: string; workload: string; from: number; to: number }> = [];

/** Runs a measured workload and returns its result with the target's CPU time spent on it. */
async function measure(load: ReturnType<typeof startLoadGenerator>, target: Target, server: RunningTarget, job: Job): Promise<LoadResult & { cpuMs: number }> {
  let before = 0;
  let after = 0;
  let from: Array<{ pid: number; time: number }> = [];
  const result = await load.run(job, {
    async ready() {
      await settle(server.pids);
      if (PROFILE_DIR) from = await server.times();
      before = totalCpuMs(server.pids);
    },
    async finished() {
      await settle(server.pids);
      after = totalCpuMs(server.pids);
      if (PROFILE_DIR) {
        const workload = job.workload.kind === 'relay' ? (job.workload.acked ? 'relay-acked' : 'relay') : job.workload.kind;
        for (const { pid, time } of await server.times()) windows.push({ pid, target: target.id, workload, from: from.find((f) => f.pid === pid)!.time, to: time });
        writeFileSync(join(PROFILE_DIR, 'windows.json'), JSON.stringify(windows, null, 2));
      }
    },
  });
  if (result.refusals > 0) console.log(`  warning: ${result.refusals} acks came back refused (${job.workload.kind})`);
  return { ...result, cpuMs: after - before };
}

const rssOf = (server: RunningTarget) => server.nodePids.reduce((sum, pid) => sum + rssBytes(pid), 0);

async function runTarget(target: Target, round: number): Promise<RoundFigures> {
  const figures: RoundFigures = {};
  const load = startLoadGenerator();
  const job = (urls: string[], tag: string, workload: Workload): Job => ({ workload, protocol: target.protocol, urls, tag: `${tag}${round}` });
  try {
    if (idlePeers > 0) {
      // A fresh server, so that what the other workloads left in its heap does not count.
      const server = await target.start();
      try {
        await settle(server.pids);
        await server.gc();
        const empty = rssOf(server);
        let held = 0;
        await load.run(job(server.urls, 'i', { kind: 'idle', peers: idlePeers, concurrency: 50 }), {
          async ready() {
            await settle(server.pids);
            await server.gc();
            held = rssOf(server);
          },
          finished: async () => {},
        });
        figures.emptyRss = empty;
        figures.idleRssPerPeer = (held - empty) / idlePeers;
        console.log(`  idle: ${(figures.idleRssPerPeer / 1024).toFixed(1)} KB per peer (empty ${(empty / 1048576).toFixed(0)} MB, ${idlePeers} peers ${(held / 1048576).toFixed(0)} MB)`);
      } finally {
        await server.stop();
      }
    }
    const server = await target.start();
    try {
      if (WORKLOADS.has('pair-setup') && PAIRS > 0) {
        const r = await measure(load, target, server, job(server.urls, 'p', { kind: 'pair-setup', pairs: PAIRS, concurrency: CONCURRENCY, warmup: Math.min(100, PAIRS) }));
        Object.assign(figures, {
          pairCpuUs: (r.cpuMs * 1000) / r.units,
          pairsPerSecond: r.units / (r.wallMs / 1000),
          p50: percentile(r.latencies, 50),
          p95: percentile(r.latencies, 95),
          p99: percentile(r.latencies, 99),
        });
        console.log(`  pair setup: ${figures.pairCpuUs!.toFixed(0)} µs CPU per pair, ${figures.pairsPerSecond!.toFixed(0)} pairs/s, p50 ${figures.p50!.toFixed(1)} ms, p99 ${figures.p99!.toFixed(1)} ms`);
      }
      // peerjs-server's protocol has no acks: one relay run stands for both.
      const relays = [
        ...(WORKLOADS.has('relay-acked') && target.protocol !== 'peerjs' ? [true] : []),
        ...(WORKLOADS.has('relay') || (WORKLOADS.has('relay-acked') && target.protocol === 'peerjs') ? [false] : []),
      ];
      for (const acked of relays) {
        if (RELAY_PAIRS === 0 || ROUND_TRIPS === 0) break;
        const r = await measure(load, target, server, job(server.urls, acked ? 'ra' : 'rn', { kind: 'relay', pairs: RELAY_PAIRS, roundTrips: ROUND_TRIPS, acked }));
        const cpuUs = (r.cpuMs * 1000) / r.units;
        const perSecond = r.units / (r.wallMs / 1000);
        if (acked) Object.assign(figures, { ackedCpuUs: cpuUs, ackedPerSecond: perSecond });
        else Object.assign(figures, { unackedCpuUs: cpuUs, unackedPerSecond: perSecond });
        console.log(`  relay ${acked ? 'acked' : 'without acks'}: ${cpuUs.toFixed(1)} µs CPU per message, ${perSecond.toFixed(0)} messages/s`);
      }
    } finally {
      await server.stop();
    }
  } finally {
    load.stop();
  }
  return figures;
}

const rounds: Rounds = [];
const started = new Date();
for (let round = 0; round < ROUNDS; round++) {
  const figures: Record<string, RoundFigures> = {};
  for (const target of chosen) {
    console.log(`round ${round + 1}/${ROUNDS}: ${target.label}`);
    figures[target.id] = await runTarget(target, round);
  }
  rounds.push(figures);
}

const columns: Column[] = chosen.map(({ id, label }) => ({ id, label }));
const baseline = columns.find((c) => c.id === BASELINE);
const others = columns.filter((c) => c.id !== BASELINE);
const skipped = await Promise.all(targets.filter((t) => WANTED.includes(t.id) && !chosen.includes(t)).map(async (t) => `${t.label}: ${await t.unavailable()}`));
const setup =
  `${ROUNDS} alternating rounds; pair setup: ${PAIRS} pairs, ${CONCURRENCY} at a time; relay: ${RELAY_PAIRS} pairs × ${ROUND_TRIPS} round trips; ` +
  `idle: ${idlePeers || 'no'} peers. Node ${process.version}, ${(await import('node:os')).cpus().length} cores (shared).`;
// Without the baseline in the run (e.g. a profiling run of one target), there are no ratios.
const ratios = baseline ? ratioTable(rounds, baseline, others) : `(no ratios: ${BASELINE} was not measured)`;
const absolute = absoluteTable(rounds, columns);
console.log(`\n${setup}\n\n${ratios}\n\n${absolute}\n`);
for (const line of skipped) console.log(`Not measured: ${line}.`);

if (WRITE && baseline) {
  const cpuSpread = others
    .map((c) => {
      const per = rounds.map((r) => r[c.id]?.pairCpuUs).filter((v): v is number => v !== undefined);
      return per.length > 1 ? `${c.label} ${Math.min(...per).toFixed(0)}–${Math.max(...per).toFixed(0)} µs` : '';
    })
    .filter(Boolean);
  writeSection(
    DOCS,
    `## Signalling: server cost per unit of work

Measured ${started.toISOString().slice(0, 10)} with \`npm run bench\` (${setup}). Each server runs in
processes of its own and the load generator in another; the server's CPU (user + system, all
threads, from \`/proc/<pid>/stat\`) is read before and after each measured part, and its RSS (after a
full GC) empty and with the idle peers joined. Ratios are medians over rounds of the ratio to the
bare socket.io relay in the same round; absolute figures are medians over rounds.

${ratios}

${absolute}
${cpuSpread.length ? `\nSpread of CPU per pair setup over rounds: ${cpuSpread.join('; ')}.\n` : ''}${skipped.length ? `\nNot measured: ${skipped.join('; ')}.\n` : ''}`,
  );
  console.log(`Written to ${DOCS}`);
}
