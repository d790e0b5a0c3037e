/** The public surface of actors/: the device actor, its view, settings, derived events and their catalog. */
export { DeviceActor, DeviceActorError } from './device-actor.ts';
export { deviceViewOf, openAlertsOf, type DeviceView, type OpenAlert, type ViewStates } from './device-view.ts';
export { deviceMachine, type DeviceContext, type DeviceEvent, type DeviceEmitted, type DeviceInput, type Ordered } from './device.machine.ts';
export { DerivedEventSchema, derivedEventId, type DerivedEvent } from './derived-event.ts';
export {
  DEFAULT_SETTINGS,
  DEVICE_SETTING_DEFAULTS,
  DeviceSettingsError,
  DeviceSettingsSchema,
  GeofenceSchema,
  MaintenanceSchema,
  TemperatureRangeSchema,
  parseDeviceSettings,
  parseGeofences,
  type DeviceSettings,
  type DeviceSettingsInput,
  type Geofence,
} from './device-settings.ts';
export { EVENT_CATALOG, EVENT_TYPES, isCritical, parseEventData, type EventData, type EventType } from './events.ts';
