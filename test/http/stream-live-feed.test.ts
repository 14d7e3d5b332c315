import { describe, expect, it } from 'vitest';
import { LiveFeed } from '../../src/http/live-feed.js';
import { FakeMonitor, seqOf } from './stream-helpers.js';

describe('LiveFeed', () => {
  it('serialises each event once for all clients and listens only while it has clients', () => {
    const source = new FakeMonitor();
    let encodes = 0;
    const got = new Map<object, string[]>();
    const feed = new LiveFeed<object>(
      source,
      (event, json) => {
        encodes++;
        return `${event}:${json}`;
      },
      (client, frame) => got.get(client)?.push(frame),
    );
    const a = {};
    const b = {};
    got.set(a, []).set(b, []);
    feed.add(a);
    feed.add(b);
    encodes = 0; // the welcome frames are per client
    source.sample(7);
    expect(encodes).toBe(1);
    expect(got.get(a)?.at(-1)).toBe(got.get(b)?.at(-1));
    expect(seqOf(JSON.parse((got.get(a)?.at(-1) ?? '').slice('metrics:'.length)))).toBe(7);
    feed.delete(a);
    feed.delete(b);
    expect(
      source.listenerCount('metrics') + source.listenerCount('alert') + source.listenerCount('close'),
    ).toBe(0);
  });

  it('drops a client whose send throws, keeps serving the others, and never throws into the emit', () => {
    const source = new FakeMonitor();
    const received: string[] = [];
    const broken = { broken: true };
    const fine = {};
    const feed = new LiveFeed<object>(
      source,
      (event) => event,
      (client, frame) => {
        if (client === broken) throw new Error('socket exploded');
        received.push(frame);
      },
    );
    feed.add(broken);
    feed.add(fine);
    expect(() => source.sample(1)).not.toThrow();
    expect(feed.has(broken)).toBe(false);
    expect(received).toEqual(['metrics']);
  });
});
