import { describe, expect, it } from 'vitest';
import { UsageError, platformSettings } from './args.ts';

describe('--platform-env', () => {
  it('passes platform settings through as given', () => {
    expect(platformSettings(['FLEET_REPLAY_HOLD_PACKETS=0', 'FLEET_INGEST_LINGER_MS=5'])).toEqual({ FLEET_REPLAY_HOLD_PACKETS: '0', FLEET_INGEST_LINGER_MS: '5' });
    // nats-server's monitoring and profiling ports are the user's to choose (bench/README.md); the devices' are the harness's.
    expect(platformSettings(['FLEET_NATS_MONITOR_PORT=18222', 'FLEET_NATS_PROF_PORT=18223'])).toEqual({ FLEET_NATS_MONITOR_PORT: '18222', FLEET_NATS_PROF_PORT: '18223' });
  });

  it('refuses what is not a FLEET_ setting and what the harness owns, saying which', () => {
    expect(() => platformSettings(['PATH=/tmp'])).toThrow(UsageError);
    expect(() => platformSettings(['FLEET_REPLAY_HOLD_PACKETS'])).toThrow(/FLEET_NAME=value/);
    expect(() => platformSettings(['FLEET_HTTP_PORT=80'])).toThrow(/FLEET_HTTP_PORT: the harness sets this one itself/);
    expect(() => platformSettings(['FLEET_DATA_DIR=/'])).toThrow(UsageError);
  });
});
