// Slots for memory-heavy work (CRL loads) and the memory bound's reservations: at most `limit` run at
// once, the rest wait first come first served for at most their wait; a reservation makes room in
// the sized LRU and is given back once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SizedLru } from '../../src/caching/sized-lru.ts';
import { Slots, SlotWaitTimeout } from '../../src/caching/slots.ts';

describe('Slots', () => {
  it('runs at most `limit` at once, the others in the order they came', async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const job = (n: number) =>
      slots.run(5_000, async () => {
        running++;
        most = Math.max(most, running);
        order.push(n);
        await sleep(20);
        running--;
        return n;
      });
    assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map(job)), [1, 2, 3, 4, 5]);
    assert.equal(most, 2);
    assert.deepEqual(order, [1, 2, 3, 4, 5]);
  });

  it('a waiter whose time runs out gets SlotWaitTimeout and never runs; the slot still frees for the next', async () => {
    const slots = new Slots(1);
    const holder = slots.run(5_000, () => sleep(150));
    let ran = false;
    await assert.rejects(
      slots.run(30, async () => {
        ran = true;
      }),
      SlotWaitTimeout,
    );
    await holder;
    assert.equal(ran, false);
    assert.equal(await slots.run(30, async () => 'next'), 'next');
  });

  it('tells the work how long it waited for its slot: 0 when one was free', async () => {
    const slots = new Slots(1);
    const waits: number[] = [];
    const holder = slots.run(5_000, async (waited) => {
      waits.push(waited);
      await sleep(120);
    });
    await slots.run(5_000, async (waited) => {
      waits.push(waited);
    });
    await holder;
    assert.equal(waits[0], 0);
    assert.ok((waits[1] ?? 0) >= 100, `the second waited ${waits[1]} ms`);
  });

  it('a failing job gives its slot back', async () => {
    const slots = new Slots(1);
    await assert.rejects(slots.run(100, async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await slots.run(100, async () => 'free'), 'free');
  });
});

describe('SizedLru reservations', () => {
  it('make room by dropping the least recently used, count against the bound until released, and release once', () => {
    const evicted: string[] = [];
    const lru = new SizedLru<string, string>(100, (key) => evicted.push(key));
    lru.set('a', 'A', 40);
    lru.set('b', 'B', 40);
    const release = lru.reserve(30);
    assert.deepEqual(evicted, ['a']);
    assert.equal(lru.size, 40);
    assert.equal(lru.reservedSize, 30);
    lru.set('c', 'C', 40); // 40 + 30 reserved + 40 > 100: b goes
    assert.deepEqual(evicted, ['a', 'b']);
    assert.equal(lru.set('d', 'D', 80), undefined);
    assert.equal(lru.get('d'), undefined, 'does not fit beside the reservation');
    release();
    release();
    assert.equal(lru.reservedSize, 0);
    lru.set('d', 'D', 60);
    assert.equal(lru.get('d'), 'D');
    assert.equal(lru.size, 100);
  });
});
