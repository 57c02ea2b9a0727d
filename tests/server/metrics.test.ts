// Prometheus /metrics: off without CIGNAL_METRICS_TOKEN, behind its bearer with it, in the text
// exposition format (read strictly here), and counting what a scripted call over real sockets does.
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, readConfig } from '../../server/config.js';
import { parsePrometheus, sampleValue, scrapeMetrics } from '../helpers/prometheus.js';
import { ask, closeAll, dropConnection, join, next, pair, refusal, startServer, uniqueRoom, RELAYED, type TestServer } from '../helpers/server.js';

const TOKEN = 'metrics-token-of-at-least-32-characters';

const servers: TestServer[] = [];
afterEach(async () => {
  closeAll();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(config: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const server = await startServer({ metricsToken: TOKEN, ...config });
  servers.push(server);
  return server;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/metrics`, { headers });
}

const scrape = (url: string) => scrapeMetrics(url, TOKEN);

const offer = { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }, connection: 'pc-1' };
const answer = { description: { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' }, connection: 'pc-1' };
const candidate = (n: number) => ({
  candidate: { candidate: `candidate:${n} 1 udp 2122260223 192.0.2.${n} 54400 typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' },
  connection: 'pc-1',
});

describe('the endpoint', () => {
  test('without CIGNAL_METRICS_TOKEN there is no /metrics: 404, as any address that does not exist', async () => {
    const { url } = await start({ metricsToken: null });

    const response = await get(url, { Authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toMatch(/cignal_/);
  });

  test('with it, no bearer is 401 with WWW-Authenticate: Bearer, a wrong one is 401, the right one 200 in the text format', async () => {
    const { url } = await start();

    for (const headers of [{} as Record<string, string>, { Authorization: TOKEN }, { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }]) {
      const response = await get(url, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.text()).not.toMatch(/cignal_/);
    }
    // Wrong of the same length, wrong and shorter, wrong and longer, and the right one with a character more.
    for (const wrong of [TOKEN.replace(/.$/, 'X'), 'short', `${TOKEN}${TOKEN}`, `${TOKEN}x`]) {
      const response = await get(url, { Authorization: `Bearer ${wrong}` });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toMatch(/cignal_/);
    }

    const response = await get(url, { Authorization: `bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const families = parsePrometheus(await response.text());
    expect(families.get('cignal_joins_total')).toMatchObject({ type: 'counter', help: expect.stringMatching(/\w/) });
    expect(families.get('cignal_build_info')!.samples).toEqual([{ name: 'cignal_build_info', labels: { version: expect.stringMatching(/^\d+\.\d+\.\d+/) }, value: 1 }]);
    // The process's own figures, under their standard names: event-loop lag, CPU, memory.
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
      expect(families.has(name), name).toBe(true);
    }
  });

  test('the token is checked at start: one shorter than 32 characters stops the server, without echoing it', () => {
    expect(readConfig({ CIGNAL_METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(readConfig({}).metricsToken).toBeNull();
    const short = 'too-short-a-token';
    expect(() => readConfig({ CIGNAL_METRICS_TOKEN: short })).toThrow(ConfigError);
    expect(() => readConfig({ CIGNAL_METRICS_TOKEN: short })).toThrow(/CIGNAL_METRICS_TOKEN must be at least 32 characters/);
    expect(() => readConfig({ CIGNAL_METRICS_TOKEN: short })).not.toThrow(new RegExp(short));
    // It travels in an Authorization header: one word of printable ASCII.
    expect(() => readConfig({ CIGNAL_METRICS_TOKEN: `${TOKEN} with spaces` })).toThrow(/CIGNAL_METRICS_TOKEN must be printable ASCII without spaces/);
    expect(() => readConfig({ CIGNAL_METRICS_TOKEN: `${TOKEN}é` })).toThrow(ConfigError);
  });
});

describe('what the metrics count', () => {
  test('a scripted call moves the counters: joins, relayed offer, answer and candidates, a third peer refused room-full, a bad payload, a resume, a hand-over and a grace expiry', async () => {
    const { url } = await start();
    const before = await scrape(url);
    // Every series exists from the start, at 0.
    expect(sampleValue(before, 'cignal_joins_total')).toBe(0);
    expect(sampleValue(before, 'cignal_join_refusals_total', { code: 'room-full' })).toBe(0);
    expect(sampleValue(before, 'cignal_messages_relayed_total', { type: 'candidate' })).toBe(0);
    expect(sampleValue(before, 'cignal_errors_total', { code: 'invalid-payload' })).toBe(0);
    expect(sampleValue(before, 'cignal_peers')).toBe(0);
    expect(sampleValue(before, 'cignal_rooms')).toBe(0);

    const roomId = uniqueRoom('metrics');
    const [alice, bob] = await pair(url, roomId);
    expect(await ask(alice, 'offer', offer)).toEqual(RELAYED);
    expect(await ask(bob, 'answer', answer)).toEqual(RELAYED);
    for (const n of [1, 2, 3]) expect(await ask(alice, 'candidate', candidate(n))).toEqual(RELAYED);
    for (const n of [4, 5]) expect(await ask(bob, 'candidate', candidate(n))).toEqual(RELAYED);
    expect(await refusal(url, { roomId, peerId: 'carol' })).toMatchObject({ code: 'room-full' });
    expect(await ask(alice, 'offer', { description: 'not an offer' })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });

    const during = await scrape(url);
    expect(sampleValue(during, 'cignal_joins_total')).toBe(2);
    expect(sampleValue(during, 'cignal_join_refusals_total', { code: 'room-full' })).toBe(1);
    expect(sampleValue(during, 'cignal_join_refusals_total', { code: 'seat-taken' })).toBe(0);
    expect(sampleValue(during, 'cignal_messages_relayed_total', { type: 'offer' })).toBe(1);
    expect(sampleValue(during, 'cignal_messages_relayed_total', { type: 'answer' })).toBe(1);
    expect(sampleValue(during, 'cignal_messages_relayed_total', { type: 'candidate' })).toBe(5);
    expect(sampleValue(during, 'cignal_errors_total', { code: 'invalid-payload' })).toBe(1);
    expect(sampleValue(during, 'cignal_peers')).toBe(2);
    expect(sampleValue(during, 'cignal_rooms')).toBe(1);
    expect(sampleValue(during, 'cignal_cluster_rooms')).toBe(1);
    expect(sampleValue(during, 'cignal_room_store_up')).toBe(1);
    expect(sampleValue(during, 'cignal_resumes_total')).toBe(0);

    // Bob's connection drops and comes back as the same presence: a resume.
    await dropConnection(bob, servers[0]!);
    const bobAgain = await join(url, { roomId, peerId: 'bob' });
    expect(bobAgain.joined.resumed).toBe(true);
    // Alice opens the call in another tab (a new presence with her seat secret): a hand-over.
    const aliceAgain = await join(url, { roomId, peerId: 'alice', session: 'alice-tab-2' });
    expect(aliceAgain.joined.resumed).toBe(false);
    // Bob's connection drops for good: his seat is freed at the end of its grace.
    const told = next<{ peerId: string; reason: string }>(aliceAgain.socket, 'peerLeft');
    await dropConnection(bobAgain.socket, servers[0]!);
    expect(await told).toEqual({ peerId: 'bob', reason: 'dropped' });

    const after = await scrape(url);
    expect(sampleValue(after, 'cignal_joins_total')).toBe(4);
    expect(sampleValue(after, 'cignal_resumes_total')).toBe(1);
    expect(sampleValue(after, 'cignal_seat_handovers_total')).toBe(1);
    expect(sampleValue(after, 'cignal_grace_expiries_total')).toBe(1);
    expect(sampleValue(after, 'cignal_peers')).toBe(1);
    expect(sampleValue(after, 'cignal_rooms')).toBe(1);
  });

  test('each server counts for itself: two servers in one process have registries of their own', async () => {
    const one = await start();
    const two = await start();
    await pair(one.url, uniqueRoom());

    expect(sampleValue(await scrape(one.url), 'cignal_joins_total')).toBe(2);
    expect(sampleValue(await scrape(two.url), 'cignal_joins_total')).toBe(0);
    expect(sampleValue(await scrape(two.url), 'cignal_peers')).toBe(0);
  });
});

describe('the exposition reader these tests use', () => {
  const valid = '# HELP a_total Things.\n# TYPE a_total counter\na_total{code="x\\"y\\\\z\\n"} 3\n\n# HELP b B.\n# TYPE b gauge\nb NaN\n';

  test('reads a valid exposition, label escapes included', () => {
    expect(sampleValue(parsePrometheus(valid), 'a_total', { code: 'x"y\\z\n' })).toBe(3);
  });

  test.each([
    ['no final line feed', valid.slice(0, -1)],
    ['a sample before its TYPE', 'a_total 1\n# HELP a_total A.\n# TYPE a_total counter\n'],
    ['a family without HELP', '# TYPE a gauge\na 1\n'],
    ['an unescaped quote in a label value', '# HELP a A.\n# TYPE a gauge\na{x="a"b"} 1\n'],
    ['an unknown escape', '# HELP a A.\n# TYPE a gauge\na{x="\\t"} 1\n'],
    ['a family split in two', '# HELP a A.\n# TYPE a gauge\n# HELP b B.\n# TYPE b gauge\na{x="1"} 1\nb 1\na{x="2"} 1\n'],
    ['the same series twice', '# HELP a A.\n# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
    ['a value that is no number', '# HELP a A.\n# TYPE a gauge\na one\n'],
    ['a bad metric name', '# HELP 1a A.\n# TYPE 1a gauge\n1a 1\n'],
    ['a negative counter', '# HELP a_total A.\n# TYPE a_total counter\na_total -1\n'],
  ])('refuses %s', (_, text) => {
    expect(() => parsePrometheus(text)).toThrow();
  });
});
