// The servers under test, each started in processes of its own. A target that cannot run here
// (a server without Redis support, no redis-server installed) says why and is skipped.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Protocol } from './drivers.js';
import { nodeCommand } from './proc.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const serverScript = (name: string) => fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url));

/** A target while it runs: where to connect, and the processes whose CPU and memory count. */
export interface RunningTarget {
  /** One URL per node; a pair's two peers go to different nodes when there are several. */
  urls: string[];
  /** Every process that does the target's work (its nodes, and Redis when it has one). */
  pids: number[];
  /** The Node processes among them, whose RSS counts for idle memory. */
  nodePids: number[];
  /** A full garbage collection in each Node process. */
  gc(): Promise<void>;
  /** Each Node process's clock, as its CPU profile timestamps samples (µs), by pid. */
  times(): Promise<Array<{ pid: number; time: number }>>;
  stop(): Promise<void>;
}

export interface Target {
  id: string;
  label: string;
  protocol: Protocol;
  /** Why this target cannot run on this machine, or null when it can. */
  unavailable(): Promise<string | null>;
  start(): Promise<RunningTarget>;
}

/** Extra node flags for every server process (--cpu-prof for profiling runs). */
let profileArgs: string[] = [];
export function profileServersWith(args: string[]) {
  profileArgs = args;
}

/** Cignal's configuration for every run: loopback only, and a rate limit that never refuses bench traffic. */
const cignalEnv = {
  HOST: '127.0.0.1',
  PORT: '0',
  // The bucket still runs on every packet (its cost is counted); it just never says no.
  CIGNAL_RATE_LIMIT: '10000',
  CIGNAL_RATE_BURST: '100000',
  // All the load comes from one address: the limits per address are counted, and never refuse.
  CIGNAL_IP_CONNECTIONS: '1000000',
  CIGNAL_IP_JOINS_PER_MINUTE: '1000000',
  CIGNAL_IP_MESSAGES_PER_SECOND: '10000000',
};

interface NodeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts a Node server with the benchmark's probe; resolves once it prints the URL it listens on. */
async function startNode(script: string, env: Record<string, string>): Promise<NodeProcess> {
  const args = ['--expose-gc', ...profileArgs, '--import', 'tsx', script];
  const [command, commandArgs] = nodeCommand(args);
  const child = spawn(command, commandArgs, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 20 s:\n${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`${script} exited with ${code}:\n${output}`), { output }));
    });
  });
  return { child, url, output: () => output };
}

async function stopNode(node: NodeProcess) {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = once(node.child, 'exit');
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function gcNode(node: NodeProcess) {
  const done = new Promise<void>((resolve) => node.child.on('message', function listener(message) {
    if (message !== 'gc-done') return;
    node.child.off('message', listener);
    resolve();
  }));
  node.child.send('gc');
  await done;
}

async function timeOf(node: NodeProcess): Promise<{ pid: number; time: number }> {
  const time = new Promise<number>((resolve) => node.child.on('message', function listener(message: { time?: number }) {
    if (typeof message?.time !== 'number') return;
    node.child.off('message', listener);
    resolve(message.time);
  }));
  node.child.send('time');
  return { pid: node.child.pid!, time: await time };
}

function running(nodes: NodeProcess[], extra: { pids: number[]; stop(): Promise<void> } = { pids: [], stop: async () => {} }): RunningTarget {
  return {
    urls: nodes.map((n) => n.url),
    pids: [...nodes.map((n) => n.child.pid!), ...extra.pids],
    nodePids: nodes.map((n) => n.child.pid!),
    gc: async () => void (await Promise.all(nodes.map(gcNode))),
    times: () => Promise.all(nodes.map(timeOf)),
    stop: async () => {
      await Promise.all(nodes.map(stopNode));
      await extra.stop();
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private redis-server on a free loopback port, without persistence; stopped with the target. */
async function startRedis(): Promise<{ url: string; pids: number[]; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    pids: [child.pid!],
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

let redisSupport: Promise<string | null> | undefined;
/**
 * Whether Cignal's server honours REDIS_URL, asked of the server itself: pointed at a port where
 * no Redis listens, a server that supports Redis refuses to start (naming REDIS_URL); one that
 * starts anyway ignores the variable.
 */
function cignalRedisSupport(): Promise<string | null> {
  redisSupport ??= (async () => {
    if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
      return 'redis-server is not installed (bash scripts/system-deps.sh redis-server)';
    }
    const unreachable = `redis://127.0.0.1:${await freePort()}`;
    try {
      const node = await startNode(serverScript('cignal'), { ...cignalEnv, REDIS_URL: unreachable });
      await stopNode(node);
      return 'the server does not support REDIS_URL yet (it started while pointed at a Redis that does not exist)';
    } catch (error) {
      const output = (error as { output?: string }).output ?? String(error);
      return /REDIS_URL/.test(output) ? null : `the server failed to start with REDIS_URL set, without naming it: ${output.trim().split('\n')[0]}`;
    }
  })();
  return redisSupport;
}

function cignalWithRedis(nodes: number): Target {
  return {
    id: `redis-${nodes}`,
    label: `ours, Redis, ${nodes} node${nodes > 1 ? 's' : ''}`,
    protocol: 'cignal',
    unavailable: cignalRedisSupport,
    async start() {
      const redis = await startRedis();
      try {
        const started = await Promise.all(Array.from({ length: nodes }, () => startNode(serverScript('cignal'), { ...cignalEnv, REDIS_URL: redis.url })));
        return running(started, redis);
      } catch (error) {
        await redis.stop();
        throw error;
      }
    },
  };
}


export const targets: Target[] = [
  {
    id: 'bare',
    label: 'bare socket.io relay',
    protocol: 'bare',
    unavailable: async () => null,
    start: async () => running([await startNode(serverScript('bare'), { HOST: '127.0.0.1', PORT: '0' })]),
  },
  {
    id: 'peerjs',
    label: 'peerjs-server',
    protocol: 'peerjs',
    unavailable: async () => null,
    start: async () => running([await startNode(serverScript('peerjs'), { HOST: '127.0.0.1', PORT: '0' })]),
  },
  {
    id: 'memory',
    label: 'ours, in memory',
    protocol: 'cignal',
    unavailable: async () => null,
    start: async () => running([await startNode(serverScript('cignal'), cignalEnv)]),
  },
  cignalWithRedis(1),
  cignalWithRedis(2),
  {
    // Another build of ours (BENCH_COMPARE_DIST: its dist/ directory), in memory, to compare a
    // change with the code before it in the same run: BENCH_TARGETS=bare,memory,compare.
    id: 'compare',
    label: `ours, in memory, ${process.env.BENCH_COMPARE_LABEL ?? 'the build compared'}`,
    protocol: 'cignal',
    unavailable: async () => (process.env.BENCH_COMPARE_DIST ? null : 'BENCH_COMPARE_DIST names no build to compare with'),
    start: async () => running([await startNode(serverScript('cignal'), { ...cignalEnv, BENCH_SERVER_DIST: resolve(process.env.BENCH_COMPARE_DIST!) })]),
  },
];

export const BASELINE = 'bare';
/** The targets are for the in-memory store; the Redis figures say what a cluster costs. */
export const TARGETED = 'memory';
