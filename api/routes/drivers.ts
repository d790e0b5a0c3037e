import type { TenantId } from '../../engine/model/index.ts';
import { json, type Reply } from '../../engine/http/uws.ts';
import type { Principal } from '../auth.ts';
import type { DriverStateClient } from '../device-state-client.ts';

/** GET /v1/drivers/{driverId}: live EU 561 counters, whichever vehicle the driver is in. */
export async function getDriver(p: Principal, rawId: string, drivers: DriverStateClient): Promise<Reply> {
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    return json(400, { error: 'driver id is not valid URL encoding' });
  }
  if (id.length === 0 || id.length > 64) return json(400, { error: 'driver id must be 1-64 characters' });
  const view = await drivers.get(p.tenantId as TenantId, id);
  if (!view) return json(404, { error: `driver ${id} is not known` });
  return json(200, view);
}
