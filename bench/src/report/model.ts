// The shape of a bench run's results: what is written to JSON and rendered to Markdown and SVG.
import type { CommitProbeFigures } from '../commit-probe';
import type { ProcessUsage } from '../proc-stats';
import type { ChurnFigures, ChurnScenario, LatencyMetric } from '../scenarios/churn';
import type { IdleFigures } from '../scenarios/idle';
import type { NotMeasured } from '../scenarios/not-measured';
import type { TargetKind } from '../system';

/** One target's outcome of one scenario run: its figures, or why there are none. */
export interface Measured<T> {
  figures?: T & { processes: ProcessUsage[] };
  error?: string;
  /** Percent of all cores busy just before the run (after waiting for the machine to calm down). */
  machineBusyAtStart?: number;
  /** Postgres commit times on the side during the run (rtcroom only): how the disk behaved. */
  commitProbe?: CommitProbeFigures;
}

export interface Ratio {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface ChurnEntry {
  scenario: ChurnScenario;
  label: string;
  setRate: number | null;
  rooms: number;
  results: Partial<Record<TargetKind, Measured<ChurnFigures>>>;
  /** rtcroom's latency / the floor's, per metric and percentile. */
  ratioToFloor: Partial<Record<LatencyMetric, Ratio>>;
}

export interface Goal {
  goal: string;
  target: string;
  rtcroom: string;
  floor: string;
  verdict: 'met' | 'met to the machine\'s limit' | 'missed' | 'partly met' | 'not measured';
  note: string;
}

export interface BenchReport {
  meta: {
    date: string;
    mode: 'quick' | 'full';
    /** Absent in runs before it existed: 'full'. */
    lifecycle?: 'full' | 'join-leave';
    /** rtcroom as one process (npm start) rather than four. */
    oneProcess?: boolean;
    /** The floor was the design floor (--floor-design): its hub, a store, Postgres and NATS. */
    floorDesign?: boolean;
    machine: { cpu: string; cores: number; memoryGb: number; os: string; node: string };
    targets: Partial<Record<TargetKind, { status: 'measured' | 'failed to start' | 'failed during run'; message?: string }>>;
    durationSeconds: number;
    settings: unknown;
  };
  churn: ChurnEntry[];
  idle: Partial<Record<TargetKind, Measured<IdleFigures>>> | null;
  notMeasured: NotMeasured[];
  /** Silent-client and killed-gateway detection times (ms), when measured. */
  detection?: import('../scenarios/detection').DetectionFigures;
  goals: Goal[];
}
