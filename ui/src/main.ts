// Vagt nurse-station worklist. DOM is built with createElement/textContent only:
// the data is health data and the page runs under a strict CSP.
import './style.css';
import escalatedSound from '../../assets/sounds/alarm-escalated.wav';
import highSound from '../../assets/sounds/alarm-high.wav';
import lowSound from '../../assets/sounds/alarm-low.wav';
import { describeCause, nextWake, signalsDue, sortAlarms, sortWorklist, soundFor, type Heard } from './alarms';
import {
  acknowledgeAlarm,
  citizenPlan,
  confirmLevel,
  listAlarms,
  listCitizens,
  notifyAlarm,
  setCitizenPlan,
  snoozeAlarm,
  storeStatus,
  type AlarmRow,
  type ApiError,
  type CitizenSummary,
  type PlanView,
  type StoreStatus,
} from './api';
import { filterCitizens, moveSelection } from './filter';
import { formatAge, formatDateTime, formatNews2, formatValue, isStale } from './format';
import { getLang, initLang, t, toggleLang, type Lang } from './i18n';

/** The compact value columns, in order. */
const KEY_PARAMETERS = ['spo2', 'pulse', 'fev1', 'temperature', 'weight'] as const;
/** Ages are re-rendered this often so "3 t siden" does not go stale on screen. */
const TICK_MS = 60_000;
/** U snoozes the selected alarm for this nurse for this long. */
const SNOOZE_MINUTES = 10;

type LoadState = 'loading' | 'ready' | 'error';

const state = {
  load: 'loading' as LoadState,
  citizens: [] as CitizenSummary[],
  /** false until list_citizens has answered (an empty list is then a real "no citizens") */
  citizensLoaded: false,
  status: null as StoreStatus | null,
  error: null as ApiError | null,
  /** Whether the error shown came from the background refresh (cleared when one succeeds). */
  errorFromRefresh: false,
  query: '',
  selectedId: null as string | null,
  /** Open alarms, highest and newest first. */
  alarms: [] as AlarmRow[],
  /** What this station last signalled per open alarm (escalation step, snoozed). */
  heard: new Map<string, Heard>(),
  /** When an alarm escalates or a snooze ends next (ms): the alarms are read again then. */
  wakeAt: null as number | null,
  selectedAlarmId: null as string | null,
  /** Whether the nurse chose the selected alarm; if not, the selection follows the top one. */
  alarmChosen: false,
  /** A short note after an acknowledgement (who, or who was first). */
  ackNote: '',
};

// ---------- tiny DOM helper ----------

type Attrs = Record<string, string | undefined>;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  opts: { cls?: string; text?: string; attrs?: Attrs } = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (opts.cls) node.className = opts.cls;
  if (opts.text !== undefined) node.textContent = opts.text;
  if (opts.attrs) {
    for (const [k, v] of Object.entries(opts.attrs)) if (v !== undefined) node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

// ---------- static shell (built once, texts refreshed on language change) ----------

const title = el('h1', { cls: 'app-title' });
const headerCount = el('span', { cls: 'header-count', attrs: { 'data-testid': 'header-count' } });
const langButton = el('button', {
  cls: 'lang-switch',
  attrs: { type: 'button', 'data-testid': 'lang-switch', 'aria-keyshortcuts': 'Alt+L' },
});
const header = el('header', { cls: 'app-header' }, [
  el('div', { cls: 'title-group' }, [title, headerCount]),
  langButton,
]);

const searchLabel = el('label', { cls: 'search-label', attrs: { for: 'search' } });
const search = el('input', {
  cls: 'search',
  attrs: {
    id: 'search',
    type: 'search',
    autocomplete: 'off',
    spellcheck: 'false',
    'data-testid': 'search',
    'aria-keyshortcuts': '/',
    'aria-controls': 'citizen-table',
  },
});
const searchHint = el('span', { cls: 'search-hint', attrs: { 'aria-hidden': 'true' } });
const toolbar = el('div', { cls: 'toolbar' }, [searchLabel, search, searchHint]);

const banner = el('div', { cls: 'error-banner', attrs: { role: 'alert', 'data-testid': 'error-banner' } });
banner.hidden = true;

const thead = el('thead');
const tbody = el('tbody');
const table = el('table', {
  cls: 'citizen-table',
  attrs: { id: 'citizen-table', 'data-testid': 'citizen-table', role: 'grid', 'aria-readonly': 'true', tabindex: '0' },
}, [thead, tbody]);
const emptyNote = el('p', { cls: 'empty-note', attrs: { 'data-testid': 'empty-note' } });
const tableWrap = el('main', { cls: 'table-wrap' }, [table, emptyNote]);

const alarmHeading = el('h2', { cls: 'alarm-heading' });
const alarmCount = el('span', { cls: 'alarm-count', attrs: { 'data-testid': 'alarm-count' } });
const alarmList = el('ul', {
  cls: 'alarm-list',
  attrs: { 'data-testid': 'alarm-list', role: 'listbox', tabindex: '0', 'aria-keyshortcuts': 'Alt+A' },
});
const alarmNote = el('p', { cls: 'alarm-note', attrs: { 'data-testid': 'alarm-note', role: 'status' } });
const alarmPanel = el('section', {
  cls: 'alarm-panel',
  attrs: { 'data-testid': 'alarm-panel', 'aria-live': 'polite' },
}, [el('div', { cls: 'alarm-head' }, [alarmHeading, alarmCount]), alarmList, alarmNote]);

const sounds = { escalated: new Audio(escalatedSound), high: new Audio(highSound), low: new Audio(lowSound) };
// Ordinary alarms leave headroom; an escalation plays at full volume.
sounds.high.volume = 0.7;
sounds.low.volume = 0.6;

const keysHelp = el('p', { cls: 'keys-help', attrs: { 'data-testid': 'keys-help' } });
const statusBar = el('footer', { cls: 'status-bar', attrs: { 'data-testid': 'status-bar' } });

let rowEls: HTMLTableRowElement[] = [];
let visible: CitizenSummary[] = [];

// ---------- rendering ----------

function renderTexts(): void {
  document.title = t('app.title');
  title.textContent = t('app.title');
  langButton.textContent = t('lang.switch');
  langButton.title = t('lang.switch.hint');
  searchLabel.textContent = t('citizens.filter');
  search.placeholder = t('citizens.filter');
  searchHint.textContent = t('citizens.filter.hint');
  table.setAttribute('aria-label', t('citizens.table.label'));
  keysHelp.textContent = `${t('keys.help')} · ${t('keys.alarms')} · ${t('keys.citizen')}`;
  alarmHeading.textContent = t('alarms.heading');
  statusBar.setAttribute('aria-label', t('status.label'));
}

function renderHead(): void {
  const cols: { text: string; cls?: string }[] = [
    { text: t('citizens.col.name') },
    { text: t('citizens.col.id') },
    { text: t('citizens.col.ecm'), cls: 'ecm' },
    { text: t('citizens.col.news2'), cls: 'news2' },
    { text: t('citizens.col.diagnoses') },
    { text: t('citizens.col.last') },
    ...KEY_PARAMETERS.map((p) => ({ text: t(`parameter.${p}`), cls: 'num' })),
  ];
  const tr = el('tr', {}, cols.map((c) => el('th', { cls: c.cls, text: c.text, attrs: { scope: 'col' } })));
  thead.replaceChildren(tr);
}

function buildRow(c: CitizenSummary, index: number, now: number): HTMLTableRowElement {
  const lang = getLang();
  const stale = isStale(c.last_reading_at, now);

  const name = el('th', { cls: 'name', text: c.name, attrs: { scope: 'row', 'data-testid': 'citizen-name' } });
  const id = el('td', { cls: 'cid', text: c.id });
  const tags = el('td', { cls: 'diagnoses' },
    c.diagnoses.map((d) => el('span', { cls: `tag tag-${d}`, text: t(`diagnosis.${d}`) })));

  const age = el('td', { cls: 'age' });
  if (stale) {
    age.append(el('span', { cls: 'warn-mark', text: '⚠', attrs: { 'aria-hidden': 'true' } }));
  }
  age.append(el('span', { text: formatAge(c.last_reading_at, now, t) }));
  if (stale) age.append(el('span', { cls: 'visually-hidden', text: ` (${t('citizens.stale')})` }));
  const when = formatDateTime(c.last_reading_at, lang);
  age.title = [stale ? t('citizens.stale') : '', when].filter(Boolean).join(' · ');

  const values = KEY_PARAMETERS.map((p) => {
    const reading = c.latest?.[p];
    const text = formatValue(p, reading, lang);
    const td = el('td', { cls: 'num', text, attrs: { 'data-parameter': p } });
    if (reading && text) {
      td.title = t('citizens.measured', {
        parameter: t(`parameter.${p}`),
        value: text,
        time: formatAge(reading.effective_at, now, t),
      });
    }
    return td;
  });

  const level = c.confirmed_level ?? c.suggested_level;
  const ecm = el('td', {
    cls: `ecm${c.confirmed_level === null ? ' unconfirmed' : ''}${level !== null ? ` ecm-${level}` : ''}`,
    attrs: { 'data-testid': 'citizen-ecm' },
  });
  if (level !== null) {
    ecm.append(el('span', { cls: 'ecm-level', text: `ECM${level}` }));
    ecm.title = c.confirmed_level !== null
      ? t('citizens.ecm.confirmed', { level: `ECM${c.confirmed_level}` })
      : t('citizens.ecm.suggested', { level: `ECM${level}` });
  }
  if (c.open_alarms > 0) {
    ecm.append(el('span', {
      cls: `alarm-dot priority-${c.top_alarm_priority ?? 'info'}`,
      text: '●',
      attrs: { title: t('citizens.alarms', { count: c.open_alarms }) },
    }));
  }

  const news2 = el('td', { cls: 'news2', attrs: { 'data-testid': 'citizen-news2' } });
  if (c.news2) {
    const n = c.news2;
    news2.append(el('span', {
      cls: `news2-score risk-${n.score.risk}`,
      text: formatNews2(n.score, n.is_minimum),
    }));
    news2.title = [
      t(`news2.risk.${n.score.risk}`),
      t('news2.measured', { time: formatAge(n.at, now, t) }),
      n.scale === 'scale2' ? t('news2.scale2') : '',
      n.is_minimum ? t('news2.minimum') : '',
    ].filter(Boolean).join(' · ');
  }

  const tr = el('tr', {
    cls: stale ? 'citizen-row stale' : 'citizen-row',
    attrs: {
      id: `citizen-row-${index}`,
      'data-testid': 'citizen-row',
      'data-citizen-id': c.id,
      'aria-selected': 'false',
    },
  }, [name, id, ecm, news2, tags, age, ...values]);
  tr.addEventListener('click', () => select(index, false));
  return tr;
}

function renderTable(): void {
  const now = Date.now();
  renderHead();
  visible = filterCitizens(sortWorklist(state.citizens), state.query);
  rowEls = visible.map((c, i) => buildRow(c, i, now));
  tbody.replaceChildren(...rowEls);
  table.hidden = !state.citizensLoaded;

  const total = state.citizens.length;
  headerCount.textContent = !state.citizensLoaded
    ? ''
    : visible.length === total
      ? t('citizens.count', { count: total })
      : t('citizens.count_filtered', { shown: visible.length, count: total });

  let note = '';
  if (state.load === 'loading') note = t('app.loading');
  else if (total === 0 && state.citizensLoaded) note = t('citizens.empty');
  else if (total > 0 && visible.length === 0) note = t('citizens.no_match', { query: state.query.trim() });
  emptyNote.textContent = note;
  emptyNote.hidden = note === '';

  applySelection(false);
}

function renderStatus(): void {
  const s = state.status;
  if (!s) {
    statusBar.replaceChildren();
    return;
  }
  const item = (testid: string, text: string, count?: number, extra = '') =>
    el('span', {
      cls: `status-item ${extra}`.trim(),
      text,
      attrs: { 'data-testid': testid, 'data-count': count === undefined ? undefined : String(count) },
    });
  const sync = s.last_sync
    ? t('status.last_sync', { time: formatDateTime(s.last_sync, getLang()) || s.last_sync })
    : t('status.never_synced');
  const p = s.sync_progress;
  const syncState = s.sync_state === 'syncing' && p
    ? p.total !== null
      ? t('status.sync.syncing', {
        type: p.resource_type,
        done: p.done,
        total: p.total,
        rate: Math.round(p.per_second),
        left: formatSeconds(p.per_second > 0 ? (p.total - p.done) / p.per_second : 0),
      })
      : t('status.sync.syncing_nototal', { type: p.resource_type, done: p.done, rate: Math.round(p.per_second) })
    : t(`status.sync.${s.sync_state}`);
  // A known code reads in the nurse's language; an unknown one falls back to the message.
  const errorKey = s.sync_error_code ? `sync_error.${s.sync_error_code}` : '';
  const errorText = errorKey && t(errorKey) !== errorKey ? t(errorKey) : s.sync_error;
  statusBar.replaceChildren(
    item('status-citizens', t('status.citizens', { count: s.citizens }), s.citizens),
    item('status-readings', t('status.readings', { count: s.readings }), s.readings),
    item('status-rejected', t('status.rejected', { count: s.rejected }), s.rejected,
      s.rejected > 0 ? 'attention' : ''),
    item('status-outbox', t('status.outbox', { count: s.outbox }), s.outbox),
    item('status-sync-state', syncState, undefined, `sync-${s.sync_state}`),
    item('status-sync', sync, undefined, s.last_sync ? '' : 'muted'),
    ...(s.readings_behind !== null && s.readings_behind > 0
      ? [item('status-behind', t('status.behind', { count: s.readings_behind }), s.readings_behind)]
      : []),
    ...(errorText && s.sync_state !== 'online' && s.sync_state !== 'syncing'
      ? [item('status-sync-error', t('status.sync_error', { message: errorText }), undefined, 'attention')]
      : []),
    item('status-db', t('status.database', { path: s.db_path }), undefined, 'db-path'),
  );
}

function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`;
}

function renderAlarms(): void {
  const now = Date.now();
  const lang = getLang();
  alarmCount.textContent = t('alarms.count', { count: state.alarms.length });
  alarmPanel.classList.toggle('has-high', state.alarms.some((a) => a.priority === 'high'));
  if (state.alarms.length === 0) {
    alarmList.replaceChildren(el('li', { cls: 'alarm-none', text: t('alarms.none') }));
  } else {
    // Until the nurse picks one, K acts on the most urgent alarm, even one that just arrived.
    if (!state.alarmChosen || !state.alarms.some((a) => a.id === state.selectedAlarmId)) {
      state.selectedAlarmId = state.alarms[0]?.id ?? null;
      state.alarmChosen = false;
    }
    alarmList.replaceChildren(...state.alarms.map((a) => {
      const button = el('button', {
        cls: 'alarm-ack',
        text: t('alarms.ack'),
        attrs: { type: 'button', title: t('alarms.ack.hint'), 'data-testid': 'alarm-ack' },
      });
      button.addEventListener('click', (e) => {
        e.stopPropagation();
        void acknowledge(a.id);
      });
      const li = el('li', {
        cls: `alarm-item priority-${a.priority}${a.id === state.selectedAlarmId ? ' selected' : ''}`,
        attrs: {
          'data-testid': 'alarm-item',
          'data-alarm-id': a.id,
          'data-priority': a.priority,
          'data-kind': a.kind,
          role: 'option',
          'aria-selected': a.id === state.selectedAlarmId ? 'true' : 'false',
        },
      }, [
        el('span', { cls: `alarm-priority priority-${a.priority}`, text: t(`alarms.priority.${a.priority}`) }),
        el('span', { cls: 'alarm-citizen', text: a.citizen_name }),
        el('span', { cls: 'alarm-kind', text: t(`alarms.kind.${a.kind}`) }),
        el('span', { cls: 'alarm-cause', text: describeCause(a, t, lang) }),
        el('span', { cls: 'alarm-age', text: formatAge(a.raised_at, now, t) }),
        alarmSignal(a, lang),
        button,
      ]);
      if (a.escalation) li.classList.add('escalated');
      if (a.snoozed_until) li.classList.add('snoozed');
      li.addEventListener('click', () => {
        state.selectedAlarmId = a.id;
        state.alarmChosen = true;
        renderAlarms();
      });
      return li;
    }));
  }
  alarmNote.textContent = state.ackNote;
  alarmNote.hidden = state.ackNote === '';
}

/** The escalation badge and the nurse's own snooze, in one cell of an alarm item. */
function alarmSignal(a: AlarmRow, lang: Lang): HTMLElement {
  const out: HTMLElement[] = [];
  if (a.escalation) {
    out.push(el('span', {
      cls: 'alarm-escalation',
      text: t('alarms.escalated', { step: a.escalation.step }),
      attrs: { 'data-testid': 'alarm-escalation', title: t('alarms.escalated.hint') },
    }));
  }
  if (a.snoozed_until) {
    out.push(el('span', {
      cls: 'alarm-snoozed',
      text: t('alarms.snoozed', { time: formatDateTime(a.snoozed_until, lang) || a.snoozed_until }),
      attrs: { 'data-testid': 'alarm-snoozed' },
    }));
  }
  return el('span', { cls: 'alarm-signal' }, out);
}

function play(sound: keyof typeof sounds): void {
  sounds[sound].currentTime = 0;
  // Autoplay may be refused before the first key press; the panel still shows the alarm.
  void sounds[sound].play().catch(() => undefined);
}

function notify(title: string, alarms: AlarmRow[]): void {
  const top = sortAlarms(alarms)[0];
  if (!top) return;
  // The most urgent one by name; the rest are in the panel.
  const words = { citizen: top.citizen_name, kind: t(`alarms.kind.${top.kind}`) };
  const body = alarms.length === 1
    ? t('alarms.notify.body', words)
    : t('alarms.notify.more', { ...words, more: alarms.length - 1 });
  document.body.dataset.lastNotification = `${title} | ${body}`;
  void notifyAlarm(title, body).catch(() => false);
}

/**
 * Sound and a desktop notification for alarms new at this station (or back from a snooze),
 * and again, at full volume, for each escalation step nobody acknowledged in time.
 */
function announce(fresh: AlarmRow[], escalated: AlarmRow[]): void {
  if (escalated.length > 0) {
    play('escalated');
    const top = sortAlarms(escalated)[0];
    notify(t('alarms.notify.escalated', { step: top?.escalation?.step ?? 1 }), escalated);
    return;
  }
  const sound = soundFor(fresh);
  if (sound) play(sound);
  const top = sortAlarms(fresh)[0];
  if (top) {
    notify(t('alarms.notify.title', { priority: t(`alarms.priority.${top.priority}`).toLowerCase() }), fresh);
  }
}

async function loadAlarms(announceNew: boolean): Promise<void> {
  state.alarms = sortAlarms(await listAlarms(true));
  const signals = signalsDue(state.alarms, state.heard);
  state.heard = signals.heard;
  state.wakeAt = nextWake(state.alarms);
  if (announceNew) announce(signals.fresh, signals.escalated);
  renderAlarms();
}

async function snooze(alarmId: string | null): Promise<void> {
  if (!alarmId) return;
  try {
    const outcome = await snoozeAlarm(alarmId, SNOOZE_MINUTES);
    state.ackNote = t('alarms.snoozed_done', {
      time: formatDateTime(outcome.silenced_until, getLang()) || outcome.silenced_until,
    });
    await loadAlarms(false);
  } catch (err) {
    // A refusal (an escalated high alarm) is said where the nurse is looking, in her language.
    state.ackNote = errorText(err as ApiError);
    renderAlarms();
  }
}

async function acknowledge(alarmId: string | null): Promise<void> {
  if (!alarmId) return;
  try {
    const outcome = await acknowledgeAlarm(alarmId);
    state.alarmChosen = false;
    state.ackNote = outcome.outcome === 'acknowledged'
      ? t('alarms.acked_done')
      : t('alarms.already_acked', { nurse: outcome.by });
    state.status = await storeStatus();
    await loadAlarms(false);
    state.citizens = await listCitizens();
    renderAll();
  } catch (err) {
    state.error = err as ApiError;
    renderError();
  }
}

function renderError(): void {
  if (state.error) {
    banner.textContent = t('app.error', { message: state.error.message });
    banner.dataset.code = state.error.code;
    banner.hidden = false;
  } else {
    banner.textContent = '';
    banner.hidden = true;
  }
}

function renderAll(): void {
  renderTexts();
  renderTable();
  renderAlarms();
  renderStatus();
  renderError();
}

// ---------- dialogs: confirmed level, triage plan ----------

function dialogShell(testid: string): {
  dialog: HTMLDialogElement; heading: HTMLHeadingElement; body: HTMLDivElement;
  error: HTMLParagraphElement; save: HTMLButtonElement; cancel: HTMLButtonElement;
} {
  const heading = el('h2', { cls: 'dialog-heading' });
  const body = el('div', { cls: 'dialog-body' });
  const error = el('p', { cls: 'dialog-error', attrs: { role: 'alert', 'data-testid': `${testid}-error` } });
  const save = el('button', { cls: 'dialog-save', attrs: { type: 'submit', 'data-testid': `${testid}-save` } });
  const cancel = el('button', { cls: 'dialog-cancel', attrs: { type: 'button' } });
  const form = el('form', { attrs: { method: 'dialog' } },
    [heading, body, error, el('div', { cls: 'dialog-buttons' }, [cancel, save])]);
  const dialog = el('dialog', { cls: 'dialog', attrs: { 'data-testid': testid } }, [form]);
  cancel.addEventListener('click', () => dialog.close());
  // Back to the worklist, so the keys (E, P, K, arrows) act at once; a closed dialog's field
  // must not keep the focus and swallow them.
  dialog.addEventListener('close', () => table.focus({ preventScroll: true }));
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  return { dialog, heading, body, error, save, cancel };
}

const level = dialogShell('level-dialog');
const levelDialog = level.dialog;
const levelSelect = el('select', { cls: 'level-select', attrs: { 'data-testid': 'level-select' } });
const levelReason = el('textarea', { cls: 'reason', attrs: { rows: '3', 'aria-required': 'true', 'data-testid': 'level-reason' } });
const levelInfo = el('p', { cls: 'dialog-info' });
const levelSelectText = el('span');
const levelReasonText = el('span');
level.body.append(
  levelInfo,
  el('label', {}, [levelSelectText, levelSelect]),
  el('label', {}, [levelReasonText, levelReason]),
);
let levelCitizen: CitizenSummary | null = null;

function openLevelDialog(c: CitizenSummary): void {
  levelCitizen = c;
  level.heading.textContent = t('level.heading', { name: c.name });
  levelInfo.textContent = t('level.info', {
    suggested: c.suggested_level !== null ? `ECM${c.suggested_level}` : t('alarms.level.none'),
    confirmed: c.confirmed_level !== null ? `ECM${c.confirmed_level}` : t('alarms.level.none'),
  });
  levelSelectText.textContent = t('level.choose');
  levelSelect.replaceChildren(...[1, 2, 3, 4, 5, 6].map((n) =>
    el('option', { text: `ECM${n} · ${t(`ecm.${n}`)}`, attrs: { value: String(n) } })));
  levelSelect.value = String(c.suggested_level ?? c.confirmed_level ?? 1);
  levelReasonText.textContent = t('dialog.reason');
  levelReason.value = '';
  level.error.textContent = '';
  level.save.textContent = t('dialog.save');
  level.cancel.textContent = t('dialog.cancel');
  levelDialog.showModal();
  levelSelect.focus();
}

levelDialog.addEventListener('submit', (e) => {
  e.preventDefault();
  const c = levelCitizen;
  if (!c) return;
  if (levelReason.value.trim() === '') {
    level.error.textContent = t('dialog.reason_required');
    levelReason.focus();
    return;
  }
  void (async () => {
    try {
      await confirmLevel(c.id, Number(levelSelect.value), levelReason.value);
      levelDialog.close();
      state.ackNote = t('level.done', { name: c.name, level: `ECM${levelSelect.value}` });
      state.citizens = await listCitizens();
      state.status = await storeStatus();
      await loadAlarms(true);
      renderAll();
    } catch (err) {
      const apiError = err as ApiError;
      level.error.textContent = errorText(apiError);
    }
  })();
});

const plan = dialogShell('plan-dialog');
const planDialog = plan.dialog;
planDialog.classList.add('plan-dialog');
const planMeta = el('p', { cls: 'dialog-info', attrs: { 'data-testid': 'plan-meta' } });
const planOverrides = el('textarea', {
  cls: 'plan-text', attrs: { rows: '14', spellcheck: 'false', 'data-testid': 'plan-overrides' },
});
const planResolved = el('pre', { cls: 'plan-resolved', attrs: { 'data-testid': 'plan-resolved', tabindex: '0' } });
const planReason = el('input', { cls: 'reason', attrs: { type: 'text', 'aria-required': 'true', 'data-testid': 'plan-reason' } });
const planOverridesHeading = el('h3');
const planResolvedHeading = el('h3');
const planReasonText = el('span');
plan.body.append(
  planMeta,
  el('div', { cls: 'plan-columns' }, [
    el('div', {}, [planOverridesHeading, planOverrides]),
    el('div', {}, [planResolvedHeading, planResolved]),
  ]),
  el('label', {}, [planReasonText, planReason]),
);
let planCitizen: CitizenSummary | null = null;

function showPlan(view: PlanView): void {
  planMeta.textContent = view.revision === null
    ? t('plan.defaults')
    : t('plan.revision', { revision: view.revision, by: view.changed_by ?? '', reason: view.reason ?? '' });
  planOverrides.value = view.overrides;
  planResolved.textContent = view.resolved;
}

async function openPlanDialog(c: CitizenSummary): Promise<void> {
  try {
    const view = await citizenPlan(c.id);
    planCitizen = c;
    plan.heading.textContent = t('plan.heading', { name: c.name });
    planOverridesHeading.textContent = t('plan.overrides');
    planResolvedHeading.textContent = t('plan.resolved');
    planReasonText.textContent = t('dialog.reason');
    plan.save.textContent = t('dialog.save');
    plan.cancel.textContent = t('dialog.cancel');
    plan.error.textContent = '';
    planReason.value = '';
    showPlan(view);
    planDialog.showModal();
    planOverrides.focus();
  } catch (err) {
    state.error = err as ApiError;
    renderError();
  }
}

planDialog.addEventListener('submit', (e) => {
  e.preventDefault();
  const c = planCitizen;
  if (!c) return;
  if (planReason.value.trim() === '') {
    plan.error.textContent = t('dialog.reason_required');
    planReason.focus();
    return;
  }
  void (async () => {
    try {
      const view = await setCitizenPlan(c.id, planOverrides.value, planReason.value);
      showPlan(view);
      planDialog.close();
      state.ackNote = t('plan.done', { name: c.name, revision: view.revision ?? 0 });
      state.citizens = await listCitizens();
      state.status = await storeStatus();
      await loadAlarms(true);
      renderAll();
    } catch (err) {
      // Kept open with the nurse's text, so nothing she wrote is lost.
      plan.error.textContent = errorText(err as ApiError);
    }
  })();
});

/**
 * A known error code in the nurse's language. A text ending in ':' is followed by the detail
 * (e.g. the plan field at fault), the part of the message after its own English lead-in.
 */
function errorText(error: ApiError): string {
  const key = `error.${error.code}`;
  const text = t(key);
  if (text === key) return error.message;
  if (!text.endsWith(':')) return text;
  const colon = error.message.indexOf(': ');
  return `${text} ${colon >= 0 ? error.message.slice(colon + 2) : error.message}`;
}

// ---------- selection ----------

function selectedIndex(): number {
  return state.selectedId === null ? -1 : visible.findIndex((c) => c.id === state.selectedId);
}

function applySelection(scroll: boolean): void {
  const idx = selectedIndex();
  rowEls.forEach((row, i) => {
    const on = i === idx;
    row.setAttribute('aria-selected', on ? 'true' : 'false');
    row.classList.toggle('selected', on);
  });
  const row = idx >= 0 ? rowEls[idx] : undefined;
  if (row) {
    table.setAttribute('aria-activedescendant', row.id);
    if (scroll) row.scrollIntoView({ block: 'nearest' });
  } else {
    table.removeAttribute('aria-activedescendant');
  }
}

function select(index: number, scroll = true): void {
  state.selectedId = visible[index]?.id ?? null;
  applySelection(scroll);
}

// ---------- input ----------

function isEditable(node: Element | null): boolean {
  if (!node) return false;
  if (node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement || node instanceof HTMLSelectElement) {
    return true;
  }
  return node instanceof HTMLElement && node.isContentEditable;
}

function clearSearch(): void {
  search.value = '';
  state.query = '';
  search.blur();
  renderTable();
}

function switchLang(): void {
  toggleLang();
  renderAll();
}

function onKeyDown(e: KeyboardEvent): void {
  if (e.altKey && !e.ctrlKey && !e.metaKey && (e.code === 'KeyL' || e.key.toLowerCase() === 'l')) {
    e.preventDefault();
    switchLang();
    return;
  }
  if (e.altKey && !e.ctrlKey && !e.metaKey && (e.code === 'KeyA' || e.key.toLowerCase() === 'a')) {
    e.preventDefault();
    alarmList.focus();
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  // An open dialog has the keyboard (Esc closes it, Ctrl+Enter saves).
  if (levelDialog.open || planDialog.open) return;

  const inSearch = document.activeElement === search;
  const inOtherField = !inSearch && isEditable(document.activeElement);

  switch (e.key) {
    case 'k':
    case 'K':
      if (inSearch || inOtherField) return;
      e.preventDefault();
      void acknowledge(state.selectedAlarmId ?? state.alarms[0]?.id ?? null);
      return;
    case 'u':
    case 'U':
      if (inSearch || inOtherField) return;
      e.preventDefault();
      void snooze(state.selectedAlarmId ?? state.alarms[0]?.id ?? null);
      return;
    case 'e':
    case 'E': {
      if (inSearch || inOtherField) return;
      const c = visible[selectedIndex()];
      if (!c) return;
      e.preventDefault();
      openLevelDialog(c);
      return;
    }
    case 'p':
    case 'P': {
      if (inSearch || inOtherField) return;
      const c = visible[selectedIndex()];
      if (!c) return;
      e.preventDefault();
      void openPlanDialog(c);
      return;
    }
    case '/':
      if (inSearch || inOtherField) return;
      e.preventDefault();
      search.focus();
      search.select();
      return;
    case 'Escape':
      if (inSearch || search.value !== '') {
        e.preventDefault();
        clearSearch();
      }
      return;
    case 'ArrowDown':
    case 'ArrowUp': {
      if (inOtherField) return;
      if (document.activeElement === alarmList) {
        e.preventDefault();
        const at = state.alarms.findIndex((a) => a.id === state.selectedAlarmId);
        const next = moveSelection(at, e.key === 'ArrowDown' ? 1 : -1, state.alarms.length);
        state.selectedAlarmId = state.alarms[next]?.id ?? null;
        state.alarmChosen = true;
        renderAlarms();
        return;
      }
      e.preventDefault();
      const next = moveSelection(selectedIndex(), e.key === 'ArrowDown' ? 1 : -1, visible.length);
      select(next);
      return;
    }
  }
}

search.addEventListener('input', () => {
  state.query = search.value;
  renderTable();
});
langButton.addEventListener('click', switchLang);
document.addEventListener('keydown', onKeyDown);

// ---------- start ----------

// Short, so a new alarm shows within seconds of the sync that brought it.
const REFRESH_MS = 2_000;

async function load(): Promise<void> {
  const [citizens, status] = await Promise.allSettled([listCitizens(), storeStatus()]);
  if (citizens.status === 'fulfilled') {
    state.citizens = citizens.value;
    state.citizensLoaded = true;
  }
  if (status.status === 'fulfilled') state.status = status.value;
  const failed = [citizens, status].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  state.error = failed ? (failed.reason as ApiError) : null;
  state.load = failed ? 'error' : 'ready';
}

async function start(): Promise<void> {
  initLang();
  document.body.dataset.state = 'loading';
  document.body.replaceChildren(header, alarmPanel, toolbar, banner, tableWrap, keysHelp, statusBar, levelDialog, planDialog);
  renderAll();
  try {
    await load();
    // A nurse starting a shift hears what is already waiting.
    if (state.load === 'ready') await loadAlarms(true);
  } catch (err) {
    state.load = 'error';
    state.error = { code: 'ui', message: err instanceof Error ? err.message : String(err) };
  }
  renderAll();
  document.body.dataset.state = state.load;
  window.setInterval(renderTable, TICK_MS);
  window.setInterval(() => void refresh(), REFRESH_MS);
}

/** What in the status means the list may have changed. */
function dataVersion(s: StoreStatus | null): string {
  return s
    ? `${s.citizens}/${s.readings}/${s.rejected}/${s.last_sync ?? ''}/${s.open_alarms}/${s.alarms_total}`
    : '';
}

/**
 * The background sync writes to the store; the status tells cheaply whether anything changed.
 * The list (an audited read of health data) is fetched again only when it did.
 */
async function refresh(): Promise<void> {
  if (state.load !== 'ready') return;
  try {
    const status = await storeStatus();
    const changed = dataVersion(status) !== dataVersion(state.status);
    if (changed) {
      state.citizens = await listCitizens();
      await loadAlarms(true);
    } else if (state.wakeAt !== null && Date.now() >= state.wakeAt) {
      // An escalation step is due or a snooze has ended: nothing in the data changed.
      await loadAlarms(true);
    }
    // Only after the lists are in: a failed read is tried again on the next tick.
    state.status = status;
    if (state.errorFromRefresh) {
      state.error = null;
      state.errorFromRefresh = false;
    }
    renderAll();
  } catch (err) {
    state.error = err as ApiError;
    state.errorFromRefresh = true;
    renderError();
  }
}

void start();
