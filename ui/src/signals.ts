// What an alarm does beyond the panel: a sound (assets/sounds) and a desktop notification.
import escalatedSound from '../../assets/sounds/alarm-escalated.wav';
import highSound from '../../assets/sounds/alarm-high.wav';
import lowSound from '../../assets/sounds/alarm-low.wav';
import { sortAlarms, soundFor } from './alarms';
import { notifyAlarm } from './api';
import type { AlarmRow } from './bindings';
import type { Translate } from './i18n';

type Sound = 'escalated' | 'high' | 'low';
const SOURCES: Record<Sound, string> = { escalated: escalatedSound, high: highSound, low: lowSound };
// Ordinary alarms leave headroom; an escalation plays at full volume.
const VOLUME: Record<Sound, number> = { escalated: 1, high: 0.7, low: 0.6 };
const players = new Map<Sound, HTMLAudioElement>();

function play(sound: Sound): void {
  try {
    let audio = players.get(sound);
    if (!audio) {
      audio = new Audio(SOURCES[sound]);
      audio.volume = VOLUME[sound];
      players.set(sound, audio);
    }
    audio.currentTime = 0;
    // Autoplay may be refused before the first key press; the panel still shows the alarm.
    void audio.play()?.catch(() => undefined);
  } catch {
    // No audio device (or a test DOM): the panel and the notification still say it.
  }
}

async function notify(title: string, alarms: readonly AlarmRow[], t: Translate): Promise<void> {
  const top = sortAlarms(alarms)[0];
  if (!top) return;
  // The most urgent one by name; the rest are in the panel.
  const words = { citizen: top.citizen_name, kind: t(`alarms.kind.${top.kind}`) };
  const body = alarms.length === 1
    ? t('alarms.notify.body', words)
    : t('alarms.notify.more', { ...words, more: alarms.length - 1 });
  const shown = await notifyAlarm(title, body).catch(() => false);
  // Set after the back end answered, for the end-to-end test to see what was sent.
  if (typeof document !== 'undefined') {
    document.body.dataset.lastNotification = `${title} | ${body}`;
    document.body.dataset.lastNotificationShown = String(shown);
  }
}

/**
 * Sound and a desktop notification for alarms new at this station (or back from a snooze),
 * and again, at full volume, for each escalation step nobody acknowledged in time.
 */
export function announce(fresh: readonly AlarmRow[], escalated: readonly AlarmRow[], t: Translate): void {
  if (escalated.length > 0) {
    play('escalated');
    const top = sortAlarms(escalated)[0];
    void notify(t('alarms.notify.escalated', { step: top?.escalation?.step ?? 1 }), escalated, t);
    return;
  }
  const sound = soundFor(fresh);
  if (sound) play(sound);
  const top = sortAlarms(fresh)[0];
  if (top) void notify(t('alarms.notify.title', { priority: t(`alarms.priority.${top.priority}`).toLowerCase() }), fresh, t);
}
