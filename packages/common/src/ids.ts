// Random identifiers: a short prefix saying what the id names, then 20 characters of base32 (100 bits),
// so ids are unguessable and safe in URLs, NATS subjects and stream names ([a-z0-9_]).
import { randomBytes } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

export function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] & 31];
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBase32(20)}`;
}
