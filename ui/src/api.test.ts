import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acknowledgeEpisode, alarmEpisodes, alarmEpisodesOf, checkPlan, discardDraft, listCalls, listDrafts, saveDraft, setPlan, setPlanToml, storeStatus,
  timeline, toApiError, worklist, worklistRows, EPISODE_PAGE_CITIZENS, WORKLIST_PAGE_ROWS,
} from './api';
import { citizen } from './test/fakeBackend';

afterEach(() => clearMocks());

describe('toApiError', () => {
  it('keeps the back end error shape, and a refused plan its problems', () => {
    expect(toApiError({ code: 'database_error', message: 'database is locked' })).toEqual({
      code: 'database_error', message: 'database is locked',
    });
    const problems = [{ code: 'negative', field: 'limits.spo2.red_low' }];
    expect(toApiError({ code: 'invalid_plan', message: 'x', problems }).problems).toEqual(problems);
    const callProblems = [{ field: 'symptoms.cough', code: 'too_long' }];
    expect(toApiError({ code: 'invalid_call', message: 'x', call_problems: callProblems }).call_problems).toEqual(callProblems);
  });
  it('accepts strings, Errors and odd values', () => {
    expect(toApiError('boom')).toEqual({ code: 'unknown', message: 'boom' });
    expect(toApiError(new Error('bad'))).toEqual({ code: 'unknown', message: 'bad' });
    expect(toApiError({ message: 'x', code: 5 })).toEqual({ code: 'unknown', message: 'x' });
    expect(toApiError({ foo: 1 })).toEqual({ code: 'unknown', message: '{"foo":1}' });
    expect(toApiError(undefined).code).toBe('unknown');
  });
});

describe('commands', () => {
  it('reads the whole worklist a page at a time, each after the last row of the one before', async () => {
    // Two pages exactly full: the back end says there is no third.
    const all = Array.from({ length: 2 * WORKLIST_PAGE_ROWS }, (_, i) => citizen(i));
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== 'worklist_page') throw new Error(`unexpected ${cmd}`);
      const { after, limit } = args as { after: { name: string; id: string } | null; limit: number };
      asked.push(after);
      const from = after === null ? 0 : all.findIndex((c) => c.id === after.id) + 1;
      const rows = all.slice(from, from + limit);
      const last = rows.at(-1);
      return { rows, next: from + limit < all.length && last ? { name: last.name, id: last.id } : null };
    });
    const rows = await worklist();
    expect(rows.map((c) => c.id)).toEqual(all.map((c) => c.id));
    const lastOfFirst = all[WORKLIST_PAGE_ROWS - 1]!;
    expect(asked).toEqual([null, { name: lastOfFirst.name, id: lastOfFirst.id }]);
  });

  it('keeps the copy read last of a citizen renamed onto a later page meanwhile', async () => {
    const first = [citizen(1), citizen(2)];
    const renamed = { ...citizen(1), name: 'Åse Østergaard' };
    let pages = 0;
    mockIPC((cmd) => {
      if (cmd !== 'worklist_page') throw new Error(`unexpected ${cmd}`);
      pages += 1;
      return pages === 1
        ? { rows: first, next: { name: citizen(2).name, id: citizen(2).id } }
        : { rows: [citizen(3), renamed], next: null };
    });
    const rows = await worklist();
    expect(rows.map((c) => [c.id, c.name])).toEqual([
      [citizen(2).id, citizen(2).name], [citizen(3).id, citizen(3).name], [renamed.id, renamed.name],
    ]);
  });

  it('reads every episode a page of citizens at a time, each after the last citizen of the one before', async () => {
    const ids = Array.from({ length: EPISODE_PAGE_CITIZENS + 2 }, (_, i) => `c-${String(i).padStart(5, '0')}`);
    // The episodes of a page come most urgent first, not by id.
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== 'alarm_episodes_page') throw new Error(`unexpected ${cmd}`);
      const { after, citizens } = args as { after: string | null; citizens: number };
      asked.push(after);
      const later = ids.filter((id) => after === null || id > after);
      const page = later.slice(0, citizens);
      return {
        episodes: page.map((citizen_id) => ({ citizen_id })).reverse(),
        next: later.length > citizens ? page.at(-1) : null,
      };
    });
    const episodes = await alarmEpisodes();
    expect(episodes.map((e) => e.citizen_id).sort()).toEqual(ids);
    expect(asked).toEqual([null, ids[EPISODE_PAGE_CITIZENS - 1]]);
  });

  it('reads the rows and episodes of many citizens a page of ids at a time, as one list', async () => {
    // A first sync's run names every citizen it brought.
    const ids = Array.from({ length: 2 * WORKLIST_PAGE_ROWS + 1 }, (_, i) => citizen(i).id);
    const asked: [string, number][] = [];
    mockIPC((cmd, args) => {
      const { citizenIds } = args as { citizenIds: string[] };
      asked.push([cmd, citizenIds.length]);
      // One citizen of each call is gone from the store.
      const known = citizenIds.slice(1);
      if (cmd === 'worklist_rows') return known.map((id) => ({ ...citizen(0), id }));
      if (cmd === 'alarm_episodes_of') return known.map((citizen_id) => ({ citizen_id }));
      throw new Error(`unexpected ${cmd}`);
    });
    const rows = await worklistRows(ids);
    const firstOfEach = new Set([ids[0], ids[WORKLIST_PAGE_ROWS], ids[2 * WORKLIST_PAGE_ROWS]]);
    expect(rows.map((c) => c.id)).toEqual(ids.filter((id) => !firstOfEach.has(id)));
    expect(asked).toEqual([['worklist_rows', WORKLIST_PAGE_ROWS], ['worklist_rows', WORKLIST_PAGE_ROWS], ['worklist_rows', 1]]);
    asked.length = 0;
    const some = ids.slice(0, EPISODE_PAGE_CITIZENS + 3);
    const episodes = await alarmEpisodesOf(some);
    expect(episodes.map((e) => e.citizen_id)).toEqual(some.filter((id) => id !== some[0] && id !== some[EPISODE_PAGE_CITIZENS]));
    expect(asked).toEqual([['alarm_episodes_of', EPISODE_PAGE_CITIZENS], ['alarm_episodes_of', 3]]);
    asked.length = 0;
    expect(await worklistRows([])).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('sends the contract names with camelCase arguments', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'alarm_episodes_page') return { episodes: [], next: null };
      return cmd === 'check_plan' ? { problems: [], resolved: null } : [];
    });
    await worklistRows(['c-1']);
    await checkPlan('c-1', { limits: { spo2: { red_low: 85 } } });
    await alarmEpisodes();
    await acknowledgeEpisode('c-1', ['a1', 'a2']);
    await setPlan('c-1', {}, 'why', ['k1', 'k2']);
    await setPlanToml('c-1', '', 'why', []);
    await timeline('c-1');
    await timeline('c-1', ['call', 'visit']);
    expect(calls).toEqual([
      ['worklist_rows', { citizenIds: ['c-1'] }],
      ['check_plan', { citizenId: 'c-1', overrides: { limits: { spo2: { red_low: 85 } } } }],
      ['alarm_episodes_page', { after: null, citizens: EPISODE_PAGE_CITIZENS }],
      ['acknowledge_episode', { citizenId: 'c-1', alarmIds: ['a1', 'a2'], comment: null }],
      ['set_plan', { citizenId: 'c-1', overrides: {}, reason: 'why', bases: ['k1', 'k2'] }],
      ['set_plan_toml', { citizenId: 'c-1', toml: '', reason: 'why', bases: [] }],
      ['timeline', { citizenId: 'c-1', kinds: [] }],
      ['timeline', { citizenId: 'c-1', kinds: ['call', 'visit'] }],
    ]);
  });

  it('sends the call log\'s and the drafts\' arguments as the commands name them', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === 'discard_draft' ? true : cmd === 'save_draft' ? null : [];
    });
    await listCalls('c-1');
    await listCalls();
    await saveDraft('d-1', 'call', 'c-1', { v: 1 });
    await saveDraft('d-2', 'call', null, { v: 1 });
    await listDrafts();
    await discardDraft('d-1');
    expect(calls).toEqual([
      ['list_calls', { citizenId: 'c-1' }],
      ['list_calls', {}],
      ['save_draft', { id: 'd-1', kind: 'call', citizenId: 'c-1', form: { v: 1 } }],
      ['save_draft', { id: 'd-2', kind: 'call', form: { v: 1 } }],
      ['list_drafts', {}],
      ['discard_draft', { id: 'd-1' }],
    ]);
  });

  it('rejects with an ApiError', async () => {
    mockIPC(() => {
      throw { code: 'invalid_plan', message: 'limits.spo2.yellow_low = 80 lies outside', problems: [] };
    });
    await expect(setPlan('c-1', {}, 'why', [])).rejects.toMatchObject({ code: 'invalid_plan', problems: [] });
    mockIPC(() => Promise.reject('plain'));
    await expect(storeStatus()).rejects.toEqual({ code: 'unknown', message: 'plain' });
  });
});
