import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultNatsProcs, defaultShards, describeConfig, loadConfig } from './config.ts';

describe('config from the environment', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ httpPort: 8080, osmandPort: 5055, teltonikaPort: 5027, gt06Port: 5023, demo: true, natsUrl: undefined, clickhouseUrl: undefined });
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.shards).toBe(defaultShards(os.availableParallelism()));
    expect(c.replayHoldPackets).toBe(256);
    expect(c.hibernateAfterMs).toBe(0);
    expect(loadConfig({ FLEET_HIBERNATE_AFTER_S: '20' }).hibernateAfterMs).toBe(20_000);
    expect(loadConfig({ FLEET_REPLAY_HOLD_PACKETS: '0' }).replayHoldPackets).toBe(0);
    expect(c.natsProcs).toBe(defaultNatsProcs(os.availableParallelism()));
    expect(loadConfig({ FLEET_NATS_PROCS: '3' }).natsProcs).toBe(3);
    expect(() => loadConfig({ FLEET_NATS_PROCS: '0' })).toThrow(/FLEET_NATS_PROCS/);
    expect(loadConfig({}).natsMonitorPort).toBeUndefined();
    expect(loadConfig({ FLEET_NATS_MONITOR_PORT: '8222', FLEET_NATS_PROF_PORT: '65432' })).toMatchObject({ natsMonitorPort: 8222, natsProfPort: 65432 });
    expect(() => loadConfig({ FLEET_NATS_MONITOR_PORT: 'eighty' })).toThrow(/FLEET_NATS_MONITOR_PORT/);
    expect(() => loadConfig({ FLEET_NATS_PROF_PORT: '70000' })).toThrow(/FLEET_NATS_PROF_PORT/);
  });

  it('gives nats-server half the cores, but at least two Go processors on a machine with two cores or more', () => {
    expect([1, 2, 3, 4, 6, 8, 16].map((cores) => defaultNatsProcs(cores))).toEqual([1, 2, 2, 2, 3, 4, 8]);
    expect([1, 2, 3, 4, 8].map((cores) => defaultShards(cores))).toEqual([1, 1, 1, 2, 4]);
  });

  it('reads every variable by its contract name', () => {
    const c = loadConfig({
      FLEET_DATA_DIR: '/tmp/x', FLEET_HTTP_PORT: '9000', FLEET_OSMAND_PORT: '9001', FLEET_TELTONIKA_PORT: '9002', FLEET_GT06_PORT: '9003',
      FLEET_ADMIN_KEY: 'k'.repeat(20), FLEET_SHARDS: '3', FLEET_DEMO: '0', NATS_URL: 'nats://h:4222', CLICKHOUSE_URL: 'http://h:8123', FLEET_MAP_TILES: 'http://t/{z}/{x}/{y}.png',
    });
    expect(c).toMatchObject({ dataDir: '/tmp/x', httpPort: 9000, osmandPort: 9001, teltonikaPort: 9002, gt06Port: 9003, adminKey: 'k'.repeat(20), shards: 3, demo: false, natsUrl: 'nats://h:4222', clickhouseUrl: 'http://h:8123', mapTiles: 'http://t/{z}/{x}/{y}.png' });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ FLEET_HTTP_PORT: '', NATS_URL: '  ' })).toMatchObject({ httpPort: 8080, natsUrl: undefined });
  });

  it.each([
    ['FLEET_HTTP_PORT', '70000'],
    ['FLEET_GT06_PORT', '-1'],
    ['FLEET_SHARDS', 'two'],
    ['FLEET_DEMO', 'perhaps'],
    ['CLICKHOUSE_URL', 'clickhouse:8123'],
    ['FLEET_REPLAY_HOLD_PACKETS', '-5'],
    ['FLEET_HIBERNATE_AFTER_S', 'soon'],
  ])('names the variable when %s=%s is invalid', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message).toContain(`${name}="${value}"`);
  });

  it('prints every setting once, marking defaults and hiding the key', () => {
    const lines = describeConfig({ FLEET_ADMIN_KEY: 's'.repeat(20), FLEET_DEMO: '0' });
    expect(lines).toContain('FLEET_ADMIN_KEY=(set)');
    expect(lines).toContain('FLEET_DEMO=false');
    expect(lines).toContain('FLEET_HTTP_PORT=8080 (default)');
    expect(lines.join('\n')).not.toContain('s'.repeat(20));
  });
});
