// The reference: peerjs-server (npm `peer`) as its users run it, in a process of its own. Its
// default limit of 5,000 connected clients is raised so that it can hold the idle workload.
import './probe.js';
import type { AddressInfo } from 'node:net';
import { PeerServer } from 'peer';

PeerServer({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1', path: '/', concurrent_limit: 1_000_000 }, (server) => {
  console.log(`peerjs-server listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
});
