import type { JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { AckSubjectError, ackSubjectOf, acknowledge } from './delivery-ack.ts';

const delivery = (reply: unknown) => ({ reply, subject: 'fleet.in.p3.t1.dev-9', seq: 42 }) as unknown as JsMsg;

describe('delivery acknowledgement by subject', () => {
  it('keeps the $JS.ACK subject and publishes +ACK on it, as JsMsg.ack() does', () => {
    const subject = ackSubjectOf(delivery('$JS.ACK.FLEET_IN.engine-p3.1.42.7.1764000000000000000.0'));
    const sent: [string, string][] = [];
    acknowledge({ publish: (s, d) => void sent.push([s, new TextDecoder().decode(d as Uint8Array)]) }, subject);
    expect(sent).toEqual([['$JS.ACK.FLEET_IN.engine-p3.1.42.7.1764000000000000000.0', '+ACK']]);
  });

  it('refuses a message it could never acknowledge, saying which one', () => {
    for (const reply of [undefined, '', '_INBOX.abc', 42]) {
      expect(() => ackSubjectOf(delivery(reply))).toThrow(AckSubjectError);
    }
    expect(() => ackSubjectOf(delivery(undefined))).toThrow(/stream sequence 42 on fleet\.in\.p3\.t1\.dev-9/);
  });
});
