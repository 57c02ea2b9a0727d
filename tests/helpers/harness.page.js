// Runs inside the test page (not transformed by the test runner): loads the SDK from the
// server's CDN route, records every event, and counts decoded frames of the remote video.
const { Cignal, cignalEventNames: names } = await import(`/cignal@${document.documentElement.dataset.cignalVersion}/cignal.js`);

function summarize(value) {
  if (value instanceof MediaStream) return { stream: value.id, tracks: value.getTracks().map((t) => t.kind) };
  if (value && typeof value === 'object' && 'error' in value) return { code: value.code, reason: String(value.reason), message: value.reason?.message };
  return value ?? null;
}

const T = {
  Cignal,
  room: null,
  events: [],
  frames: 0,
  video: null,
  async create(options) {
    const room = await Cignal.createRoom(options);
    T.room = room;
    // Attached after the await, as the original README does: nothing may be lost.
    for (const name of names) {
      room.on(name, (arg) => {
        T.events.push({ name, arg: summarize(arg) });
        if (name === 'remoteStream') T.play(arg);
      });
    }
    return { id: room.id, state: room.state, peerId: room.data.myPeerId };
  },
  play(stream) {
    const video = T.video ?? document.body.appendChild(document.createElement('video'));
    T.video = video;
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.srcObject = stream;
    video.play().catch(() => {});
    if (!video.counting) {
      video.counting = true;
      const count = () => {
        T.frames++;
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
    }
  },
  count(name) {
    return T.events.filter((e) => e.name === name).length;
  },
};
window.T = T;
