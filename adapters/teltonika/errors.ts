import { ProtocolError, type ProtocolErrorCode } from '../tcp/protocol-session.ts';

export function teltonikaError(
  code: ProtocolErrorCode,
  message: string,
  deviceId?: string,
  detail?: Record<string, string | number>,
): ProtocolError {
  return new ProtocolError('teltonika', code, message, deviceId, detail);
}
