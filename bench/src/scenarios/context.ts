// What every scenario gets: the settings, the client processes, and a way to mint access tokens.
import type { BenchSettings } from '../options';
import type { ClientPool } from '../pool/client-pool';
import type { Target } from '../system';

export interface ScenarioContext {
  settings: BenchSettings;
  pool: ClientPool;
  /** Unique per run: prefixes identities and room names, so runs never meet in the database. */
  runTag: string;
  mintToken(identity: string): string;
}

/** A short tag per target, to keep identities and room names apart. */
export function targetTag(target: Target): string {
  return target.kind === 'floor' ? 'f' : 'r';
}

/** Splits items round-robin into at most `parts` non-empty groups. */
export function deal<T>(items: readonly T[], parts: number): T[][] {
  const groups: T[][] = Array.from({ length: Math.max(1, Math.min(parts, items.length)) }, () => []);
  items.forEach((item, i) => groups[i % groups.length].push(item));
  return groups;
}
