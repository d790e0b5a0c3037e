import { commit, stage, type GuardArgs } from './device-setup.ts';
import { deviceConfig } from './device-settings.ts';

/**
 * History region: keeps the mailbox's reorder window and the track (what the
 * ordered history says after the last applied sample). The mailbox
 * (mailbox.ts) computes both from the context and hands them over in the
 * input; this region stores them, installs new settings, and closes every
 * microstep with `commit` (see device-setup.ts).
 *
 * It is the last region of the machine: its actions run last, so on
 * `settings` the other regions still see the previous config in context.
 */
export const historyActions = {
  'history.store': ({ event }: GuardArgs) => {
    if (event.type === 'record' || event.type === 'sample') {
      if (event.reorder) stage('reorder', event.reorder);
      if (event.next) stage('track', event.next.c);
    }
  },
  'history.configure': ({ event }: GuardArgs) => {
    if (event.type === 'settings') stage('config', deviceConfig(event.settings, event.geofences));
  },
  commit,
};

export const historyGuards = {};

export const historyRegion = {
  on: {
    record: { actions: ['history.store', 'commit'] },
    sample: { actions: ['history.store', 'commit'] },
    tick: { actions: ['commit'] },
    settings: { actions: ['history.configure', 'commit'] },
  },
} as const;
