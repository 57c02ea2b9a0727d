// The load generator: a process of its own, driven by the benchmark over IPC. For each workload
// it sets up what is not measured, says `ready`, runs the measured part on `go`, reports
// `finished` with its figures, and on the next `go` cleans up and says `done`.
import { performance } from 'node:perf_hooks';
import { join, type Peer, type Protocol } from './drivers.js';

export type Workload =
  /** Join, offer, answer, 8 candidates each way, many pairs at once. */
  | { kind: 'pair-setup'; pairs: number; concurrency: number; warmup: number }
  /** Candidates bounced between the two peers of each pair, acked or not. */
  | { kind: 'relay'; pairs: number; roundTrips: number; acked: boolean }
  /** Peers that join and sit there. */
  | { kind: 'idle'; peers: number; concurrency: number };

export interface Job {
  workload: Workload;
  protocol: Protocol;
  urls: string[];
  /** Makes room and peer ids unique across jobs on one server. */
  tag: string;
}

export interface LoadResult {
  /** Units of work done in the measured part: pairs set up, messages relayed, peers held. */
  units: number;
  wallMs: number;
  /** Per-unit latencies (pair setup only), ms. */
  latencies: number[];
  /** Acks that came back with a refusal: any at all makes the run suspect. */
  refusals: number;
}

export type ToLoad = { type: 'run'; job: Job } | { type: 'go' } | { type: 'exit' };
export type FromLoad = { type: 'ready' } | { type: 'finished'; result: LoadResult } | { type: 'done' } | { type: 'failed'; error: string };

const CANDIDATES = 8;

function send(message: FromLoad) {
  process.send!(message);
}

let go: () => void = () => {};
const started = () => new Promise<void>((resolve) => (go = resolve));

/** Runs `count` tasks, at most `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

async function joinPair(job: Job, i: number): Promise<[Peer, Peer]> {
  const roomId = `${job.tag}-${i}`;
  const [urlA, urlB] = [job.urls[0]!, job.urls[1 % job.urls.length]!];
  const a = await join(job.protocol, urlA, roomId, `${job.tag}a${i}`, `${job.tag}b${i}`);
  const b = await join(job.protocol, urlB, roomId, `${job.tag}b${i}`, `${job.tag}a${i}`);
  await a.partnerJoined();
  return [a, b];
}

/** One pair from nothing to a negotiated call, as two SDKs do it; the time it took, ms. */
async function setUpPair(job: Job, i: number, peers: Peer[]): Promise<number> {
  const start = performance.now();
  const [a, b] = await joinPair(job, i);
  peers.push(a, b);
  b.on('offer', () => {
    b.send('answer', true);
    for (let n = 0; n < CANDIDATES; n++) b.send('candidate', true);
  });
  a.send('offer', true);
  for (let n = 0; n < CANDIDATES; n++) a.send('candidate', true);
  await Promise.all([a.received('answer', 1), a.received('candidate', CANDIDATES), b.received('candidate', CANDIDATES)]);
  // Asked only now: B's acks are owed once B has sent, which the line above waits for.
  await Promise.all([a.acked(), b.acked()]);
  return performance.now() - start;
}

async function pairSetup(job: Job, workload: Extract<Workload, { kind: 'pair-setup' }>): Promise<void> {
  const peers: Peer[] = [];
  // Warms up the JIT of both ends; not measured.
  await pool(workload.warmup, workload.concurrency, async (i) => void (await setUpPair({ ...job, tag: `${job.tag}w` }, i, peers)));
  for (const peer of peers.splice(0)) peer.close();
  send({ type: 'ready' });
  await started();
  const latencies: number[] = [];
  const start = performance.now();
  await pool(workload.pairs, workload.concurrency, async (i) => void latencies.push(await setUpPair(job, i, peers)));
  const wallMs = performance.now() - start;
  send({ type: 'finished', result: { units: workload.pairs, wallMs, latencies, refusals: peers.reduce((n, p) => n + p.refusals, 0) } });
  await started();
  for (const peer of peers) peer.close();
}

async function relay(job: Job, workload: Extract<Workload, { kind: 'relay' }>): Promise<void> {
  const pairs: Array<[Peer, Peer]> = [];
  await pool(workload.pairs, 20, async (i) => void pairs.push(await joinPair(job, i)));
  // Each pair bounces one message at a time: A sends, B answers on arrival, A sends on arrival.
  const bounce = (roundTrips: number, [a, b]: [Peer, Peer]) =>
    new Promise<void>((resolve) => {
      let sent = 1;
      b.on('candidate', () => b.send('candidate', workload.acked));
      a.on('candidate', () => {
        if (sent < roundTrips) {
          sent++;
          a.send('candidate', workload.acked);
        }
      });
      a.send('candidate', workload.acked);
      void Promise.all([a.received('candidate', roundTrips), b.received('candidate', roundTrips)]).then(() => resolve());
    });
  // A short warm-up on every pair (listeners stay: the measured part continues the count).
  const warmup = Math.min(20, workload.roundTrips);
  await Promise.all(pairs.map((pair) => bounce(warmup, pair)));
  await Promise.all(pairs.flatMap(([a, b]) => [a.acked(), b.acked()]));
  send({ type: 'ready' });
  await started();
  const start = performance.now();
  const total = warmup + workload.roundTrips;
  await Promise.all(
    pairs.map(async ([a, b]) => {
      let sent = 0;
      // Continue the bounce from where the warm-up left it.
      const next = () => {
        if (++sent <= workload.roundTrips) a.send('candidate', workload.acked);
      };
      a.on('candidate', () => next());
      next();
      await Promise.all([a.received('candidate', total), b.received('candidate', total)]);
      await Promise.all([a.acked(), b.acked()]);
    }),
  );
  const wallMs = performance.now() - start;
  const units = workload.pairs * workload.roundTrips * 2;
  send({ type: 'finished', result: { units, wallMs, latencies: [], refusals: pairs.reduce((n, [a, b]) => n + a.refusals + b.refusals, 0) } });
  await started();
  for (const [a, b] of pairs) {
    a.close();
    b.close();
  }
}

async function idle(job: Job, workload: Extract<Workload, { kind: 'idle' }>): Promise<void> {
  const peers: Peer[] = [];
  const start = performance.now();
  await pool(workload.peers / 2, workload.concurrency, async (i) => void peers.push(...(await joinPair(job, i))));
  const wallMs = performance.now() - start;
  send({ type: 'ready' });
  await started();
  send({ type: 'finished', result: { units: peers.length, wallMs, latencies: [], refusals: 0 } });
  await started();
  for (const peer of peers) peer.close();
}

process.on('message', (message: ToLoad) => {
  if (message.type === 'go') return go();
  if (message.type === 'exit') return process.exit(0);
  const { job } = message;
  const run = job.workload.kind === 'pair-setup' ? pairSetup(job, job.workload) : job.workload.kind === 'relay' ? relay(job, job.workload) : idle(job, job.workload);
  run.then(
    // Lets the closes go out before the next job.
    () => setTimeout(() => send({ type: 'done' }), 200),
    (error: unknown) => send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
