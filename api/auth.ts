import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * API keys. For now one admin key (FLEET_ADMIN_KEY, or generated once and kept
 * in the data folder so it survives restarts). Scoped per-tenant keys come next;
 * callers already receive a Principal with a tenant, not a boolean.
 */

export interface Principal {
  tenantId: string;
  admin: boolean;
}

export function loadOrCreateAdminKey(dataDir: string, configured: string | undefined): { key: string; generated: boolean; file: string } {
  const file = path.join(dataDir, 'admin-key');
  if (configured) return { key: configured, generated: false, file };
  try {
    const k = fs.readFileSync(file, 'utf8').trim();
    if (k.length >= 16) return { key: k, generated: false, file };
  } catch {
    // first start
  }
  const key = `fl_${randomBytes(24).toString('base64url')}`;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, key + '\n', { mode: 0o600 });
  return { key, generated: true, file };
}

export class KeyRing {
  private readonly admin: Buffer;
  constructor(adminKey: string) {
    this.admin = Buffer.from(adminKey);
  }

  check(presented: string | undefined): Principal | undefined {
    if (!presented) return undefined;
    const b = Buffer.from(presented);
    if (b.length === this.admin.length && timingSafeEqual(b, this.admin)) return { tenantId: 'default', admin: true };
    return undefined;
  }

  fromAuthorizationHeader(header: string): Principal | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
    return this.check(m?.[1]);
  }
}
