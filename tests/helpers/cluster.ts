// Real Cignal server processes sharing a Redis (`tsx server/main.ts`, configured by environment
// variables as an operator would), and a TCP proxy that stands in for the load balancer in front.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../../server/paths.js';

export interface Node {
  url: string;
  port: number;
  process: ChildProcess;
  /** What the process printed so far. */
  output(): string;
  /** Sends `signal` and resolves with the exit code once the process has ended. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const nodes = new Set<Node>();

/** Starts `server/main.ts` on a free port with `env`; resolves once it prints its URL. */
export function startNode(env: Record<string, string>): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'server', 'main.ts')], {
    cwd: packageRoot,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', CIGNAL_ICE_SERVERS: '[]', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (\S+)/.exec(output);
      if (!match) return;
      const url = match[1]!;
      const node: Node = {
        url,
        port: Number(new URL(url).port),
        process: child,
        output: () => output,
        async stop(signal = 'SIGTERM') {
          nodes.delete(node);
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      };
      nodes.add(node);
      resolve(node);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`the server exited with ${code}: ${output}`)));
  });
}

export async function stopAllNodes(): Promise<void> {
  await Promise.all([...nodes].map((node) => node.stop('SIGKILL')));
}

/**
 * A TCP proxy on a free loopback port that forwards each new connection to the port it points at,
 * as a load balancer would. `cut()` ends the connections it carries without a goodbye.
 */
export interface Proxy {
  url: string;
  /** Where new connections go; null turns them away, as a balancer with no server up would. */
  pointAt(port: number | null): void;
  cut(): void;
  close(): Promise<void>;
}

export async function startProxy(target: number): Promise<Proxy> {
  const pairs = new Set<[Socket, Socket]>();
  let port: number | null = target;
  const server: Server = createServer((incoming) => {
    if (port === null) {
      incoming.resetAndDestroy();
      return;
    }
    const outgoing = connect(port, '127.0.0.1');
    const pair: [Socket, Socket] = [incoming, outgoing];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      incoming.destroy();
      outgoing.destroy();
    };
    incoming.on('error', end).on('close', end);
    outgoing.on('error', end).on('close', end);
    incoming.pipe(outgoing);
    outgoing.pipe(incoming);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as { port: number };
  const proxy: Proxy = {
    url: `http://127.0.0.1:${own}`,
    pointAt(next) {
      port = next;
    },
    cut() {
      // A reset on both sides: neither end hears a close frame, as when a path dies.
      for (const [incoming, outgoing] of pairs) {
        incoming.resetAndDestroy();
        outgoing.resetAndDestroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise((resolve) => {
        proxy.cut();
        server.close(() => resolve());
      }),
  };
  proxies.add(proxy);
  return proxy;
}

const proxies = new Set<Proxy>();

export async function closeAllProxies(): Promise<void> {
  await Promise.all([...proxies].map((proxy) => proxy.close()));
  proxies.clear();
}
