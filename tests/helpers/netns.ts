// A real network for browser tests: Linux network namespaces joined by a bridge, so that a test
// can pull a host's cable, move it to a new address or blackhole a peer while the Cignal server
// and Chromium run inside. Needs root and iproute2's `ip`.
//
// Topology: one "switch" namespace holds a bridge (br0); every host is its own namespace with `lo`
// up and a veth pair, `eth0` (IPv4 only, in 10.213.<n>.0/24) in the host, the other end on br0.
// Every namespace is named `cg<pid>-…` after this process. The machine's own interfaces, loopback
// and routes are never touched: every command is `ip -n <ours>` or `ip netns exec <ours>`.
// Cleanup: `destroy()`, and a process 'exit'/SIGINT/SIGTERM/SIGHUP handler for what is left; a
// detached watcher process removes them if this process dies by SIGKILL; and `createNetwork`
// first removes stale `cg<pid>-` namespaces whose process is gone.
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, chromiumArgs } from './chromium.mjs';

const PREFIX = 'cg';
const OWN = `${PREFIX}${process.pid}-`;
/** Temp dirs are named after the process too, so that what a killed process left can be found. */
const TEMP = `cignal-netns-${process.pid}-`;
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

function findIp(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    const candidate = join(dir || '.', 'ip');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
const IP = findIp();
/** Debian's nftables, for `Host.silence`; found like `ip`. */
const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((path) => existsSync(path)) ?? 'nft';

let unavailable: string | null | undefined;
/** Why network namespaces cannot be used here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (unavailable !== undefined) return unavailable;
  if (process.platform !== 'linux') unavailable = `network namespaces need Linux (this is ${process.platform})`;
  else if (process.getuid?.() !== 0) unavailable = `network namespaces need root (uid is ${process.getuid?.()}); run as root, as CI does`;
  else if (!IP) unavailable = "the `ip` command (Debian package iproute2) is missing: run `bash scripts/system-deps.sh ip`";
  else {
    try {
      execFileSync(IP, ['netns', 'list'], { stdio: 'pipe' });
      unavailable = null;
    } catch (error) {
      unavailable = `\`ip netns list\` fails: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
    }
  }
  return unavailable;
}

/** True when this process may create network namespaces (Linux, root, `ip` present). */
export function canUseNetns(): boolean {
  return netnsUnavailable() === null;
}

function requireNetns(): string {
  const reason = netnsUnavailable();
  if (reason) throw new Error(`netns: ${reason}`);
  return IP!;
}

/** Runs `ip …args` and resolves with its stdout; rejects with the command and its stderr. */
/** Runs an nftables script in namespace `ns` (nft reads it from its standard input). */
function nft(ns: string, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(requireNetns(), ['netns', 'exec', ns, NFT, '-f', '-'], { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`nft in ${ns}: ${stderr.trim() || error.message}`));
      else resolve();
    });
    child.stdin?.end(script);
  });
}

function ip(...args: string[]): Promise<string> {
  const bin = requireNetns();
  return new Promise((resolve, reject) => {
    execFile(bin, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Cleanup: the namespaces and temp dirs this process owns, removed whatever way it ends.

const ownedNamespaces = new Set<string>();
const ownedDirs = new Set<string>();

function listNamespaces(): string[] {
  const out = execFileSync(IP!, ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').map((line) => line.trim().split(/\s+/)[0]!).filter(Boolean);
}

/** Kills what runs inside `ns`: only our own children and their descendants live there. */
function killInsideSync(ns: string): void {
  const pids = execFileSync(IP!, ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Kills what runs inside `ns` and deletes it. */
function removeNamespaceSync(ns: string): void {
  try {
    killInsideSync(ns);
  } catch {
    // the namespace is already gone
  }
  try {
    execFileSync(IP!, ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  ownedNamespaces.delete(ns);
}

function cleanupSync(): void {
  for (const ns of [...ownedNamespaces].reverse()) removeNamespaceSync(ns);
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
  ownedDirs.clear();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces `cg<pid>-…` (and temp dirs) of processes that are gone, e.g. killed by SIGKILL, are removed. */
export function removeStaleNamespaces(): string[] {
  requireNetns();
  const stale = (pid: number) => pid !== process.pid && !alive(pid);
  const removed: string[] = [];
  for (const ns of listNamespaces()) {
    const match = /^cg(\d+)-/.exec(ns);
    if (!match || !stale(Number(match[1]))) continue;
    removeNamespaceSync(ns);
    removed.push(ns);
  }
  for (const name of readdirSync(tmpdir())) {
    const match = /^cignal-netns-(\d+)-/.exec(name);
    if (match && stale(Number(match[1]))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  return removed;
}

let hooked = false;
function installCleanupHooks(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', cleanupSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      cleanupSync();
      // Our listener replaced the default action; if nobody else handles the signal, die of it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
  // A SIGKILLed process runs no handler: a detached watcher removes our namespaces once we are gone.
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `for ns in $('${IP}' netns list | sed -n 's/^\\(${OWN}[^ ]*\\).*/\\1/p'); do`,
    `  for p in $('${IP}' netns pids "$ns"); do kill -9 "$p" 2>/dev/null; done`,
    `  '${IP}' netns del "$ns"`,
    'done',
    `rm -rf '${tmpdir()}'/${TEMP}*`,
  ].join('\n');
  spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

function tempDir(purpose: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${TEMP}${purpose}-`));
  ownedDirs.add(dir);
  return dir;
}

function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  ownedDirs.delete(dir);
}

// ---------------------------------------------------------------------------------------------
// Networks and hosts

export interface Host {
  /** The name given to addHost ('alice'). */
  readonly name: string;
  /** The network namespace it lives in (`cg<pid>-…`, at most 15 characters). */
  readonly netns: string;
  /** Its current IPv4 address on eth0 (changes with changeAddress). */
  readonly address: string;
  /** Spawns `cmd args` inside the host's namespace (via `ip netns exec`). */
  exec(cmd: string, args?: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Runs `cmd args` inside the namespace and resolves with its stdout. */
  run(cmd: string, args?: readonly string[]): Promise<string>;
  /** The device loses power: SIGKILL to everything running in the namespace (no goodbye is said). */
  killAll(): void;
  /** Takes eth0 down (the cable is pulled: no route, the address stays). */
  linkDown(): Promise<void>;
  /** Brings eth0 back up, with its address and routes. */
  linkUp(): Promise<void>;
  /** Moves eth0 to a new address in the subnet (the old one is gone), as Wi-Fi → cellular does. */
  changeAddress(address?: string): Promise<{ from: string; to: string }>;
  /** Drops everything this host sends to `address` (an `ip route blackhole` in its namespace). */
  blackhole(address: string): Promise<void>;
  unblackhole(address: string): Promise<void>;
  /**
   * Drops what this host sends from UDP `port`, but for STUN (a first payload byte below 4, RFC
   * 7983): ICE's checks on that path still pass, so both sides call it connected, while the media
   * and data it carries never arrive. An nftables rule in the host's namespace (Debian's nftables).
   */
  silence(port: number): Promise<void>;
  /** Takes away every `silence`. */
  unsilence(): Promise<void>;
}

export interface Network {
  /** `10.213.<n>.0/24`. */
  readonly subnet: string;
  readonly hosts: ReadonlyMap<string, Host>;
  /** A new host namespace on the switch, with `lo` and `eth0` up and the next free address. */
  addHost(name: string): Promise<Host>;
  /** Kills what still runs inside the network's namespaces and deletes them. */
  destroy(): Promise<void>;
}

export interface NetworkOptions {
  /** The third octet of 10.213.x.0/24. Networks are isolated from each other, so any value works. */
  subnet?: number;
}

let networkCount = 0;

/** Creates the switch namespace with its bridge; add hosts with `addHost`. */
export async function createNetwork({ subnet }: NetworkOptions = {}): Promise<Network> {
  requireNetns();
  removeStaleNamespaces();
  installCleanupHooks();
  const id = (networkCount++).toString(36);
  const octet = subnet ?? ((process.pid + networkCount) % 250) + 1;
  const base = `10.213.${octet}`;
  const nsOf = (label: string) => {
    const name = `${OWN}${id}${label}`;
    if (name.length > 15) throw new Error(`netns: namespace name ${name} is longer than 15 characters`);
    return name;
  };
  const sw = nsOf('sw');
  const hosts = new Map<string, Host>();
  const namespaces: string[] = [];
  const used = new Set<string>();
  let nextHost = 10;
  let nextIndex = 0;
  let nextMoved = 100;

  const create = async (ns: string) => {
    ownedNamespaces.add(ns);
    namespaces.push(ns);
    await ip('netns', 'add', ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
  };

  await create(sw);
  await ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', sw, 'link', 'set', 'br0', 'up');

  const network: Network = {
    subnet: `${base}.0/24`,
    hosts,
    async addHost(name) {
      if (hosts.has(name)) throw new Error(`netns: there is already a host ${name}`);
      // Taken at once, so that hosts added concurrently get ports of their own.
      const index = nextIndex++;
      const room = 15 - `${OWN}${id}`.length;
      const label = name.replace(/[^A-Za-z0-9]/g, '') || 'h';
      let ns = nsOf(label.slice(0, room));
      if (namespaces.includes(ns)) ns = nsOf(`${label.slice(0, room - String(index).length)}${index}`);
      const port = `v${index}`;
      let address = `${base}.${nextHost++}`;
      used.add(address);
      await create(ns);
      // IPv4 only: no link-local IPv6 path that would survive changeAddress.
      await run('/bin/sh', ['-c', 'for f in all default lo; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done']).catch(() => {});
      await ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', sw);
      await ip('-n', sw, 'link', 'set', port, 'master', 'br0', 'up');
      await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      await routes();

      // A default route out of eth0, as a host on a real network has: Chromium finds its default
      // local address by "connecting" a UDP socket to a public address, which needs a route.
      async function routes() {
        await ip('-n', ns, 'route', 'replace', 'default', 'dev', 'eth0');
      }

      function exec(cmd: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
        return spawn(requireNetns(), ['netns', 'exec', ns, cmd, ...args], options);
      }

      function run(cmd: string, args: readonly string[] = []): Promise<string> {
        return new Promise((resolve, reject) => {
          execFile(requireNetns(), ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
            if (error) reject(new Error(`${cmd} ${args.join(' ')} in ${ns}: ${stderr.trim() || error.message}`));
            else resolve(stdout);
          });
        });
      }

      const host: Host = {
        name,
        netns: ns,
        get address() {
          return address;
        },
        exec,
        run,
        killAll: () => killInsideSync(ns),
        async linkDown() {
          await ip('-n', ns, 'link', 'set', 'eth0', 'down');
        },
        async linkUp() {
          await ip('-n', ns, 'link', 'set', 'eth0', 'up');
          // Taking the link down flushed the routes through it; the connected one comes back with
          // the address, the default one has to be added again.
          await routes();
        },
        async changeAddress(to) {
          if (!to) {
            do to = `${base}.${nextMoved++}`;
            while (used.has(to));
          }
          if (used.has(to)) throw new Error(`netns: ${to} is already in use`);
          const from = address;
          await ip('-n', ns, 'addr', 'del', `${from}/24`, 'dev', 'eth0');
          await ip('-n', ns, 'addr', 'add', `${to}/24`, 'dev', 'eth0');
          await routes();
          used.delete(from);
          used.add(to);
          address = to;
          return { from, to };
        },
        async blackhole(target) {
          await ip('-n', ns, 'route', 'replace', 'blackhole', `${target}/32`);
        },
        async unblackhole(target) {
          await ip('-n', ns, 'route', 'del', 'blackhole', `${target}/32`);
        },
        async silence(port) {
          await nft(ns, `add table inet cignal
add chain inet cignal out { type filter hook output priority 0; }
add rule inet cignal out udp sport ${port} @th,64,8 >= 4 drop
`);
        },
        async unsilence() {
          await nft(ns, 'destroy table inet cignal\n').catch(() => nft(ns, 'delete table inet cignal\n')).catch(() => {});
        },
      };
      hosts.set(name, host);
      return host;
    },
    async destroy() {
      for (const ns of namespaces.reverse()) removeNamespaceSync(ns);
      namespaces.length = 0;
      hosts.clear();
    },
  };
  return network;
}

// ---------------------------------------------------------------------------------------------
// The Cignal server inside a host

export interface NetnsServer {
  /** `http://<address>:<port>`, as the server printed it. */
  readonly url: string;
  /** The running server's process (a new one after restart). */
  readonly process: ChildProcess;
  /** Everything the server printed so far (stdout and stderr, all runs). */
  output(): string;
  /** Stops the server with `signal` and resolves once the process has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again (stopping it first if it still runs) on the same address and port. */
  restart(): Promise<void>;
}

export interface ServerInOptions {
  /** How long to wait for "Cignal is listening on …". Default 15 s. */
  timeout?: number;
}

/**
 * Runs `node dist/server/main.js` inside `host`'s namespace, listening on the host's address (PORT
 * 8080 unless env says otherwise, with no ICE servers), and resolves once it says it listens.
 * CIGNAL_*, TLS_*, PORT and HOST of this process's environment are not passed on; `env` is.
 */
export async function startServerIn(host: Host, env: Record<string, string> = {}, { timeout = 15_000 }: ServerInOptions = {}): Promise<NetnsServer> {
  const main = join(packageRoot, 'dist', 'server', 'main.js');
  if (!existsSync(main)) throw new Error(`netns: ${main} is missing; the server must be built (npm run build) first`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(CIGNAL_|TLS_|PORT$|HOST$)/.test(name)));
  const childEnv = { ...inherited, PORT: '8080', HOST: host.address, CIGNAL_ICE_SERVERS: '[]', ...env };
  // An empty working directory, so that no .env file is read.
  const cwd = tempDir('server');
  let log = '';
  let child!: ChildProcess;
  let url = '';

  const spawnServer = () =>
    new Promise<void>((resolve, reject) => {
      const proc = host.exec(process.execPath, [main], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let pending = '';
      const timer = setTimeout(() => fail(new Error(`timed out after ${timeout} ms`)), timeout);
      const fail = (error: Error) => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(new Error(`netns: the server in ${host.netns} did not start: ${error.message}\n${log}`));
      };
      proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        log += chunk;
        pending += chunk;
        const match = /Cignal is listening on (\S+)/.exec(pending);
        if (match) {
          clearTimeout(timer);
          pending = '';
          url = match[1]!;
          resolve();
        }
      });
      proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
      proc.once('error', fail);
      proc.once('exit', (code, signal) => fail(new Error(`it exited (${signal ?? `code ${code}`})`)));
    });

  const exited = (proc: ChildProcess) =>
    proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  await spawnServer();
  const server: NetnsServer = {
    get url() {
      return url;
    },
    get process() {
      return child;
    },
    output: () => log,
    async stop(signal = 'SIGTERM') {
      const proc = child;
      const done = exited(proc);
      proc.kill(signal);
      await done;
    },
    async restart() {
      await server.stop('SIGTERM');
      const before = url;
      await spawnServer();
      if (url !== before) throw new Error(`netns: the server came back on ${url}, not ${before}`);
    },
  };
  return server;
}

// ---------------------------------------------------------------------------------------------
// Chromium inside a host

export interface BrowserInOptions {
  /** Options of Chromium's fake camera and microphone, e.g. `device-count=2`. */
  fakeDevices?: string;
  /**
   * Origins to treat as secure. getUserMedia needs a secure context, and `http://10.213.…` is not
   * one (only localhost is): pass the server's URL here.
   */
  secureOrigins?: string[];
  /** More Chromium flags. */
  args?: string[];
}

/**
 * Launches Chromium (with the flags of chromium.mjs) inside `host`'s namespace: a wrapper script
 * runs `ip netns exec <ns> chromium "$@"`, and Playwright drives it over its pipe as usual.
 */
export async function launchBrowserIn(host: Host, { fakeDevices, secureOrigins = [], args: extra = [] }: BrowserInOptions = {}): Promise<Browser> {
  const ipPath = requireNetns();
  const dir = tempDir('chromium');
  const wrapper = join(dir, 'chromium');
  writeFileSync(wrapper, `#!/bin/sh\nexec '${ipPath}' netns exec '${host.netns}' '${CHROMIUM}' "$@"\n`, { mode: 0o755 });
  const fake = '--use-fake-device-for-media-stream';
  const args = fakeDevices ? chromiumArgs.map((arg) => (arg === fake ? `${fake}=${fakeDevices}` : arg)) : [...chromiumArgs];
  if (secureOrigins.length) args.push(`--unsafely-treat-insecure-origin-as-secure=${secureOrigins.map((o) => new URL(o).origin).join(',')}`);
  args.push(...extra);
  try {
    const browser = await chromium.launch({ executablePath: wrapper, headless: true, args });
    browser.once('disconnected', () => removeTempDir(dir));
    return browser;
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
}
