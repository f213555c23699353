// Random identifiers: a short prefix saying what the id names, then 20 characters of base32 (100 bits),
// so ids are unguessable and safe in URLs, NATS subjects and stream names ([a-z0-9_]).
// Random bytes are drawn from the system 4 KiB at a time: one draw per id cost more than the rest of
// the id's work (every join, leave and event makes ids).
import { randomFillSync } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
const pool = Buffer.alloc(4096);
let used = pool.length;

export function randomBase32(length: number): string {
  if (length > pool.length) throw new RangeError(`at most ${pool.length} characters`);
  if (used + length > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[pool[used + i] & 31];
  used += length;
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBase32(20)}`;
}
