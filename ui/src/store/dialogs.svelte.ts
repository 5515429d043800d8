// The store's dialogs: the confirmed level (E) and the triage plan (P), as form and as TOML.
// Part of the UI's one store (see index.ts); what was typed lives here, so a refusal keeps it.
import * as api from '../api';
import type { CitizenId, PlanForm, PlanProblem, PlanView } from '../bindings';
import { documentOf, draftOf, formPaths, planBases, RULE_ID, type Draft } from '../plandraft';
import { errorText } from '../wording';
import { applyChange, citizenById, setError, setNote, store, t } from './app.svelte';

/** check_plan is called this long after the last keystroke. */
export const CHECK_DEBOUNCE_MS = 150;

export type DialogCitizen = { id: CitizenId; name: string; suggested: number | null; confirmed: number | null };
export type Dialog = { kind: 'level' | 'plan'; citizen: DialogCitizen } | null;

let dialog = $state.raw<Dialog>(null);
let levelChoice = $state(1);
let levelReason = $state('');
let levelError = $state('');

let plan = $state.raw<PlanForm | null>(null);
let planMode = $state<'form' | 'toml'>('form');
let planFields = $state<Draft>({});
let planRuleIds = $state<string[]>([]);
let planProblems = $state.raw<PlanProblem[]>([]);
let planReason = $state('');
let planError = $state('');
let planReasonMissing = $state(false);
let planView = $state.raw<PlanView | null>(null);
let planTomlText = $state('');
let newRuleText = $state('');
let newRuleInvalid = $state(false);
const planDraft = $derived(plan ? documentOf(planFields, planRuleIds, plan.overrides) : null);
const planPaths = $derived(new Set(formPaths(planRuleIds)));

export const dialogs = {
  get dialog() { return dialog; },
  get levelChoice() { return levelChoice; }, get levelReason() { return levelReason; }, get levelError() { return levelError; },
  get plan() { return plan; }, get planMode() { return planMode; }, get planFields() { return planFields; },
  get planRuleIds() { return planRuleIds; }, get planProblems() { return planProblems; },
  get planLocalInvalid() { return planDraft?.invalid ?? []; }, get planPaths() { return planPaths; },
  get planReason() { return planReason; }, get planError() { return planError; },
  get planReasonMissing() { return planReasonMissing; }, get planView() { return planView; },
  get planTomlText() { return planTomlText; }, get newRuleText() { return newRuleText; },
  get newRuleInvalid() { return newRuleInvalid; },
  /** The revisions in conflict with the one in force, as the mode shown read them. */
  get planConflicts() { return (planMode === 'toml' ? planView?.conflicts : plan?.conflicts) ?? []; },
};

/**
 * Whom E and P act on: a citizen named by the caller (the alarm panel's selected row), else
 * the citizen of the open page, else the selected worklist row.
 */
function dialogCitizen(named: CitizenId | null): DialogCitizen | null {
  if (named !== null) {
    const c = citizenById(named);
    const name = c?.name ?? store.episodes.find((e) => e.citizen_id === named)?.citizen_name ?? named;
    return { id: named, name, suggested: c?.suggested_level ?? null, confirmed: c?.confirmed_level ?? null };
  }
  const page = store.page;
  if (store.view.kind === 'citizen') {
    if (!page) return null;
    const c = page.citizen;
    return { id: c.id, name: c.name, suggested: page.suggested_level, confirmed: page.confirmed_level };
  }
  const c = store.visible[store.selectedIndex];
  return c ? { id: c.id, name: c.name, suggested: c.suggested_level, confirmed: c.confirmed_level } : null;
}

export function closeDialog(): void {
  dialog = null;
}

export function openLevelDialog(citizenId: CitizenId | null = null): boolean {
  const citizen = dialogCitizen(citizenId);
  if (!citizen) return false;
  levelChoice = citizen.suggested ?? citizen.confirmed ?? 1;
  levelReason = '';
  levelError = '';
  dialog = { kind: 'level', citizen };
  return true;
}

export function setLevelChoice(level: number): void {
  levelChoice = level;
}

export function setLevelReason(text: string): void {
  levelReason = text;
}

/** Saves the confirmed level; false (and the dialog open) when refused. */
export async function submitLevel(): Promise<boolean> {
  const target = dialog?.kind === 'level' ? dialog.citizen : null;
  if (!target) return false;
  if (levelReason.trim() === '') {
    levelError = t('dialog.reason_required');
    return false;
  }
  try {
    await api.confirmLevel(target.id, levelChoice, levelReason);
    dialog = null;
    setNote(t('level.done', { name: target.name, level: `ECM${levelChoice}` }));
    await applyChange({ citizens: [target.id], alarms: true, status: true });
    return true;
  } catch (err) {
    levelError = errorText(api.toApiError(err), t);
    return false;
  }
}

export async function openPlanDialog(citizenId: CitizenId | null = null): Promise<boolean> {
  const citizen = dialogCitizen(citizenId);
  if (!citizen) return false;
  try {
    showPlanForm(await api.planForm(citizen.id));
    planMode = 'form';
    planReason = '';
    planError = '';
    planReasonMissing = false;
    planView = null;
    dialog = { kind: 'plan', citizen };
    return true;
  } catch (err) {
    setError(api.toApiError(err));
    return false;
  }
}

function showPlanForm(form: PlanForm): void {
  const draft = draftOf(form, store.lang);
  plan = form;
  planFields = draft.fields;
  planRuleIds = draft.ruleIds;
  planProblems = [];
  newRuleText = '';
  newRuleInvalid = false;
}

let checkTimer: ReturnType<typeof setTimeout> | undefined;
let checkSeq = 0;

export function setPlanField(path: string, text: string): void {
  planFields[path] = text;
  scheduleCheck();
}

export function setNewRuleText(text: string): void {
  newRuleText = text;
  newRuleInvalid = false;
}

/** Adds a relative rule row with the id typed; a bad or taken id is marked instead. */
export function addPlanRule(): boolean {
  const clean = newRuleText.trim();
  newRuleInvalid = !RULE_ID.test(clean) || planRuleIds.includes(clean);
  if (newRuleInvalid) return false;
  planRuleIds = [...planRuleIds, clean];
  newRuleText = '';
  return true;
}

function scheduleCheck(): void {
  clearTimeout(checkTimer);
  const seq = ++checkSeq;
  checkTimer = setTimeout(() => void checkNow(seq), CHECK_DEBOUNCE_MS);
}

async function checkNow(seq: number): Promise<void> {
  if (!plan || !planDraft) return;
  try {
    const result = await api.checkPlan(plan.citizen_id, planDraft.doc);
    // An answer to an older draft would show problems the nurse has already fixed.
    if (seq === checkSeq) planProblems = result.problems;
  } catch (err) {
    if (seq === checkSeq) planError = errorText(api.toApiError(err), t);
  }
}

export function setPlanReason(text: string): void {
  planReason = text;
  if (text.trim()) planReasonMissing = false;
}

export function setPlanTomlText(text: string): void {
  planTomlText = text;
}

export async function setPlanMode(mode: 'form' | 'toml'): Promise<void> {
  if (!plan || mode === planMode) return;
  planError = '';
  planProblems = [];
  try {
    if (mode === 'toml') {
      planView = await api.planToml(plan.citizen_id);
      planTomlText = planView.overrides;
    } else {
      // The TOML may have been saved meanwhile: the form shows what is kept now.
      showPlanForm(await api.planForm(plan.citizen_id));
    }
    planMode = mode;
  } catch (err) {
    planError = errorText(api.toApiError(err), t);
  }
}

/** Saves the plan; on a refusal everything typed stays and each problem shows at its field. */
export async function submitPlan(): Promise<boolean> {
  const target = dialog?.kind === 'plan' ? dialog.citizen : null;
  if (!target || !plan || !planDraft) return false;
  planError = '';
  if (planReason.trim() === '') {
    planReasonMissing = true;
    planError = t('dialog.reason_required');
    return false;
  }
  if (planMode === 'form' && planDraft.invalid.length > 0) {
    planError = t('plan.fix_fields');
    return false;
  }
  try {
    clearTimeout(checkTimer);
    checkSeq++;
    // The bases are the revisions the nurse was shown, conflicts included: saving settles them.
    const saved = planMode === 'form'
      ? await api.setPlan(target.id, planDraft.doc, planReason, planBases(plan))
      : await api.setPlanToml(target.id, planTomlText, planReason, planBases(planView ?? plan));
    dialog = null;
    // Another station saved meanwhile: the new revision is in conflict with that one.
    const key = saved.conflicts.length > 0 ? 'plan.done_conflict' : 'plan.done';
    setNote(t(key, { name: target.name, revision: saved.revision ?? 0 }));
    await applyChange({ citizens: [target.id], alarms: true, status: true });
    return true;
  } catch (err) {
    const e = api.toApiError(err);
    planProblems = e.problems ?? [];
    planReasonMissing = e.code === 'reason_required';
    planError = errorText(e, t);
    return false;
  }
}


export function resetDialogs(): void {
  clearTimeout(checkTimer);
  dialog = null; plan = null; planProblems = []; planFields = {}; planRuleIds = []; planView = null;
}
