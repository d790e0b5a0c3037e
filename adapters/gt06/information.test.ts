import { describe, expect, it } from 'vitest';
import type { DecodeContext } from './decode-outcome.ts';
import { decodeInformation } from './information.ts';
import { encodeInformation } from './test-encoder.ts';
import { contentOf } from './test-kit.ts';
import * as V from './vectors.ts';

const CTX: DecodeContext = { now: Date.UTC(2024, 5, 1, 12, 0, 0) };

describe('0x94 information transmission', () => {
  it('type 00 external voltage: the GT800 doc data 04 9F -> 11.83 V (frame built with the test encoder)', () => {
    const out = decodeInformation(contentOf(encodeInformation(0x00, [0x04, 0x9f], 7)), CTX);
    expect(out).toEqual({ kind: 'record', record: { deviceTime: CTX.now, engine: { externalV: 11.83 } } });
  });

  it('type 00 with the ADC2 marker: 05 36 01 -> adc2V 13.34', () => {
    const out = decodeInformation(contentOf(encodeInformation(0x00, [0x05, 0x36, 0x01], 7)), CTX);
    expect(out).toEqual({ kind: 'record', record: { deviceTime: CTX.now, attributes: { adc2V: 13.34 } } });
  });

  it('type 05 door status (built): bit0 door open', () => {
    expect(decodeInformation(contentOf(encodeInformation(0x05, [0b101], 7)), CTX)).toEqual({
      kind: 'record',
      record: { deviceTime: CTX.now, doors: [{ door: 'door', open: true }], attributes: { doorTriggerHigh: false, doorIoHigh: true } },
    });
  });

  it('type 0A ICCID (built): IMSI and ICCID as digits', () => {
    const imei = [0x01, 0x23, 0x45, 0x67, 0x89, 0x12, 0x34, 0x56];
    const imsi = [0x02, 0x62, 0x01, 0x12, 0x34, 0x56, 0x78, 0x90];
    const iccid = [0x89, 0x49, 0x01, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34];
    expect(decodeInformation(contentOf(encodeInformation(0x0a, [...imei, ...imsi, ...iccid], 7)), CTX)).toEqual({
      kind: 'record',
      record: { deviceTime: CTX.now, attributes: { imsi: '262011234567890', iccid: '89490112345678901234' } },
    });
  });

  it('the GT800 doc examples of types 04 and 0D are unsupported, not errors', () => {
    expect(decodeInformation(contentOf(V.bytes(V.INFO_94_STATUS_SYNC)), CTX)).toEqual({ kind: 'unsupported', reason: 'information sub-type 0x04' });
    expect(decodeInformation(contentOf(V.bytes(V.INFO_94_FUEL)), CTX)).toEqual({ kind: 'unsupported', reason: 'information sub-type 0x0d' });
  });

  it('truncated sub-types are malformed', () => {
    expect(decodeInformation(Buffer.alloc(0), CTX).kind).toBe('malformed');
    expect(decodeInformation(Buffer.from([0x00, 0x04]), CTX).kind).toBe('malformed');
    expect(decodeInformation(Buffer.from([0x0a, 1, 2, 3]), CTX).kind).toBe('malformed');
  });
});
