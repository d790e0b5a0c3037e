import { describe, expect, it } from 'vitest';
import { Gt06Framer } from './framer.ts';
import { decodeLogin } from './login.ts';
import * as V from './vectors.ts';

function content(vec: V.Vector): Buffer {
  const [ev] = new Gt06Framer(4096).push(V.bytes(vec));
  if (ev?.kind !== 'frame') throw new Error(`not a frame: ${vec.source}`);
  return Buffer.from(ev.frame.content);
}

describe('decodeLogin (0x01)', () => {
  it('GT06 doc example: BCD 01 23 45 67 89 01 23 45 -> 123456789012345', () => {
    expect(decodeLogin(content(V.LOGIN))).toEqual({ ok: true, imei: '123456789012345' });
  });

  it('GT06 Appendix B capture -> 353413532150362', () => {
    expect(decodeLogin(content(V.LOGIN_CAPTURE))).toEqual({ ok: true, imei: '353413532150362' });
  });

  it('GT800 login with model code and time zone: only the terminal id is used', () => {
    expect(decodeLogin(content(V.LOGIN_WITH_TIMEZONE))).toEqual({ ok: true, imei: '752533678900242' });
  });

  it('keeps 16 digits when the first nibble is not 0', () => {
    expect(decodeLogin(Buffer.from('1234567890123456', 'hex'))).toEqual({ ok: true, imei: '1234567890123456' });
  });

  it('rejects non-BCD nibbles and short content', () => {
    expect(decodeLogin(Buffer.from('0123456789ABCDEF', 'hex')).ok).toBe(false);
    expect(decodeLogin(Buffer.from('01234567', 'hex')).ok).toBe(false);
  });
});
