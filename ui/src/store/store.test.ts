// The store over a mocked back end, on a fake clock: what it reads while nothing changes, and
// what a timer or another process's change makes it read.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alarm, citizen, installFake } from '../test/fakeBackend';
import { applyChange, POLL_MS, resetStore, start, store, tick, TICK_MS } from './index';

beforeEach(() => {
  resetStore();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(new Date('2026-11-22T08:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('an idle window', () => {
  it('reads only store_status, every 30 s, when nothing changes', async () => {
    const fake = installFake([citizen(1), citizen(2)], [alarm('a1', 'c-00001', 'Borger 00001', 'low')]);
    const stop = await start();
    expect(store.load).toBe('ready');
    fake.reset();
    tick();
    const before = store.now;
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(fake.calls.map((c) => c.cmd)).toEqual(Array(5 * 60_000 / POLL_MS).fill('store_status'));
    // Ages on screen move once a minute.
    expect(store.now - before).toBe(5 * TICK_MS);
    stop();
  });

  it('reloads everything when the status shows another process wrote', async () => {
    const fake = installFake([citizen(1)]);
    const stop = await start();
    fake.reset();
    fake.citizens.push(citizen(2));
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(fake.calls.map((c) => c.cmd).sort()).toEqual([
      'alarm_episodes', 'list_dispatches', 'store_status', 'store_status', 'unlinked_calls', 'worklist',
    ]);
    expect(store.total).toBe(2);
    stop();
  });

  it('reads the alarms again when an escalation step falls due, once', async () => {
    const due = alarm('a1', 'c-00001', 'Borger 00001', 'high');
    due.next_escalation_at = new Date(Date.now() + 90_000).toISOString();
    const fake = installFake([citizen(1)], [due]);
    const stop = await start();
    fake.reset();
    due.next_escalation_at = null;
    await vi.advanceTimersByTimeAsync(91_000);
    expect(fake.callsOf('alarm_episodes')).toEqual([{}]);
    expect(fake.callsOf('worklist')).toEqual([]);
    stop();
  });
});

describe('changes', () => {
  it('merges changes that arrive while a read runs, and reads each once', async () => {
    const fake = installFake([citizen(1), citizen(2), citizen(3)]);
    const stop = await start();
    fake.reset();
    const first = applyChange({ citizens: ['c-00001'], alarms: false, status: false });
    void applyChange({ citizens: ['c-00002'], alarms: true, status: false });
    void applyChange({ citizens: ['c-00003', 'c-00002'], alarms: false, status: true });
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.callsOf('worklist_rows')).toEqual([{ citizenIds: ['c-00001'] }, { citizenIds: ['c-00002', 'c-00003'] }]);
    expect(fake.callsOf('alarm_episodes')).toHaveLength(1);
    expect(fake.callsOf('store_status')).toHaveLength(1);
    stop();
  });
});
