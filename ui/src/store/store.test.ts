// The store over a mocked back end, on a fake clock: what it reads while nothing changes, and
// what a timer or another process's change makes it read.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alarm, citizen, episodesOf, installFake } from '../test/fakeBackend';
import { WORKLIST_PAGE_ROWS } from '../api';
import type { StationStatus } from '../bindings';
import { applyChange, POLL_MS, resetStore, start, store, tick, TICK_MS, WHOLE_READ_REPLACES_ROWS } from './index';

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
      'alarm_episodes_page', 'list_dispatches', 'store_status', 'store_status', 'unlinked_calls', 'worklist_page',
    ]);
    expect(store.total).toBe(2);
    stop();
  });

  it('while a first sync loads in bulk, reads no row as its counts move, and every row at its end', async () => {
    const fake = installFake([citizen(1)]);
    fake.bulkLoad = true;
    const stop = await start();
    fake.reset();
    // The load stores citizens (and readings) page by page: the status counts them.
    fake.citizens.push(citizen(2));
    await vi.advanceTimersByTimeAsync(3 * POLL_MS);
    expect(fake.calls.map((c) => c.cmd)).toEqual(Array(3).fill('store_status'));
    expect(store.status?.citizens).toBe(2);
    expect(store.total).toBe(1);
    fake.bulkLoad = false;
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(fake.callsOf('worklist_page').length).toBe(1);
    expect(store.total).toBe(2);
    stop();
  });

  it('replaces the rows it shows as their fresh copies arrive when it reads the whole list again', async () => {
    const count = WHOLE_READ_REPLACES_ROWS + WORKLIST_PAGE_ROWS;
    const fake = installFake(Array.from({ length: count }, (_, i) => citizen(i + 1)));
    const stop = await start();
    // New objects, as the back end's answers are: each row with an alarm now.
    fake.citizens = fake.citizens.map((c) => ({ ...c, open_alarms: 1 }));
    let whileReading: number[] = [];
    fake.beforeAnswer = (cmd, args) => {
      if (cmd === 'worklist_page' && args.after !== null) whileReading = store.rows.map((c) => c.open_alarms);
    };
    await applyChange({ citizens: null, alarms: false, status: false });
    // As the last page was asked for, the rows of the pages before it were the fresh copies
    // in the window's list (the old ones no longer in it), the last page's still the old.
    expect(whileReading.filter((n) => n === 1)).toHaveLength(WHOLE_READ_REPLACES_ROWS);
    expect(whileReading).toHaveLength(count);
    expect(store.rows.every((c) => c.open_alarms === 1)).toBe(true);
    expect(store.total).toBe(count);
    stop();
  });

  it('reads again, once, only the episodes whose escalation step fell due', async () => {
    const due = alarm('a1', 'c-00001', 'Borger 00001', 'high');
    due.next_escalation_at = new Date(Date.now() + 90_000).toISOString();
    const calm = alarm('a2', 'c-00002', 'Borger 00002', 'low');
    calm.next_escalation_at = new Date(Date.now() + 3_600_000).toISOString();
    const fake = installFake([citizen(1), citizen(2)], [due, calm]);
    const stop = await start();
    fake.reset();
    // New objects, as the back end's answers are: the window holds the ones it read.
    fake.alarms = [{ ...due, next_escalation_at: null }, calm];
    await vi.advanceTimersByTimeAsync(91_000);
    expect(fake.callsOf('alarm_episodes_of')).toEqual([{ citizenIds: ['c-00001'] }]);
    expect(fake.callsOf('alarm_episodes_page')).toEqual([]);
    expect(fake.callsOf('worklist_page')).toEqual([]);
    stop();
  });

  /** A window started during a first sync's bulk load, which has just ended: its run evaluates
   * everyone (the counts moved: a second citizen), and goes on. */
  async function loadEnded(progress: StationStatus['sync_progress'] = null) {
    const fake = installFake([citizen(1)]);
    fake.bulkLoad = true;
    fake.syncing = true;
    fake.progress = progress;
    const stop = await start();
    fake.reset();
    fake.bulkLoad = false;
    fake.citizens.push(citizen(2));
    return { fake, stop };
  }

  it("reads no row while a bulk load ends and its run evaluates; the run's notice reads them once", async () => {
    const { fake, stop } = await loadEnded();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(fake.calls.map((c) => c.cmd)).toEqual(['store_status']);
    expect(store.status?.bulk_load).toBe(false);
    expect(store.total).toBe(1);
    // The follow-up tells every row while the run is still open; then the run ends and tells
    // the status alone.
    await applyChange({ citizens: null, alarms: true, status: true });
    expect(fake.callsOf('worklist_page').length).toBe(1);
    expect(store.total).toBe(2);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    fake.syncing = false;
    await applyChange({ citizens: [], alarms: false, status: true });
    await vi.advanceTimersByTimeAsync(3 * POLL_MS);
    expect(fake.callsOf('worklist_page').length).toBe(1);
    expect(store.status?.sync_state).toBe('online');
    stop();
  });

  it("reads the rows at the first poll after another process's bulk load ended, though its run failed", async () => {
    const { fake, stop } = await loadEnded();
    await vi.advanceTimersByTimeAsync(2 * POLL_MS);
    expect(fake.callsOf('worklist_page')).toEqual([]);
    // No notice reaches this window; its run ends with its last sync unchanged (it failed).
    fake.syncing = false;
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(fake.callsOf('worklist_page').length).toBe(1);
    expect(store.total).toBe(2);
    await vi.advanceTimersByTimeAsync(3 * POLL_MS);
    expect(fake.callsOf('worklist_page').length).toBe(1);
    stop();
  });

  it('reads the rows once a run that ended a bulk load pulls again, or a minute after it ended', async () => {
    const { fake, stop } = await loadEnded({ resource_type: 'Observation', done: 500, total: 500, per_second: 100 });
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(fake.callsOf('worklist_page')).toEqual([]);
    // Not the follow-up of the run that ended it: a run that pulls.
    fake.progress = { resource_type: 'Patient', done: 0, total: null, per_second: 0 };
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(fake.callsOf('worklist_page').length).toBe(1);
    expect(store.total).toBe(2);
    // Another ending whose run shows no progress for a minute: read then, once.
    fake.bulkLoad = true;
    await vi.advanceTimersByTimeAsync(POLL_MS);
    fake.bulkLoad = false;
    fake.citizens.push(citizen(3));
    await vi.advanceTimersByTimeAsync(2 * POLL_MS);
    expect(fake.callsOf('worklist_page').length).toBe(2);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(fake.callsOf('worklist_page').length).toBe(3);
    expect(store.total).toBe(3);
    await vi.advanceTimersByTimeAsync(2 * POLL_MS);
    expect(fake.callsOf('worklist_page').length).toBe(3);
    stop();
  });

  it("reads another process's changes while a sync runs that ends no bulk load", async () => {
    const fake = installFake([citizen(1)]);
    fake.syncing = true;
    const stop = await start();
    fake.reset();
    fake.citizens.push(citizen(2));
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(fake.callsOf('worklist_page').length).toBe(1);
    expect(store.total).toBe(2);
    stop();
  });

  it('puts the episodes read at a wake where a whole read would: every station shows one order', async () => {
    // Four citizens; at the wake one is escalated to step 2, one's snooze ends, and one has
    // resolved meanwhile; the others are read as they were.
    const soon = new Date(Date.now() + 60_000).toISOString();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const a1 = alarm('a1', 'c-00001', 'Borger 00001', 'medium', { next_escalation_at: later });
    const a2 = alarm('a2', 'c-00002', 'Borger 00002', 'medium', { next_escalation_at: soon });
    const a3 = alarm('a3', 'c-00003', 'Borger 00003', 'high', { snoozed_until: soon, next_escalation_at: later });
    const a4 = alarm('a4', 'c-00004', 'Borger 00004', 'low', { next_escalation_at: soon });
    const fake = installFake([1, 2, 3, 4].map((i) => citizen(i)), [a1, a2, a3, a4]);
    const stop = await start();
    fake.reset();
    // New objects, as the back end's answers are: the window holds the ones it read.
    fake.alarms = [
      a1,
      { ...a2, next_escalation_at: later, escalation: { step: 2, due_at: soon, audience: 'all_stations', loudness: 'loud' } },
      { ...a3, snoozed_until: null },
      // Resolved, not gone: the status poll sees as many alarms, so nothing else is read.
      { ...a4, state: 'resolved', resolved_at: soon, resolved_reason: 'superseded' },
    ];
    await vi.advanceTimersByTimeAsync(61_000);
    expect(fake.callsOf('alarm_episodes_of')).toEqual([{ citizenIds: ['c-00003', 'c-00002', 'c-00004'] }]);
    const whole = episodesOf(fake.alarms);
    expect(store.episodes.map((e) => e.citizen_id)).toEqual(whole.map((e) => e.citizen_id));
    expect(store.episodes.map((e) => e.citizen_id)).toEqual(['c-00003', 'c-00002', 'c-00001']);
    stop();
  });
});

describe('changes', () => {
  it('reads only the episodes of the citizens whose alarms an evaluation changed', async () => {
    const fake = installFake([citizen(1), citizen(2)], [
      alarm('a1', 'c-00001', 'Borger 00001', 'low'), alarm('a2', 'c-00002', 'Borger 00002', 'low'),
    ]);
    const stop = await start();
    fake.reset();
    fake.alarms.push(alarm('a3', 'c-00002', 'Borger 00002', 'high'));
    await applyChange({ citizens: ['c-00002'], alarms: false, alarm_citizens: ['c-00002'], status: false });
    // Not the region's every episode: that citizen's, and the new high alarm announced.
    const asked = fake.calls.map((c) => c.cmd);
    expect(asked).not.toContain('alarm_episodes_page');
    expect(fake.callsOf('alarm_episodes_of').map((a) => a.citizenIds)).toEqual([['c-00002']]);
    expect(asked).toContain('notify_alarm');
    expect(store.episodes.map((e) => [e.citizen_id, e.causes.length])).toEqual([['c-00002', 2], ['c-00001', 1]]);
    stop();
  });

  it('tries again every read that failed, not only the last', async () => {
    const fake = installFake([citizen(1), citizen(2)]);
    const stop = await start();
    fake.failing = new Set(['worklist_rows']);
    await applyChange({ citizens: ['c-00001'], alarms: false, status: false });
    await applyChange({ citizens: ['c-00002'], alarms: false, status: false });
    expect(store.error).not.toBeNull();
    fake.failing.clear();
    fake.reset();
    await vi.advanceTimersByTimeAsync(60_000);
    const read = fake.callsOf('worklist_rows').flatMap((args) => args.citizenIds as string[]);
    expect(new Set(read)).toEqual(new Set(['c-00001', 'c-00002']));
    expect(store.error).toBeNull();
    stop();
  });

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
    expect(fake.callsOf('alarm_episodes_page')).toHaveLength(1);
    expect(fake.callsOf('store_status')).toHaveLength(1);
    stop();
  });
});
