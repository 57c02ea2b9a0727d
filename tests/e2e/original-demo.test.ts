// Code written for the original Cignal, moved over as docs/migrating.md says: a Node app that
// attaches signalling to its own HTTPS server with `new Server(server, {})` and
// `initSocketServer(io)`, and a demo page in the original's shape (the same ids, the same calls in
// the same order, listeners attached after `await Cignal.createRoom(...)`, names from
// `window.prompt`, errors shown with `alert`) whose one change is the import: the SDK bundle
// instead of the original's copied `lib/` files. Two such pages call each other, with decoded video
// both ways, a message, the link copied, and a hang-up.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Server } from 'socket.io';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allRooms, initSocketServer, totalRoomsRunning, type Signalling } from '../../server/index.js';
import { cdnDir } from '../../server/paths.js';
import { CHROMIUM, chromiumArgs } from '../helpers/chromium.mjs';

// The page at /, in the original demo's shape.
const demoHtml = `<!doctype html>
<html>
  <head><meta charset="utf-8"><title>Cignal video call demo</title></head>
  <body>
    <div id="clientLink" style="display: none">
      <h5>Share this link with the other person to join the room.</h5>
      <span id="clientLinkToCopy"></span>
      <input type="button" id="copyBtn" value="Copy">
    </div>
    <span id="clientLinkHelperText">Generating the link. Please wait...</span>
    <div id="thankYou" style="display: none"><h5>Thank you for using the Cignal video call demo.</h5></div>
    <h3><span id="allUsers"></span></h3>
    <div id="otherElements">
      <b><span id="showLocalUserName"></span></b>
      <video id="localVideo" autoplay muted></video>
      <video id="remoteVideo" autoplay></video>
      <b><span id="showRemoteUserName"></span></b>
      <div id="callInitiator"><button id="callBtn">Call</button></div>
      <div id="callOngoing" style="display: none"><button id="hangUpBtn">Hang Up</button></div>
      <div id="informPeerBlock"><button id="informPeerBtn">Inform Peer</button></div>
    </div>
    <script src="./src/index.js" type="module"></script>
  </body>
</html>
`;

// /src/index.js: the original demo's use of the API. The import is the one line that changed.
const demoScript = `import { Cignal, getUrlParam, Logger } from "/cignal.js";
const logger = new Logger("index");
const askedName = window.prompt("What's your name?", "Peer");
const peerId = undefined;
const peerName = askedName === null ? "Peer" : askedName;
const roomId = getUrlParam("roomId", null);
const url = \`https://\${window.location.host}/\`;
const mediaConstraints = {
  audio: true,
  video: {
    width: { min: 320, ideal: 1280, max: 1280 },
    height: { min: 240, ideal: 720, max: 720 },
    aspectRatio: 1.777777778,
    frameRate: { min: 15, max: 30 },
  },
};
let cignal;

const $ = (id) => document.getElementById(id);
$("otherElements").hidden = true;

window.addEventListener("load", async () => {
  cignal = await Cignal.createRoom({ url, peerId, roomId, peerName, mediaConstraints });
  logger.debug("cignal is:%O", cignal);
  $("showLocalUserName").innerHTML = \`Hello, \${cignal.data.myDisplayName}\`;

  cignal.on("remoteStream", (remoteStream) => {
    $("remoteVideo").srcObject = remoteStream;
    $("showRemoteUserName").innerHTML = cignal.data.remoteDisplayName;
  });
  cignal.on("localStream", (localStream) => {
    $("localVideo").srcObject = localStream;
    $("otherElements").hidden = false;
    $("clientLinkHelperText").hidden = true;
    if (!roomId) {
      $("allUsers").innerHTML = \`Other user in cignal room(\${cignal.id}): None\`;
      $("clientLink").style.display = "flex";
      $("clientLinkToCopy").innerHTML = \`\${url}?roomId=\${cignal.id}\`;
    }
  });
  cignal.on("peerJoined", (name) => {
    $("allUsers").innerHTML = \`Other user in cignal room(\${cignal.id}): \${name}\`;
  });
  cignal.on("offerReceived", () => {
    $("callInitiator").style.display = "none";
    $("callOngoing").style.display = "block";
  });
  cignal.on("clientError", ({ reason, error }) => {
    alert(\`\${reason}\`);
    logger.debug("Client side error:%O", error);
  });
  cignal.on("serverError", ({ reason, error }) => {
    alert(\`\${reason.message}\`);
    logger.debug("Server side error:%O", error);
  });
  cignal.on("peerHangUp", () => hangUp());
  cignal.on("information", (data) => {
    alert(\`Message received from peer is-: \${data.chatMessage} \`);
  });
});

$("callBtn").addEventListener("click", async () => {
  const res = await cignal.joinRoom();
  if (res.success) {
    $("callOngoing").style.display = "block";
    $("callInitiator").style.display = "none";
    $("clientLink").style.display = "none";
  }
});
$("copyBtn").addEventListener("click", () => cignal.copyLink(\`\${url}?roomId=\${cignal.id}\`));
$("hangUpBtn").addEventListener("click", async () => {
  const res = await cignal.leaveRoom();
  if (res.success) hangUp();
});
$("informPeerBtn").addEventListener("click", () => cignal.inform({ chatMessage: "Hello world!" }));

function hangUp() {
  $("showLocalUserName").innerHTML = "";
  $("allUsers").innerHTML = "";
  $("otherElements").hidden = true;
  $("callOngoing").style.display = "none";
  $("clientLink").style.display = "none";
  $("callInitiator").style.display = "block";
  $("thankYou").style.display = "flex";
}
`;

let certDir: string;
let https: HttpsServer;
let io: Server;
let signalling: Signalling;
let origin: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'cignal-original-'));
  const [key, cert] = [join(certDir, 'key.pem'), join(certDir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const bundle = readFileSync(join(cdnDir, 'cignal.js'));
  // The app: the demo page, its script, and the SDK bundle; socket.io answers /socket.io/ itself.
  https = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (request, response) => {
    const path = new URL(request.url ?? '/', 'https://app.invalid').pathname;
    const file = path === '/' ? ['text/html', demoHtml] : path === '/src/index.js' ? ['text/javascript', demoScript] : path === '/cignal.js' ? ['text/javascript', bundle] : null;
    if (!file) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8` }).end(file[1]);
  });
  // As the original README has it.
  io = new Server(https, {});
  signalling = initSocketServer(io);
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  // The certificate is self-signed: this browser trusts it as a visitor's trusts a real one.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...chromiumArgs, '--ignore-certificate-errors'] });
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
  await signalling?.close();
  await new Promise<void>((resolve) => (io ? io.close(() => resolve()) : resolve()));
  rmSync(certDir, { recursive: true, force: true });
});

interface Visitor {
  page: Page;
  /** What the page showed with alert(), in order. */
  alerts: string[];
  /** Uncaught errors of the page. */
  errors: string[];
}

/** Opens `url` as a person called `name`, who types it into the page's prompt. */
async function visit(url: string, name: string): Promise<Visitor> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone', 'clipboard-read', 'clipboard-write'] });
  contexts.push(context);
  const page = await context.newPage();
  const visitor: Visitor = { page, alerts: [], errors: [] };
  page.on('pageerror', (error) => visitor.errors.push(error.message));
  page.on('dialog', (dialog) => {
    if (dialog.type() === 'prompt') return void dialog.accept(name);
    visitor.alerts.push(dialog.message());
    void dialog.accept();
  });
  await page.goto(url);
  return visitor;
}

const text = (page: Page, id: string) => page.locator(`#${id}`).textContent();
const shown = (page: Page, id: string) => page.locator(`#${id}`).isVisible();

/** Resolves once `#remoteVideo` shows decoded frames and keeps getting new ones. */
async function remoteVideoPlays(page: Page): Promise<void> {
  const frames = () => page.evaluate(() => document.querySelector<HTMLVideoElement>('#remoteVideo')!.getVideoPlaybackQuality().totalVideoFrames);
  await page.waitForFunction(() => {
    const video = document.querySelector<HTMLVideoElement>('#remoteVideo')!;
    return video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 3;
  }, null, { timeout: 20_000 });
  const before = await frames();
  await page.waitForFunction((before) => document.querySelector<HTMLVideoElement>('#remoteVideo')!.getVideoPlaybackQuality().totalVideoFrames > before + 5, before, { timeout: 20_000 });
}

describe('the original demo page, moved over', () => {
  it("two pages call each other through initSocketServer on the app's own server: video both ways, a message, the link copied, a hang-up", async () => {
    const alice = await visit(`${origin}/`, 'Alice');
    await alice.page.locator('#clientLinkToCopy').filter({ hasText: 'roomId=' }).waitFor({ timeout: 15_000 });
    const link = (await text(alice.page, 'clientLinkToCopy'))!;
    const roomId = new URL(link).searchParams.get('roomId')!;
    expect(link).toBe(`${origin}/?roomId=${roomId}`);
    expect(await text(alice.page, 'showLocalUserName')).toBe('Hello, Alice');

    await alice.page.click('#copyBtn');
    await expect.poll(() => alice.page.evaluate(() => navigator.clipboard.readText())).toBe(link);

    const bob = await visit(link, 'Bob');
    await expect.poll(() => text(alice.page, 'allUsers'), { timeout: 15_000 }).toBe(`Other user in cignal room(${roomId}): Bob`);
    await expect.poll(() => text(bob.page, 'allUsers')).toBe(`Other user in cignal room(${roomId}): Alice`);
    // What the original server exposed to the app, as plain data.
    expect(await totalRoomsRunning()).toBe(1);
    const [room] = await allRooms();
    expect(room).toMatchObject({ id: roomId });
    expect(room!.peers.map((peer) => peer.displayName).sort()).toEqual(['Alice', 'Bob']);

    await alice.page.click('#callBtn');
    await Promise.all([remoteVideoPlays(alice.page), remoteVideoPlays(bob.page)]);
    expect(await shown(alice.page, 'hangUpBtn')).toBe(true);
    expect(await shown(bob.page, 'hangUpBtn')).toBe(true); // offerReceived
    expect(await text(alice.page, 'showRemoteUserName')).toBe('Bob');
    expect(await text(bob.page, 'showRemoteUserName')).toBe('Alice');

    await bob.page.click('#informPeerBtn');
    await expect.poll(() => alice.alerts).toEqual(['Message received from peer is-: Hello world! ']);

    await alice.page.click('#hangUpBtn');
    await expect.poll(() => shown(alice.page, 'thankYou')).toBe(true);
    await expect.poll(() => shown(bob.page, 'thankYou'), { timeout: 10_000 }).toBe(true); // peerHangUp

    // Nothing went wrong on the way: no error event shown, no uncaught error.
    expect(bob.alerts).toEqual([]);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  }, 90_000);
});
