import type { Alarm, EngineReading, TelemetryRecord } from '../../engine/model/index.ts';
import type { EngineNumberField, IoRule, IoTable } from './io-map.ts';
import { isAllZero, readSigned, readUnsigned } from './io-value.ts';

/**
 * Applies the IO table to one record's IO elements. Whatever a rule cannot
 * interpret (unknown id, unexpected width, sensor error code, unmapped enum
 * value) is kept as a raw `io<id>` attribute, so no vendor data is lost.
 */

type Probe = NonNullable<TelemetryRecord['probes']>[number];
type Attributes = NonNullable<TelemetryRecord['attributes']>;

/** The IO-derived parts of a record, filled in as elements are read. */
export interface IoDraft {
  ignition?: boolean;
  moving?: boolean;
  hdop?: number;
  engine?: EngineReading;
  probes?: Probe[];
  driverId?: string;
  alarms?: Alarm[];
  attributes?: Attributes;
}

/** Attribute strings are capped at 1024 characters by the model: 512 bytes of hex. */
export const MAX_RAW_HEX_BYTES = 512;
const MAX_DTCS = 64;
const MAX_DTC_CHARS = 16;
/** The model caps driverId at 64 characters: 32 bytes of hex. */
const MAX_DRIVER_ID_BYTES = 32;

export function applyIoElements(
  table: IoTable,
  src: Buffer,
  io: readonly number[],
  nxFrom: number,
  draft: IoDraft,
): void {
  for (let i = 0; i < io.length; i += 3) {
    const id = io[i]!;
    const off = io[i + 1]!;
    const len = io[i + 2]!;
    const rule = table.rules.get(id);
    if (rule === undefined || !applyRule(rule, src, off, len, draft)) {
      setRaw(draft, id, src, off, len, i >= nxFrom);
    }
  }
}

/** Returns false when the rule could not use the value, so the caller keeps it raw. */
function applyRule(rule: IoRule, src: Buffer, off: number, len: number, draft: IoDraft): boolean {
  switch (rule.field) {
    case 'ignition':
    case 'moving': {
      const v = readUnsigned(src, off, len);
      if (v === undefined) return false;
      draft[rule.field] = v !== 0;
      return true;
    }
    case 'position.hdop': {
      const v = readNumber(src, off, len, rule.signed, rule.divisor);
      if (v === undefined || v < 0) return false;
      draft.hdop = v;
      return true;
    }
    case 'attribute': {
      const v = readNumber(src, off, len, rule.signed, rule.divisor);
      if (v === undefined) return false;
      (draft.attributes ??= {})[rule.key] = v;
      return true;
    }
    case 'probe': {
      const raw = readSigned(src, off, len);
      if (raw === undefined || rule.errorValues.includes(raw)) return false;
      // A repeated id replaces its reading, so the list never outgrows the table's probes.
      const probes = (draft.probes ??= []);
      const reading = { probe: rule.probe, tempC: raw / rule.divisor };
      const at = probes.findIndex((p) => p.probe === rule.probe);
      if (at === -1) probes.push(reading);
      else probes[at] = reading;
      return true;
    }
    case 'driverId': {
      if (len === 0 || len > MAX_DRIVER_ID_BYTES) return false;
      // All zero: the reader reports no key attached, which is not a driver.
      if (!isAllZero(src, off, len)) draft.driverId = src.toString('hex', off, off + len).toUpperCase();
      return true;
    }
    case 'engine.dtcs': {
      const codes = parseDtcList(src.toString('latin1', off, off + len));
      if (codes === undefined) return false;
      (draft.engine ??= {}).dtcs = codes;
      return true;
    }
    case 'alarm': {
      const v = readUnsigned(src, off, len);
      if (v === undefined) return false;
      if (v === 0) return true;
      const alarm = typeof rule.alarm === 'string' ? rule.alarm : rule.alarm[v];
      if (alarm === undefined) return false;
      addAlarm(draft, alarm);
      return true;
    }
    default:
      return applyEngineNumber(rule.field, rule.signed, rule.divisor, src, off, len, draft);
  }
}

const NON_NEGATIVE: ReadonlySet<EngineNumberField> = new Set<EngineNumberField>([
  'engine.rpm',
  'engine.fuelLevelL',
  'engine.fuelUsedL',
  'engine.odometerM',
  'engine.engineHoursS',
]);

function applyEngineNumber(
  field: EngineNumberField,
  signed: boolean | undefined,
  divisor: number | undefined,
  src: Buffer,
  off: number,
  len: number,
  draft: IoDraft,
): boolean {
  const v = readNumber(src, off, len, signed, divisor);
  if (v === undefined) return false;
  // Out-of-range readings would fail the model's schema downstream; they stay raw instead.
  if (NON_NEGATIVE.has(field) && v < 0) return false;
  if (field === 'engine.fuelLevelPct' && (v < 0 || v > 100)) return false;
  const engine = (draft.engine ??= {});
  switch (field) {
    case 'engine.rpm':
      engine.rpm = v;
      break;
    case 'engine.coolantC':
      engine.coolantC = v;
      break;
    case 'engine.fuelLevelPct':
      engine.fuelLevelPct = v;
      break;
    case 'engine.fuelLevelL':
      engine.fuelLevelL = v;
      break;
    case 'engine.fuelUsedL':
      engine.fuelUsedL = v;
      break;
    case 'engine.odometerM':
      engine.odometerM = v;
      break;
    case 'engine.engineHoursS':
      engine.engineHoursS = v;
      break;
    case 'engine.batteryV':
      engine.batteryV = v;
      break;
    case 'engine.externalV':
      engine.externalV = v;
      break;
  }
  return true;
}

function readNumber(
  src: Buffer,
  off: number,
  len: number,
  signed: boolean | undefined,
  divisor: number | undefined,
): number | undefined {
  const raw = signed ? readSigned(src, off, len) : readUnsigned(src, off, len);
  if (raw === undefined) return undefined;
  return divisor === undefined ? raw : raw / divisor;
}

export function addAlarm(draft: IoDraft, alarm: Alarm): void {
  const alarms = (draft.alarms ??= []);
  if (!alarms.includes(alarm)) alarms.push(alarm);
}

/** Splits "P0100,P0200" style lists; undefined when the text is not a plausible list. */
function parseDtcList(text: string): string[] | undefined {
  const codes: string[] = [];
  for (const token of text.split(/[\s,;]+/)) {
    if (token === '') continue;
    if (token.length > MAX_DTC_CHARS || !/^[A-Za-z0-9]+$/.test(token)) return undefined;
    if (codes.length === MAX_DTCS) break;
    codes.push(token.toUpperCase());
  }
  return codes;
}

/**
 * Unknown or uninterpretable IO: fixed-width values as numbers (when they fit
 * a safe integer), variable-length (NX) values and 8-byte values beyond 2^53
 * as lower-case hex, cut at MAX_RAW_HEX_BYTES with an `io<id>Bytes` length
 * attribute so the cut is visible.
 */
function setRaw(draft: IoDraft, id: number, src: Buffer, off: number, len: number, variable: boolean): void {
  const attributes = (draft.attributes ??= {});
  const key = `io${id}`;
  if (!variable) {
    const v = readUnsigned(src, off, len);
    if (v !== undefined) {
      attributes[key] = v;
      return;
    }
  }
  if (len > MAX_RAW_HEX_BYTES) {
    attributes[key] = src.toString('hex', off, off + MAX_RAW_HEX_BYTES);
    attributes[`${key}Bytes`] = len;
    return;
  }
  attributes[key] = src.toString('hex', off, off + len);
}
