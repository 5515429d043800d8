import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { listCitizens, storeStatus, toApiError } = await import('./api');

describe('toApiError', () => {
  it('keeps the back end error shape', () => {
    expect(toApiError({ code: 'db_locked', message: 'database is locked' })).toEqual({
      code: 'db_locked',
      message: 'database is locked',
    });
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
  beforeEach(() => invoke.mockReset());

  it('calls the right commands and passes results through', async () => {
    invoke.mockResolvedValueOnce([{ id: 'c-1' }]);
    await expect(listCitizens()).resolves.toEqual([{ id: 'c-1' }]);
    expect(invoke).toHaveBeenLastCalledWith('list_citizens', undefined);

    invoke.mockResolvedValueOnce({ citizens: 1 });
    await expect(storeStatus()).resolves.toEqual({ citizens: 1 });
    expect(invoke).toHaveBeenLastCalledWith('store_status', undefined);
  });

  it('rejects with an ApiError', async () => {
    invoke.mockRejectedValueOnce({ code: 'io', message: 'disk full' });
    await expect(listCitizens()).rejects.toEqual({ code: 'io', message: 'disk full' });
    invoke.mockRejectedValueOnce('plain');
    await expect(storeStatus()).rejects.toEqual({ code: 'unknown', message: 'plain' });
  });
});
