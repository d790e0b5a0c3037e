import { describe, expect, it } from 'vitest';
import { Gt06Framer, type FramerEvent } from './framer.ts';
import { cutAt } from './test-kit.ts';
import * as V from './vectors.ts';

/** Events as plain data; frame content copied (it is only valid during push). */
function plain(events: FramerEvent[]): unknown[] {
  return events.map((e) =>
    e.kind === 'frame'
      ? { kind: 'frame', protocol: e.frame.protocol, serial: e.frame.serial, long: e.frame.long, content: e.frame.content.toString('hex') }
      : { kind: e.kind, code: e.code },
  );
}

function run(chunks: Buffer[], cap = 4096): unknown[] {
  const f = new Gt06Framer(cap);
  return chunks.flatMap((c) => plain(f.push(c)));
}

const STREAM = Buffer.concat(
  [V.LOGIN, V.LOCATION_12, V.HEARTBEAT, V.ALARM_16, V.INFO_94_STATUS_SYNC, V.LOCATION_22, V.TIME_REQUEST].map(V.bytes),
);

describe('Gt06Framer', () => {
  it('cuts a 0x7878 frame: protocol, content, serial', () => {
    expect(run([V.bytes(V.LOGIN)])).toEqual([
      { kind: 'frame', protocol: 0x01, serial: 1, long: false, content: '0123456789012345' },
    ]);
  });

  it('cuts a 0x7979 frame with a 2-byte length', () => {
    const [ev] = run([V.bytes(V.INFO_94_STATUS_SYNC)]) as Array<Record<string, unknown>>;
    expect(ev).toMatchObject({ kind: 'frame', protocol: 0x94, long: true, serial: 0x000a });
  });

  it('glued frames come out in order', () => {
    const events = run([STREAM]) as Array<Record<string, unknown>>;
    expect(events.map((e) => e.protocol)).toEqual([0x01, 0x12, 0x13, 0x16, 0x94, 0x22, 0x8a]);
  });

  it('gives the same frames when the stream is split at every offset', () => {
    const whole = run([STREAM]);
    for (let i = 1; i < STREAM.length; i++) expect(run(cutAt(STREAM, [i]))).toEqual(whole);
  });

  it('gives the same frames byte by byte', () => {
    const bytes = [...STREAM].map((b) => Buffer.from([b]));
    expect(run(bytes)).toEqual(run([STREAM]));
  });

  it('ignores a frame with a wrong CRC and goes on', () => {
    const bad = V.bytes(V.LOCATION_12_TYPO); // the document's own typo
    const events = run([Buffer.concat([bad, V.bytes(V.HEARTBEAT)])]) as Array<Record<string, unknown>>;
    expect(events.map((e) => e.kind === 'frame' ? e.protocol : e.code)).toEqual(['bad-crc', 0x13]);
  });

  it('closes on a wrong start byte, at once', () => {
    expect(run([Buffer.from('G')])).toEqual([{ kind: 'close', code: 'bad-framing' }]);
    expect(run([Buffer.from([0x78, 0x79])])).toEqual([{ kind: 'close', code: 'bad-framing' }]);
  });

  it('closes on wrong stop bytes (the GT06 doc §5.4.3 heartbeat, whose length byte is wrong)', () => {
    expect(run([V.bytes(V.HEARTBEAT_TYPO)])).toEqual([{ kind: 'close', code: 'bad-framing' }]);
  });

  it('closes on a length field too small to hold protocol, serial and CRC', () => {
    expect(run([Buffer.from([0x78, 0x78, 0x04])])).toEqual([{ kind: 'close', code: 'bad-length' }]);
  });

  it('reports frames before a fatal error, then nothing more', () => {
    const f = new Gt06Framer(4096);
    const events = plain(f.push(Buffer.concat([V.bytes(V.LOGIN), Buffer.from('GET / HTTP/1.1\r\n')])));
    expect(events.map((e) => (e as { kind: string }).kind)).toEqual(['frame', 'close']);
    expect(f.closed).toBe(true);
    expect(f.push(V.bytes(V.LOGIN))).toEqual([]);
    expect(f.bufferedBytes).toBe(0);
  });

  it('a 0x7979 length of 65535 under a small cap closes on the 4 header bytes, holding nothing', () => {
    const f = new Gt06Framer(1024);
    const events = f.push(Buffer.from([0x79, 0x79, 0xff, 0xff]));
    expect(plain(events)).toEqual([{ kind: 'close', code: 'frame-too-large' }]);
    expect(f.bufferedBytes).toBe(0);
  });

  it('a 0x7878 frame over the cap closes too', () => {
    expect(run([V.bytes(V.LOCATION_12)], 20)).toEqual([{ kind: 'close', code: 'frame-too-large' }]);
  });

  it('holds at most one incomplete frame', () => {
    const f = new Gt06Framer(4096);
    const loc = V.bytes(V.LOCATION_12);
    f.push(Buffer.concat([V.bytes(V.LOGIN), loc.subarray(0, 20)]));
    expect(f.bufferedBytes).toBe(20);
    f.push(loc.subarray(20));
    expect(f.bufferedBytes).toBe(0);
  });
});
