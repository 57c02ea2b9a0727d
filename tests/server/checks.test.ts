// The shared rules (sdk/protocol/checks.ts) that both the server's schemas and the SDK apply.
import { describe, expect, test } from 'vitest';
import { IceServersSchema, Limits, iceServersProblem, idProblem, informDataProblem, safeParse } from '../../sdk/protocol/index.js';

describe('shared checks', () => {
  test.each([
    ['room-1_A', null],
    ['', 'roomId must not be empty'],
    ['a b', 'roomId may contain only letters, digits, "-" and "_"'],
    ['../etc', 'roomId may contain only letters, digits, "-" and "_"'],
    ['x'.repeat(Limits.idMaxLength + 1), `roomId must be at most ${Limits.idMaxLength} characters`],
    [42, 'roomId must be a string'],
  ])('an id %j is %s', (value, problem) => {
    expect(idProblem('roomId', value)).toBe(problem);
  });

  test('inform data must be JSON, present, and at most 16 KiB as JSON', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(informDataProblem({ text: 'hi' })).toBeNull();
    expect(informDataProblem(null)).toBeNull();
    expect(informDataProblem(undefined)).toBe('data is required');
    expect(informDataProblem(cyclic)).toBe('data must be JSON-serialisable');
    expect(informDataProblem(10n)).toBe('data must be JSON-serialisable');
    // Measured in bytes: 6 000 three-byte characters are 18 000 bytes.
    expect(informDataProblem('€'.repeat(6_000))).toMatch(/at most 16384 bytes/);
  });

  test('ICE servers: the problem names the entry, and unknown fields never reach a browser', () => {
    expect(iceServersProblem([{ urls: ['stun:a.example', 'turns:b.example:5349'], username: 'u', credential: 'c' }])).toBeNull();
    expect(iceServersProblem({ urls: 'stun:a' })).toBe('iceServers must be an array');
    expect(iceServersProblem([{ urls: 'stun:a' }, { urls: 'http://b' }])).toMatch(/^iceServers\[1\]\.urls: .*stun:/);
    expect(iceServersProblem([{ urls: [] }])).toMatch(/iceServers\[0\]\.urls/);
    expect(iceServersProblem([{ urls: 'turn:a', credential: 7 }])).toMatch(/iceServers\[0\]\.credential/);
    expect(iceServersProblem(Array.from({ length: 9 }, () => ({ urls: 'stun:a' })))).toBe('at most 8 ICE servers');

    const parsed = safeParse(IceServersSchema, [{ urls: 'turn:a', username: 'u', credential: 'c', credentialType: 'oauth', extra: { x: 1 } }]);
    expect(parsed.success && parsed.output).toEqual([{ urls: 'turn:a', username: 'u', credential: 'c' }]);
  });
});
