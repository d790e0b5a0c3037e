import type { LoopDelay } from '../../engine/scheduling/loop-delay.ts';
import type { GovernorStats } from '../ingest/intake-governor.ts';
import type { ReplayHoldStats } from '../ingest/replay-hold.ts';
import type { PublisherStats } from '../ingest/record-publisher.ts';
import type { TcpListenerStats } from '../tcp/listener-stats.ts';
import type { UdpListenerStats } from '../teltonika/udp-listener.ts';

/** Every message between the platform (main thread) and the adapters' thread, in one typed union. */

export interface AdapterThreadData {
  natsUrl: string;
  host: string;
  tenant: string;
  partitions: number;
  ingestLingerMs: number;
  registryMode: 'auto' | 'strict';
  tcpMaxPerAddress: number;
  /** FLEET_REPLAY_HOLD_PACKETS (ingest/replay-hold.ts); 0 turns the hold off. */
  replayHoldPackets: number;
  /** FLEET_INTAKE_STALL_MS (ingest/intake-governor.ts). */
  intakeStallMs: number;
  ports: { osmand: number; teltonika: number; gt06: number };
  logLevel: string;
}

export interface AdapterPorts {
  osmand: number;
  teltonika: number;
  gt06: number;
}

export interface AdapterStats {
  /** Per listener: counters as listener-stats.ts and udp-listener.ts keep them. */
  listeners: { teltonika: TcpListenerStats; gt06: TcpListenerStats; teltonikaUdp: UdpListenerStats };
  ingest: PublisherStats;
  /** The pace of ordinary records (intake-governor.ts), and the replays held as bytes meanwhile (replay-hold.ts). */
  intake: GovernorStats & ReplayHoldStats;
  /** Event loop delay of the adapters' thread since its previous report. */
  loopDelay: LoopDelay;
}

export type ToAdapters = { type: 'stop' };

export type FromAdapters =
  | { type: 'ready'; ports: AdapterPorts }
  | { type: 'stats'; stats: AdapterStats }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };
