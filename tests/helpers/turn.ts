// A real TURN server for tests: Debian's coturn (`turnserver`) on a free loopback port, with the
// TURN REST secret the Cignal server mints credentials from.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

export interface TurnServer {
  /** The secret coturn checks credentials against (CIGNAL_TURN_SECRET). */
  secret: string;
  /** `turn:127.0.0.1:<port>` (UDP) and the same over TCP. */
  urls: string[];
  port: number;
  stop(): Promise<void>;
}

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Starts coturn with `secret`; resolves once it accepts connections. */
export async function startTurn(secret = 'turn-secret-for-tests'): Promise<TurnServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('/usr/bin/turnserver', [
    '-n', '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=cignal.test',
    `--listening-port=${port}`, '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1',
    '--min-port=49160', '--max-port=49660',
    '--no-cli', '--no-tls', '--no-dtls', '--allow-loopback-peers', '--log-file=stdout', '--simple-log',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`coturn did not start on port ${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    secret,
    port,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
