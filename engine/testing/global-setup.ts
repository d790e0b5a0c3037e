import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * `npm test` on a fresh Debian machine: the integration tests need real
 * services, never mocks. As root on Debian, install what is missing (as
 * `.ci/run` does); elsewhere, stop with one line saying what to install.
 * Nothing is silently skipped.
 */

const NEEDED: { pkg: string; paths: string[] }[] = [
  { pkg: 'nats-server', paths: ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'] },
  { pkg: 'clickhouse-server', paths: ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/bin/clickhouse'] },
  { pkg: 'chromium', paths: ['/usr/bin/chromium'] },
  { pkg: 'docker-compose', paths: ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'] },
];

export default function setup(): void {
  const missing = NEEDED.filter((n) => !n.paths.some((p) => fs.existsSync(p))).map((n) => n.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() === 0 && fs.existsSync('/etc/debian_version')) {
    process.stdout.write(`installing Debian packages the tests need: ${missing.join(' ')}\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
    return;
  }
  throw new Error(`the tests need these Debian packages: ${missing.join(' ')} (sudo apt-get install ${missing.join(' ')})`);
}
