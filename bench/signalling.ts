// Signalling benchmark: Cignal's server against a bare socket.io relay measured in the same run.
//   join:  connect + seat, Cignal's handshake join vs. bare connect + an explicit `join` request
//   relay: an offer-sized message from A to B and an answer back (round trip through the server)
// Prints medians, p95 and the ratio to the baseline; asserts nothing (absolute times drift here).
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { io as connect, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { createServer } from '../server/server.js';

const JOINS = Number(process.env.BENCH_JOINS ?? 200);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 1000);
const sdp = `v=0\r\n${'a=candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host generation 0\r\n'.repeat(80)}`;

const options: Partial<ManagerOptions & SocketOptions> = { transports: ['websocket'], forceNew: true, reconnection: false };

async function startBaseline(): Promise<{ url: string; close(): Promise<void> }> {
  const http = createHttpServer();
  const io = new Server(http, { serveClient: false });
  io.on('connection', (socket) => {
    let room = '';
    socket.on('join', (roomId: string, ack: (r: { ok: boolean }) => void) => {
      room = roomId;
      void socket.join(roomId);
      ack({ ok: true });
    });
    for (const event of ['offer', 'answer']) socket.on(event, (payload) => socket.to(room).emit(event, payload));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => io.close(() => resolve())) };
}

function once<T>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.once(event, resolve);
    socket.once('connect_error', reject);
  });
}

const stats = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, p95: sorted[Math.floor(sorted.length * 0.95)]! };
};

async function cignalJoin(url: string, i: number): Promise<number> {
  const start = performance.now();
  const socket = connect(url, { ...options, auth: { roomId: `bench-${i}`, peerId: 'a', session: `s${i}` } });
  await once(socket, 'joined');
  const elapsed = performance.now() - start;
  socket.disconnect();
  return elapsed;
}

async function baselineJoin(url: string, i: number): Promise<number> {
  const start = performance.now();
  const socket = connect(url, options);
  await once(socket, 'connect');
  await socket.emitWithAck('join', `bench-${i}`);
  const elapsed = performance.now() - start;
  socket.disconnect();
  return elapsed;
}

async function pair(url: string, cignal: boolean): Promise<[Socket, Socket]> {
  if (cignal) {
    const a = connect(url, { ...options, auth: { roomId: 'rtt', peerId: 'a', session: 'sa' } });
    await once(a, 'joined');
    const b = connect(url, { ...options, auth: { roomId: 'rtt', peerId: 'b', session: 'sb' } });
    await once(b, 'joined');
    return [a, b];
  }
  const a = connect(url, options);
  const b = connect(url, options);
  await Promise.all([once(a, 'connect'), once(b, 'connect')]);
  await Promise.all([a.emitWithAck('join', 'rtt'), b.emitWithAck('join', 'rtt')]);
  return [a, b];
}

async function roundTrips(url: string, cignal: boolean): Promise<number[]> {
  const [a, b] = await pair(url, cignal);
  b.on('offer', () => b.emit('answer', { description: { type: 'answer', sdp }, connection: 'pc-b' }));
  const samples: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const start = performance.now();
    const answered = once(a, 'answer');
    a.emit('offer', { description: { type: 'offer', sdp }, connection: 'pc-a' });
    await answered;
    samples.push(performance.now() - start);
  }
  a.disconnect();
  b.disconnect();
  return samples;
}

async function measure(label: string, run: () => Promise<number[]>) {
  await run(); // warm-up: JIT, connection pools
  return { label, ...stats(await run()) };
}

const cignal = await createServer({ config: { port: 0, host: '127.0.0.1', iceServers: [], rateLimit: { perSecond: 100_000, burst: 100_000 } } });
const cignalUrl = await cignal.listen();
const baseline = await startBaseline();

const sequential = (n: number, f: (i: number) => Promise<number>) => async () => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await f(i));
  return out;
};

const rows = [
  [await measure('join: bare socket.io + join request', sequential(JOINS, (i) => baselineJoin(baseline.url, i))),
   await measure('join: Cignal handshake join', sequential(JOINS, (i) => cignalJoin(cignalUrl, i)))],
  [await measure('relay round trip: bare socket.io', () => roundTrips(baseline.url, false)),
   await measure('relay round trip: Cignal', () => roundTrips(cignalUrl, true))],
];

console.log(`Signalling benchmark (${JOINS} joins, ${ROUND_TRIPS} round trips of a ${(sdp.length / 1024).toFixed(1)} KB offer and answer)`);
console.log('case                                        median ms   p95 ms   ratio to baseline (median)');
for (const [base, ours] of rows) {
  for (const row of [base!, ours!]) {
    const ratio = row === base ? '1.00' : (row.median / base!.median).toFixed(2);
    console.log(`${row.label.padEnd(42)}  ${row.median.toFixed(3).padStart(9)}  ${row.p95.toFixed(3).padStart(7)}   ${ratio}`);
  }
}
await cignal.close();
await baseline.close();
