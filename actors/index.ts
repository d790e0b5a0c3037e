export * from './device.machine.ts';
export * from './device-actor.ts';
export * from './device-view.ts';
export * from './derived-event.ts';
