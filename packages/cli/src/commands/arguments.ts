// Reading the values of arguments and flags the way every command does: a bad one is a USAGE error
// naming the flag.
import { usageError } from '../cli-error';
import type { CommandContext, FlagValues } from '../command-tree';

export const text = (flags: FlagValues, name: string): string | undefined => flags[name] as string | undefined;

export function wholeNumber(flags: FlagValues, name: string, range: { min?: number; max?: number } = {}): number | undefined {
  const raw = text(flags, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < (range.min ?? 0) || (range.max !== undefined && n > range.max)) {
    const bounds = range.max !== undefined ? ` from ${range.min ?? 0} to ${range.max}` : range.min ? ` of at least ${range.min}` : '';
    throw usageError(`--${name} must be a whole number${bounds}, got "${raw}"`);
  }
  return n;
}

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A duration in seconds: 90, 90s, 15m, 2h, 7d. */
export function seconds(flags: FlagValues, name: string): number | undefined {
  const raw = text(flags, name);
  if (raw === undefined) return undefined;
  const m = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!m || Number(m[1]) === 0) throw usageError(`--${name} must be a duration such as 90, 15m, 2h or 7d, got "${raw}"`);
  return Number(m[1]) * units[m[2] || 's'];
}

export function isoTime(flags: FlagValues, name: string): Date | undefined {
  const raw = text(flags, name);
  if (raw === undefined) return undefined;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw usageError(`--${name} must be an ISO time such as 2026-12-01T00:00:00Z, got "${raw}"`);
  return new Date(t);
}

export function list(flags: FlagValues, name: string): string[] | undefined {
  const raw = text(flags, name);
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw usageError(`--${name} needs one or more values, comma-separated`);
  return items;
}

const roomIdShape = /^r_[a-z2-7]{20}$/;

/** A room given by id (r_...) or by the name of an open room: its id. */
export async function roomId(ctx: CommandContext, ref: string): Promise<string> {
  if (roomIdShape.test(ref)) return ref;
  const { room } = await ctx.connection.rooms().getRoom({ roomId: '', name: ref });
  return room!.id;
}

/** The GetRoom request for a room given by id or name. */
export const roomRef = (ref: string) => (roomIdShape.test(ref) ? { roomId: ref, name: '' } : { roomId: '', name: ref });
