// Signalling benchmark (`npm run bench`): what a server costs its operator per unit of work.
// Each server under test runs in processes of its own, the load generator in another; server CPU
// is read from /proc (user + system time) before and after each measured part, RSS likewise.
// Targets run in alternating rounds (A B C, A B C, …); figures are medians over rounds, ratios
// are taken to the bare socket.io relay of the same round. Prints, and writes docs/benchmarks.md;
// asserts nothing.
//
// Knobs (environment): BENCH_ROUNDS (9), BENCH_TARGETS (bare,peerjs,memory,redis-1,redis-2),
// BENCH_WORKLOADS (pair-setup,relay-acked,relay,idle), BENCH_PAIRS (1000), BENCH_CONCURRENCY (20),
// BENCH_RELAY_PAIRS (100), BENCH_ROUND_TRIPS (200), BENCH_IDLE_PEERS (10000), BENCH_IDLE_ROUNDS (3),
// BENCH_WRITE (1; 0 leaves docs/benchmarks.md alone), BENCH_CPU_PROF (a directory: run the servers
// with node --cpu-prof into it, and note there when each measured part ran; see bench/profile.ts),
// BENCH_COMPARE_DIST and BENCH_COMPARE_LABEL (target `compare`: another build's dist/, in memory;
// with `memory` in the same run, the two are also printed against each other round by round).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromLoad, Job, LoadResult, ToLoad, Workload } from './signalling/load.js';
import { nodeCommand, openFileLimits, raiseFileLimitTo, rssBytes, settle, totalCpuMs } from './signalling/proc.js';
import { absoluteTable, comparisonLines, percentile, ratioRange, ratioTable, writeSection, type Column, type RoundFigures, type Rounds } from './signalling/report.js';
import { BASELINE, TARGETED, profileServersWith, targets, type RunningTarget, type Target } from './signalling/targets.js';

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got ${process.env[name]}`);
  return value;
};
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);

const ROUNDS = Math.max(1, env('BENCH_ROUNDS', 9));
const PAIRS = env('BENCH_PAIRS', 1000);
const CONCURRENCY = Math.max(1, env('BENCH_CONCURRENCY', 20));
const RELAY_PAIRS = env('BENCH_RELAY_PAIRS', 100);
const ROUND_TRIPS = env('BENCH_ROUND_TRIPS', 200);
const IDLE_PEERS = env('BENCH_IDLE_PEERS', 10_000) & ~1;
const IDLE_ROUNDS = Math.max(1, env('BENCH_IDLE_ROUNDS', 3));
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
if (PROFILE_DIR) {
  mkdirSync(PROFILE_DIR, { recursive: true });
  profileServersWith(['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]);
}

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
type LoadGenerator = ReturnType<typeof startLoadGenerator>;
const jobFor = (target: Target, urls: string[], tag: string, workload: Workload): Job => ({ workload, protocol: target.protocol, urls, tag });

/** Idle memory on a fresh server, so that what other workloads left in its heap does not count. */
async function measureIdle(target: Target, round: number): Promise<RoundFigures> {
  const load = startLoadGenerator();
  const server = await target.start();
  try {
    await settle(server.pids);
    await server.gc();
    const empty = rssOf(server);
    let held = 0;
    await load.run(jobFor(target, server.urls, `i${round}`, { kind: 'idle', peers: idlePeers, concurrency: 50 }), {
      async ready() {
        await settle(server.pids);
        await server.gc();
        held = rssOf(server);
      },
      finished: async () => {},
    });
    const perPeer = (held - empty) / idlePeers;
    console.log(`  ${target.label}: ${(perPeer / 1024).toFixed(1)} KB per idle peer (empty ${(empty / 1048576).toFixed(0)} MB, ${idlePeers} peers ${(held / 1048576).toFixed(0)} MB)`);
    return { emptyRss: empty, idleRssPerPeer: perPeer };
  } finally {
    await server.stop();
    load.stop();
  }
}

/** A target kept running through all rounds of the CPU workloads, with its own load generator. */
interface Live {
  target: Target;
  server: RunningTarget;
  load: LoadGenerator;
}

type CpuWorkload = 'pair-setup' | 'relay-acked' | 'relay';

/** One CPU workload on one target; the figures it gives, or nothing when it does not apply. */
async function measureCpu({ target, server, load }: Live, workload: CpuWorkload, round: number): Promise<RoundFigures> {
  const tag = `${workload === 'pair-setup' ? 'p' : workload === 'relay' ? 'rn' : 'ra'}${round}`;
  if (workload === 'pair-setup') {
    if (PAIRS === 0) return {};
    // The first round also warms up the JIT of both ends, unmeasured.
    const r = await measure(load, target, server, jobFor(target, server.urls, tag, { kind: 'pair-setup', pairs: PAIRS, concurrency: CONCURRENCY, warmup: round === 0 ? Math.min(200, PAIRS) : 0 }));
    const figures = {
      pairCpuUs: (r.cpuMs * 1000) / r.units,
      pairsPerSecond: r.units / (r.wallMs / 1000),
      p50: percentile(r.latencies, 50),
      p95: percentile(r.latencies, 95),
      p99: percentile(r.latencies, 99),
    };
    console.log(`  ${target.label}: ${figures.pairCpuUs.toFixed(0)} µs CPU per pair, ${figures.pairsPerSecond.toFixed(0)} pairs/s, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms`);
    return figures;
  }
  // peerjs-server's protocol has no acks: its one relay run stands for both rows.
  const acked = workload === 'relay-acked' && target.protocol !== 'peerjs';
  if (RELAY_PAIRS === 0 || ROUND_TRIPS === 0 || (target.protocol === 'peerjs' && workload === 'relay' && WORKLOADS.has('relay-acked'))) return {};
  const r = await measure(load, target, server, jobFor(target, server.urls, tag, { kind: 'relay', pairs: RELAY_PAIRS, roundTrips: ROUND_TRIPS, acked }));
  const cpuUs = (r.cpuMs * 1000) / r.units;
  const perSecond = r.units / (r.wallMs / 1000);
  console.log(`  ${target.label}: ${cpuUs.toFixed(1)} µs CPU per message, ${perSecond.toFixed(0)} messages/s${acked ? '' : ', no acks'}`);
  return acked ? { ackedCpuUs: cpuUs, ackedPerSecond: perSecond } : { unackedCpuUs: cpuUs, unackedPerSecond: perSecond };
}

const rounds: Rounds = Array.from({ length: ROUNDS }, () => Object.fromEntries(chosen.map((t) => [t.id, {}])));
const started = new Date();
const cpuWorkloads = (['pair-setup', 'relay-acked', 'relay'] as const).filter((w) => WORKLOADS.has(w));

// CPU: every target runs at once (idle between its turns) and the turns alternate quickly, so
// that the machine's other load falls on all of them alike.
if (cpuWorkloads.length > 0) {
  const live: Live[] = [];
  try {
    for (const target of chosen) live.push({ target, server: await target.start(), load: startLoadGenerator() });
    for (let round = 0; round < ROUNDS; round++) {
      for (const workload of cpuWorkloads) {
        console.log(`round ${round + 1}/${ROUNDS}, ${workload}:`);
        for (const target of live) Object.assign(rounds[round]![target.target.id]!, await measureCpu(target, workload, round));
      }
    }
  } finally {
    for (const { server, load } of live) {
      load.stop();
      await server.stop();
    }
  }
}
if (idlePeers > 0) {
  for (let round = 0; round < Math.min(ROUNDS, IDLE_ROUNDS); round++) {
    console.log(`round ${round + 1}/${Math.min(ROUNDS, IDLE_ROUNDS)}, idle memory:`);
    for (const target of chosen) Object.assign(rounds[round]![target.id]!, await measureIdle(target, round));
  }
}

const columns: Column[] = chosen.map(({ id, label }) => ({ id, label, targeted: id === TARGETED }));
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
// Another build in the same run: each round's two figures side by side, the machine's drift shared.
const compared = columns.find((c) => c.id === 'compare');
const ours = columns.find((c) => c.id === TARGETED);
const comparison = compared && ours && comparisonLines(rounds, ours, compared);
if (comparison) console.log(`${comparison}\n`);
for (const line of skipped) console.log(`Not measured: ${line}.`);

if (WRITE && baseline) {
  const spreads = others
    .filter((c) => c.id !== 'peerjs')
    .map((c) => {
      const parts = (
        [
          ['pair setup', 'pairCpuUs'],
          ['acked relay', 'ackedCpuUs'],
          ['relay without acks', 'unackedCpuUs'],
        ] as const
      ).flatMap(([label, metric]) => {
        const range = ratioRange(rounds, c.id, metric, baseline.id);
        return range ? [`${label} ${range}`] : [];
      });
      return parts.length ? `${c.label}: ${parts.join(', ')}` : '';
    })
    .filter(Boolean);
  writeSection(
    DOCS,
    `## Signalling: server cost per unit of work

Measured ${started.toISOString().slice(0, 10)} with \`npm run bench\`: ${setup} Each server runs in
processes of its own and the load generator in another; the server's CPU (user + system, all
threads, from \`/proc/<pid>/stat\`) is read before and after each measured part, and its RSS (after a
full GC) empty and with the idle peers joined. Ratios are medians over rounds of the ratio to the
bare socket.io relay in the same round; absolute figures are medians over rounds.

${ratios}

${absolute}

- **bare socket.io relay**: the floor for any socket.io server: a \`Map\` of rooms, the join in the
  handshake auth, a \`joined\`/\`peerJoined\` notice, a direct \`socket.emit\` of the payload as it
  came to the partner's socket, and an ack answered when asked for. No validation, no rate limit.
- **peerjs-server**: npm \`peer\` as its users start it (its limit of 5,000 clients raised for the
  idle workload), driven over raw WebSocket with the PeerJS client's OFFER/ANSWER/CANDIDATE
  messages. Its protocol has no acks: its one relay figure stands in both relay rows.
- **ours**: \`dist/server/main.js\` as \`npm start\` runs it, with the SDK's traffic: the join in the
  handshake auth, every signal acked (except in the row without acks). The rate limit is raised
  (\`CIGNAL_RATE_LIMIT=10000\`), and so are the limits per client address (all the load comes from
  one), so that neither refuses the load; both still count every message.
- Every server is started with \`node --expose-gc --import tsx\` and a small probe (a GC on request
  before RSS is read); the empty RSS includes that loader.
- The machine's two cores are shared with other work: a figure moves by ±30% between rounds, which
  is why targets take turns seconds apart and ratios are taken within a round. Round-to-round
  ratios here: ${spreads.join('; ') || 'one round only'}. The load generator runs on the same
  cores; latencies and rates include its own cost, which is lower for raw WebSocket (peerjs) than
  for socket.io-client.
${skipped.length ? `\nNot measured: ${skipped.join('; ')}.\n` : ''}`,
  );
  console.log(`Written to ${DOCS}`);
}
