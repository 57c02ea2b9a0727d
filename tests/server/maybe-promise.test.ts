// The one call shape of the server's steps: a value goes on at once, a promise once it settles.
import { describe, expect, test } from 'vitest';
import { chain, whenKnown } from '../../server/maybe-promise.js';

describe('whenKnown', () => {
  test('goes on with a value at once, before the call returns', () => {
    const seen: unknown[] = [];
    whenKnown(42, (value) => seen.push(value), (error) => seen.push(['error', error]));
    expect(seen).toEqual([42]);
  });

  test('goes on with a promise once it resolves', async () => {
    const seen: unknown[] = [];
    let resolve!: (value: number) => void;
    whenKnown(new Promise<number>((r) => (resolve = r)), (value) => seen.push(value), (error) => seen.push(['error', error]));
    expect(seen).toEqual([]);
    resolve(7);
    await expect.poll(() => seen).toEqual([7]);
  });

  test('hands a rejection, and what the next step threw for a value or a promise alike, to onError once', async () => {
    const failure = new Error('store out of reach');
    const thrown = new Error('next step failed');
    const fail = () => {
      throw thrown;
    };
    const errors: unknown[] = [];
    whenKnown(1, fail, (error) => errors.push(error));
    expect(errors).toEqual([thrown]);
    whenKnown(Promise.reject(failure), () => errors.push('value'), (error) => errors.push(error));
    whenKnown(Promise.resolve(1), fail, (error) => errors.push(error));
    await expect.poll(() => errors.length).toBe(3);
    expect(errors.slice(1)).toEqual(expect.arrayContaining([failure, thrown]));
  });
});

describe('chain', () => {
  test('maps a value at once and a promise later, and lets failures through as they came', async () => {
    expect(chain(2, (n) => n * 2)).toBe(4);
    const later = chain(Promise.resolve(2), (n) => n * 2);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(4);
    const fail = (): number => {
      throw new Error('thrown');
    };
    expect(() => chain(2, fail)).toThrow('thrown');
    await expect(chain(Promise.reject(new Error('rejected')), (n: number) => n)).rejects.toThrow('rejected');
  });
});
