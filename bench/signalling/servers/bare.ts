// The floor for any socket.io signalling server: a Map of rooms, the join on the handshake, and a
// direct emit to the partner's socket. No validation, no identity stamping, no rate limit, no
// store, no grace period; acks are answered when the client asks for one.
import './probe.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';

const rooms = new Map<string, Socket[]>();
const http = createServer();
const io = new Server(http, { serveClient: false });

io.on('connection', (socket) => {
  const { roomId, peerId } = socket.handshake.auth as { roomId: string; peerId: string };
  const room = rooms.get(roomId) ?? [];
  if (!rooms.has(roomId)) rooms.set(roomId, room);
  const partner = room[0];
  room.push(socket);
  // The joiner learns who is there; the one already there learns who came.
  socket.emit('joined', { peer: partner ? { peerId: (partner.handshake.auth as { peerId: string }).peerId } : null });
  partner?.emit('peerJoined', { peerId });
  for (const event of ['offer', 'answer', 'candidate']) {
    socket.on(event, (payload: unknown, ack?: (response: { ok: true }) => void) => {
      const to = room[0] === socket ? room[1] : room[0];
      to?.emit(event, payload);
      ack?.({ ok: true });
    });
  }
  socket.on('disconnect', () => {
    room.splice(room.indexOf(socket), 1);
    if (room.length === 0) rooms.delete(roomId);
  });
});

http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`bare socket.io relay listening on http://127.0.0.1:${(http.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => io.close(() => process.exit(0)));
