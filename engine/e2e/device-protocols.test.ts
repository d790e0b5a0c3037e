import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as gt06 from '../../adapters/gt06/vectors.ts';
import * as teltonika from '../../adapters/teltonika/vectors.ts';
import { eventually, startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';

/**
 * The vendors' published frames over the platform's real ports: answers byte
 * for byte, then the record in the live state and in ClickHouse.
 */

let p: PlatformProcess;
beforeAll(async () => {
  p = await startPlatformProcess();
});
afterAll(async () => {
  await p?.cleanup();
});

const hex = (h: string) => Buffer.from(h, 'hex');

/** Writes frames one by one on one connection and collects what the server answers to each. */
async function converse(port: number, frames: Buffer[], answerBytes: number[]): Promise<Buffer[]> {
  const s = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  let inbox = Buffer.alloc(0);
  s.on('data', (d) => {
    inbox = Buffer.concat([inbox, d]);
  });
  const answers: Buffer[] = [];
  for (let i = 0; i < frames.length; i++) {
    s.write(frames[i]!);
    const want = answerBytes[i]!;
    const end = Date.now() + 10_000;
    while (inbox.length < want && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    answers.push(inbox.subarray(0, want));
    inbox = inbox.subarray(want);
  }
  s.destroy();
  return answers;
}

async function sql<T>(query: string): Promise<T[]> {
  const r = await fetch(`${p.http}/v1/sql`, { method: 'POST', headers: { authorization: `Bearer ${p.key}` }, body: JSON.stringify({ query }) });
  return ((await r.json()) as { data: T[] }).data;
}
const device = (id: string) => fetch(`${p.http}/v1/devices/${id}`, { headers: { authorization: `Bearer ${p.key}` } });

describe('device protocols through the platform', () => {
  it('Teltonika TCP: handshake and Codec 8E answered as the wiki shows, the fix and unknown IO kept', async () => {
    const [accept, count] = await converse(p.ports.teltonika, [hex(teltonika.IMEI_HANDSHAKE.hex), hex(teltonika.CODEC8E_EXAMPLE_2017.hex)], [1, 4]);
    expect(accept!.toString('hex')).toBe('01');
    expect(count!.toString('hex').toUpperCase()).toBe(teltonika.CODEC8E_EXAMPLE_2017.answer);

    const view = await eventually(async () => {
      const r = await device('356307042441013');
      return r.status === 200 ? ((await r.json()) as { position: { lat: number; lon: number } }) : undefined;
    });
    expect(view.position.lat).toBeCloseTo(54.6676016, 6);
    expect(view.position.lon).toBeCloseTo(25.2562916, 6);
    const rows = await eventually(async () => {
      const r = await sql<{ record_json: string; protocol: string }>("SELECT record_json, protocol FROM records WHERE device_id = '356307042441013'");
      return r.length === 1 ? r : undefined;
    });
    const rec = JSON.parse(rows[0]!.record_json) as { attributes?: Record<string, unknown>; deviceTime: number; receivedAt: number };
    expect(rows[0]!.protocol).toBe('teltonika');
    expect(rec.deviceTime).toBe(1510658324000);
    expect(rec.receivedAt).toBeGreaterThan(rec.deviceTime);
    expect(Object.keys(rec.attributes ?? {}).some((k) => /^io\d+$/.test(k))).toBe(true);
  });

  it('Teltonika UDP: the wiki datagram gets the wiki acknowledgement', async () => {
    const sock = dgram.createSocket('udp4');
    const reply = new Promise<Buffer>((resolve) => sock.once('message', resolve));
    sock.send(hex(teltonika.UDP_CODEC8_EXAMPLE.hex), p.ports.teltonika, '127.0.0.1');
    const r = await Promise.race([reply, new Promise<Buffer>((_, rej) => setTimeout(() => rej(new Error('no UDP answer')), 10_000))]);
    sock.close();
    expect(r.toString('hex').toUpperCase()).toBe(teltonika.UDP_CODEC8_EXAMPLE.answer);
    await eventually(async () => ((await device('352093086403655')).status === 200 ? true : undefined));
  });

  it('GT06: login, location and SOS alarm answered as the document shows; the alarm is critical', async () => {
    const [login, loc, alarm] = await converse(
      p.ports.gt06,
      [hex(gt06.LOGIN.hex), hex(gt06.LOCATION_12.hex), hex(gt06.ALARM_16.hex)],
      [gt06.LOGIN_ANSWER.hex.length / 2, 0, gt06.ALARM_16_ANSWER.hex.length / 2],
    );
    expect(login!.toString('hex').toUpperCase()).toBe(gt06.LOGIN_ANSWER.hex);
    expect(loc!.length).toBe(0);
    expect(alarm!.toString('hex').toUpperCase()).toBe(gt06.ALARM_16_ANSWER.hex);

    const rows = await eventually(async () => {
      const r = await sql<{ priority: string; alarms: string[]; lat: number }>(
        "SELECT priority, alarms, lat FROM records WHERE device_id = '123456789012345' ORDER BY device_time_ms",
      );
      return r.length === 2 ? r : undefined;
    });
    expect(rows.map((r) => r.priority)).toEqual(['normal', 'critical']);
    expect(rows[1]!.alarms).toContain('panic');
    expect(rows[0]!.lat).toBeCloseTo(0x027ac7eb / 1_800_000, 6);
    expect((await device('123456789012345')).status).toBe(200);
  });

  it('a malformed frame closes only its own connection', async () => {
    const bad = net.connect({ host: '127.0.0.1', port: p.ports.teltonika });
    const closed = new Promise<void>((resolve) => bad.once('close', () => resolve()));
    bad.on('error', () => undefined);
    bad.resume();
    bad.write(hex('000F333536333037303432343431303133'));
    bad.write(hex('00000000FFFFFFFF08'));
    await closed;
    const [accept] = await converse(p.ports.teltonika, [hex(teltonika.IMEI_HANDSHAKE.hex)], [1]);
    expect(accept!.toString('hex')).toBe('01');
  });
});
