// Configuration from the environment: sensible defaults, and start-up refused with the name of
// the variable when a value is wrong.
import { describe, expect, test } from 'vitest';
import { ConfigError, readConfig } from '../../server/config.js';

/** The ConfigError that `readConfig(env)` throws; fails the test if it does not throw one. */
function configError(env: Record<string, string>): ConfigError {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(env)}`);
}

describe('readConfig', () => {
  test('with nothing set, the server listens on 0.0.0.0:8080 with a 10 s grace and one public STUN server', () => {
    const config = readConfig({});

    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.reconnectGraceMs).toBe(10_000);
    expect(config.iceServers).toHaveLength(1);
    expect(config.iceServers[0]!.urls).toMatch(/^stun:/);
    expect(config.turn).toBeNull();
    expect(config.tls).toBeNull();
    expect(config.rateLimit).toEqual({ perSecond: 50, burst: 200 });
    expect(config.ipLimits).toEqual({ connections: 100, joinsPerMinute: 300, messagesPerSecond: 1_000 });
    expect(config.allowedOrigins).toBe('*');
    expect(config.redisUrl).toBeNull();
    expect(config.nodeTtlMs).toBe(10_000);
    expect(config.frameAncestors).toBe("'self'");
  });

  test('the limits per client address are read from their variables, and 0 turns one off', () => {
    const config = readConfig({ CIGNAL_IP_CONNECTIONS: '0', CIGNAL_IP_JOINS_PER_MINUTE: '30', CIGNAL_IP_MESSAGES_PER_SECOND: '250' });

    expect(config.ipLimits).toEqual({ connections: 0, joinsPerMinute: 30, messagesPerSecond: 250 });
  });

  test('REDIS_URL switches to Redis, and CIGNAL_NODE_TTL_MS sets how soon a silent server is counted out', () => {
    const config = readConfig({ REDIS_URL: 'rediss://:pw@redis.example:6380/2', CIGNAL_NODE_TTL_MS: '4000' });

    expect(config.redisUrl).toBe('rediss://:pw@redis.example:6380/2');
    expect(config.nodeTtlMs).toBe(4_000);
  });

  test('a REDIS_URL that is not a redis URL is refused by name, without echoing it (it may hold a password)', () => {
    const error = configError({ REDIS_URL: 'http://user:secret@redis.example' });

    expect(error.message).toContain('REDIS_URL');
    expect(error.message).not.toContain('secret');
  });

  test('valid values are read', () => {
    const iceServers = [{ urls: ['stun:stun.example.org', 'turns:turn.example.org:5349'], username: 'u', credential: 'p' }];
    const config = readConfig({
      PORT: '3000',
      HOST: '127.0.0.1',
      CIGNAL_ICE_SERVERS: JSON.stringify(iceServers),
      CIGNAL_TURN_SECRET: 's3cret',
      CIGNAL_TURN_URLS: 'turn:turn.example.org:3478, turns:turn.example.org:5349',
      CIGNAL_RECONNECT_GRACE_MS: '2500',
      CIGNAL_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    });

    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      iceServers,
      turn: { secret: 's3cret', urls: ['turn:turn.example.org:3478', 'turns:turn.example.org:5349'], ttlSeconds: 86_400 },
      reconnectGraceMs: 2_500,
      allowedOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  test.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '80.5' }],
    ['CIGNAL_ICE_SERVERS', { CIGNAL_ICE_SERVERS: '[{urls: stun:x}' }],
    ['CIGNAL_ICE_SERVERS', { CIGNAL_ICE_SERVERS: JSON.stringify([{ urls: 'https://stun.example.org' }]) }],
    ['CIGNAL_ICE_SERVERS', { CIGNAL_ICE_SERVERS: JSON.stringify({ urls: 'stun:stun.example.org' }) }],
    ['TLS_CERT', { TLS_CERT: '/etc/ssl/cert.pem' }],
    ['TLS_KEY', { TLS_KEY: '/etc/ssl/key.pem' }],
    ['CIGNAL_TURN_URLS', { CIGNAL_TURN_SECRET: 's3cret' }],
    ['CIGNAL_TURN_URLS', { CIGNAL_TURN_SECRET: 's3cret', CIGNAL_TURN_URLS: 'stun:stun.example.org' }],
    ['CIGNAL_RECONNECT_GRACE_MS', { CIGNAL_RECONNECT_GRACE_MS: '-1' }],
    ['CIGNAL_RATE_LIMIT', { CIGNAL_RATE_LIMIT: 'lots' }],
    ['CIGNAL_IP_CONNECTIONS', { CIGNAL_IP_CONNECTIONS: '-1' }],
    ['CIGNAL_IP_JOINS_PER_MINUTE', { CIGNAL_IP_JOINS_PER_MINUTE: '1.5' }],
    ['CIGNAL_IP_MESSAGES_PER_SECOND', { CIGNAL_IP_MESSAGES_PER_SECOND: 'many' }],
    ['REDIS_URL', { REDIS_URL: 'localhost:6379' }],
    ['CIGNAL_NODE_TTL_MS', { CIGNAL_NODE_TTL_MS: '10' }],
    ['CIGNAL_FRAME_ANCESTORS', { CIGNAL_FRAME_ANCESTORS: 'https://app.example/path' }],
    ['CIGNAL_FRAME_ANCESTORS', { CIGNAL_FRAME_ANCESTORS: "'unsafe-inline'" }],
    ['CIGNAL_FRAME_ANCESTORS', { CIGNAL_FRAME_ANCESTORS: 'https://app.example; script-src *' }],
    ['CIGNAL_FRAME_ANCESTORS', { CIGNAL_FRAME_ANCESTORS: 'app.example' }],
    ['CIGNAL_FRAME_ANCESTORS', { CIGNAL_FRAME_ANCESTORS: "javascript:alert(1)" }],
    ['CIGNAL_FRAME_ANCESTORS', { CIGNAL_FRAME_ANCESTORS: "'none' https://app.example" }],
  ])('a bad value is refused with a ConfigError naming %s', (name, env) => {
    expect(configError(env).message).toContain(name);
  });

  test.each([
    ["'self'", "'self'"],
    ['self https://app.example', "'self' https://app.example"],
    ["'self', https://app.example:8443,https://*.example.org", "'self' https://app.example:8443 https://*.example.org"],
    ['none', "'none'"],
    ['*', '*'],
    ['HTTPS://App.Example http://[::1]:3000', 'https://app.example http://[::1]:3000'],
  ])('CIGNAL_FRAME_ANCESTORS %s is read as the frame-ancestors list %s', (raw, expected) => {
    expect(readConfig({ CIGNAL_FRAME_ANCESTORS: raw }).frameAncestors).toBe(expected);
  });

  test('TLS files that do not exist are refused by name', () => {
    const error = configError({ TLS_CERT: '/nonexistent/cert.pem', TLS_KEY: '/nonexistent/key.pem' });

    expect(error.message).toContain('TLS_CERT');
    expect(error.message).toContain('/nonexistent/cert.pem');
  });
});
