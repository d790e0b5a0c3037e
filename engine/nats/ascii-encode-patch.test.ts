import { headers, type NatsConnection } from '@nats-io/transport-node';
import { TE } from '@nats-io/nats-core/internal';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asciiEncodePatched, encodeShortAscii } from './ascii-encode-patch.ts';
import { startTestNatsPair, type TestNatsPair } from '../testing/nats-server.ts';

const reference = new TextEncoder();
const library = (s?: string) => reference.encode(s);

describe('ascii encode patch', () => {
  it('is applied to the TextEncoder nats.js shares', () => {
    expect(asciiEncodePatched).toBe(true);
    expect((TE as unknown as { fleetlineAsciiEncode?: boolean }).fleetlineAsciiEncode).toBe(true);
  });

  it('gives the bytes a TextEncoder gives, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 700 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })), (s) => {
        expect(Buffer.from(encodeShortAscii(s, library))).toEqual(Buffer.from(reference.encode(s)));
        expect(Buffer.from(TE.encode(s))).toEqual(Buffer.from(reference.encode(s)));
      }),
      { numRuns: 2000 },
    );
  });

  it('never changes bytes it handed out, across many blocks', () => {
    const kept: { s: string; bytes: Uint8Array }[] = [];
    for (let i = 0; i < 5000; i++) {
      const s = `PUB $KV.fleet_snapshots.default.truck-${i} _INBOX.abc.${i} ${i * 7}\r\n`;
      kept.push({ s, bytes: encodeShortAscii(s, library) });
      // A non-ASCII string in between writes into the block and must leave nothing behind.
      encodeShortAscii(`café ${i}`, library);
    }
    for (const k of kept) expect(Buffer.from(k.bytes).toString('latin1')).toBe(k.s);
    // 5,000 lines of ~60 bytes cannot fit one 16 KiB block: the test crossed block ends.
    expect(new Set(kept.map((k) => k.bytes.buffer)).size).toBeGreaterThan(10);
  });
});

describe('ascii encode patch on a real connection', () => {
  let pair: TestNatsPair;
  let pub: NatsConnection;
  let sub: NatsConnection;
  beforeAll(async () => {
    pair = await startTestNatsPair();
    ({ pub, sub } = pair);
  });
  afterAll(() => pair?.close());

  it('carries subjects, headers and string payloads (ASCII or not) intact', async () => {
    const got: { subject: string; text: string; id: string | undefined }[] = [];
    const s = sub.subscribe('enc.>', { callback: (_e, m) => void got.push({ subject: m.subject, text: m.string(), id: m.headers?.get('Nats-Msg-Id') }) });
    await sub.flush();
    const sent: { subject: string; text: string; id: string }[] = [];
    for (let i = 0; i < 3000; i++) {
      const h = headers();
      const id = i % 7 === 0 ? `größe-${i}` : `msg-${i}`;
      h.set('Nats-Msg-Id', id);
      const text = i % 5 === 0 ? `+ACK ünïcode ${i}` : `+ACK ${i}`;
      const subject = `enc.tenant.device-${i}`;
      pub.publish(subject, text, { headers: h });
      sent.push({ subject, text, id });
      if (i % 100 === 0) await Promise.resolve();
    }
    await pub.flush();
    const deadline = Date.now() + 10_000;
    while (got.length < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    s.unsubscribe();
    expect(got).toEqual(sent);
  });
});
