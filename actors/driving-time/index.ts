/**
 * Driving and rest times under EU Regulation (EC) No 561/2006, as pure
 * functions over a per-driver activity log. No clock, no I/O: every time is
 * epoch milliseconds (UTC) passed in by the caller. See README.md.
 */
export {
  ActivityLog,
  ACTIVITY_LOG_DEFAULTS,
  type ActivityLogOptions,
  type ActivityLogSnapshot,
  type ActivityPeriod,
  type AddResult,
  type DerivedPeriod,
  type ResolvedActivityLogOptions,
  type SampleActivity,
} from './activity-log.ts';
export {
  evaluate,
  drivingTimeCounters,
  infringementsAt,
  type DrivingTimeCounters,
  type DrivingTimeStatus,
  type NextRestKind,
} from './rules.ts';
export {
  diffInfringements,
  infringementKey,
  INFRINGEMENT_RULES,
  newInfringements,
  RULE_ARTICLE,
  type Infringement,
  type InfringementDiff,
  type InfringementRule,
} from './infringements.ts';
export * as limits from './limits.ts';
