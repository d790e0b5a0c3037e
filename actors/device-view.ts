import type { DeviceContext } from './device.machine.ts';

/** The device as the API, the WebSocket and the live map show it. Field names are a public contract. */
export interface DeviceView {
  id: string;
  tenantId: string;
  online: boolean;
  lastSeen: string | null;
  position: { lat: number; lon: number; speed: number; heading: number; time: string } | null;
  records: number;
}

export function deviceViewOf(ctx: DeviceContext, online: boolean): DeviceView {
  const p = ctx.position;
  return {
    id: ctx.deviceId,
    tenantId: ctx.tenantId,
    online,
    lastSeen: ctx.connectivity.lastSeen > 0 ? new Date(ctx.connectivity.lastSeen).toISOString() : null,
    position: p
      ? { lat: p.lat, lon: p.lon, speed: Math.round(p.speedKmh * 10) / 10, heading: p.headingDeg, time: new Date(p.time).toISOString() }
      : null,
    records: ctx.records,
  };
}
