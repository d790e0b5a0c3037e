import { receiveTimeOf, type DecodeContext, type DecodeOutcome } from './decode-outcome.ts';

/**
 * 0x94 information transmission (always a 0x7979 frame, GT800 V3.1 §10): a
 * sub-type byte and sub-type-specific data, never answered (§10.2). The
 * framer already handles the 2-byte length; here only the sub-types that map
 * onto the model are decoded, the rest are reported as unsupported so the
 * connection stays open.
 *
 *   0x00 external power voltage: 2 bytes, /100 V; a third byte 0x01 marks ADC2
 *   0x05 door status: bit0 door on, bit1 trigger level high, bit2 IO high
 *   0x0A ICCID: IMEI (8), IMSI (8), ICCID (10), all BCD
 * Records carry the receive time: the packet has no time of its own.
 */

const SUBTYPE_EXTERNAL_VOLTAGE = 0x00;
const SUBTYPE_DOOR = 0x05;
const SUBTYPE_ICCID = 0x0a;

export function decodeInformation(content: Buffer, ctx: DecodeContext): DecodeOutcome {
  if (content.length < 1) return { kind: 'malformed', reason: 'information packet without sub-type' };
  const subtype = content[0] as number;
  const data = content.subarray(1);
  const stamp: Record<string, number> = {};
  const deviceTime = receiveTimeOf(ctx, stamp);
  switch (subtype) {
    case SUBTYPE_EXTERNAL_VOLTAGE: {
      if (data.length < 2) return { kind: 'malformed', reason: 'external voltage truncated' };
      const volts = data.readUInt16BE(0) / 100;
      if (data.length >= 3 && data[2] === 0x01) return { kind: 'record', record: { deviceTime, attributes: { adc2V: volts, ...stamp } } };
      return { kind: 'record', record: { deviceTime, engine: { externalV: volts }, ...(ctx.serial !== undefined ? { attributes: stamp } : {}) } };
    }
    case SUBTYPE_DOOR: {
      if (data.length < 1) return { kind: 'malformed', reason: 'door status truncated' };
      const b = data[0] as number;
      return {
        kind: 'record',
        record: {
          deviceTime,
          doors: [{ door: 'door', open: (b & 0x01) !== 0 }],
          attributes: { doorTriggerHigh: (b & 0x02) !== 0, doorIoHigh: (b & 0x04) !== 0, ...stamp },
        },
      };
    }
    case SUBTYPE_ICCID: {
      if (data.length < 26) return { kind: 'malformed', reason: 'ICCID packet truncated' };
      return {
        kind: 'record',
        record: {
          deviceTime,
          attributes: {
            imsi: stripLeadingZero(data.subarray(8, 16).toString('hex')),
            iccid: data.subarray(16, 26).toString('hex').toUpperCase(),
            ...stamp,
          },
        },
      };
    }
    default:
      return { kind: 'unsupported', reason: `information sub-type 0x${subtype.toString(16).padStart(2, '0')}` };
  }
}

function stripLeadingZero(s: string): string {
  return s.startsWith('0') ? s.slice(1) : s;
}
