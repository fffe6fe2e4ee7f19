import { randomBytes } from 'node:crypto';
import { syntheticWlt } from '../../drivers/idcard/card-text-encoder.js';
import type { ResidentCard } from '../../drivers/idcard/id-card.js';
import { isValidIdNumber, mod112CheckChar } from '../../drivers/idcard/id-number.js';
import type { Subject } from '../../drivers/sim/thermometer-simulator.js';
import { seededRandom } from '../../drivers/sim/seeded-random.js';
import type { IdHasher } from '../../main/engine/id-hasher.js';
import type { WatchColour } from '../../main/engine/screening-record.js';
import type { KeyRegion, WatchlistEntry } from '../../main/engine/watchlist-source.js';

/**
 * Synthetic travellers for the benches: every one distinct, every ID number valid by the project's
 * ID-number module (drivers/idcard/id-number.ts: format, calendar date, MOD 11-2), and none a real
 * person's: the region codes start with 99, which is no province in GB/T 2260
 * (docs/protocols/sam-reader.md §7.1), so no real card can carry them.
 *
 * Person `i` has a number 99RRRR + birth date + sequence + check, where (birth date, sequence) is
 * unique per `i` (1000 people per calendar day from 1940-01-01): millions of distinct people.
 * The mix (seeded by `i`, so a run can be replayed): about 6 % on a watchlist (red, orange, yellow,
 * blue), 3 % from the key region, 2 % febrile; the rest normal and unlisted.
 */

/** Region code of unlisted people and of the key region (both fictitious, see above). */
export const PLAIN_REGION = '990101';
export const KEY_REGION_CODE = '990201';
/** The key region the bench lists carry: every number from 9902.... */
export const BENCH_KEY_REGIONS: readonly KeyRegion[] = [{ prefix: '9902', colour: 'orange' }];

export interface PersonMix {
  fever: number;
  keyRegion: number;
  /** Share on a list, per colour. */
  listed: Record<WatchColour, number>;
}

export const DEFAULT_MIX: PersonMix = { fever: 0.02, keyRegion: 0.03, listed: { red: 0.02, orange: 0.01, yellow: 0.01, blue: 0.02 } };
/** Everybody at a normal temperature, unlisted, outside the key region (latency figures of the plain path). */
export const PLAIN_MIX: PersonMix = { fever: 0, keyRegion: 0, listed: { red: 0, orange: 0, yellow: 0, blue: 0 } };

export interface SyntheticPerson {
  index: number;
  card: ResidentCard;
  /** What the thermometer sees when they step up. */
  subject: Exclude<Subject, 'none'>;
  /** The list they are on (one entry), or null. */
  listColour: WatchColour | null;
  keyRegion: boolean;
}

const FIRST_DAY_MS = Date.UTC(1940, 0, 1);
const DAY_MS = 86_400_000;
const DAYS = 23_000; // 1940-01-01 … 2002-12-21: adults and older teenagers

/** The birth date (YYYYMMDD) and sequence that make person `i` unique. */
function birthAndSequence(i: number): { ymd: string; iso: string; seq: string } {
  const day = Math.floor(i / 1000);
  if (day >= DAYS) throw new RangeError(`person ${i}: the bench generates at most ${DAYS * 1000} distinct people`);
  const iso = new Date(FIRST_DAY_MS + day * DAY_MS).toISOString().slice(0, 10);
  return { ymd: iso.replace(/-/g, ''), iso, seq: String(i % 1000).padStart(3, '0') };
}

/** Which part of the mix person `i` falls in (one uniform draw seeded by `i`). */
function draw(i: number, mix: PersonMix): { subject: 'normal' | 'fever'; listColour: WatchColour | null; keyRegion: boolean } {
  const u = seededRandom((Math.imul(i + 1, 2654435761) ^ 0x5bd1e995) >>> 0)();
  let edge = mix.fever;
  if (u < edge) return { subject: 'fever', listColour: null, keyRegion: false };
  edge += mix.keyRegion;
  if (u < edge) return { subject: 'normal', listColour: null, keyRegion: true };
  for (const colour of ['red', 'orange', 'yellow', 'blue'] as const) {
    edge += mix.listed[colour];
    if (u < edge) return { subject: 'normal', listColour: colour, keyRegion: false };
  }
  return { subject: 'normal', listColour: null, keyRegion: false };
}

export function syntheticPerson(i: number, mix: PersonMix = DEFAULT_MIX): SyntheticPerson {
  const { subject, listColour, keyRegion } = draw(i, mix);
  const { ymd, iso, seq } = birthAndSequence(i);
  const first17 = `${keyRegion ? KEY_REGION_CODE : PLAIN_REGION}${ymd}${seq}`;
  const idNumber = first17 + mod112CheckChar(first17);
  if (!isValidIdNumber('resident', idNumber)) throw new Error(`bench person ${i}: generated an ID number the ID-number module refuses`);
  const male = Number(seq[2]) % 2 === 1; // the 17th digit: odd = male (§7.1)
  const card: ResidentCard = {
    type: 'resident',
    name: `基准${String(i).padStart(7, '0')}`,
    sex: male ? 'male' : 'female',
    sexCode: male ? '1' : '2',
    nationCode: '01',
    nation: '汉',
    birthDate: iso,
    address: `模拟省基准市测试路${i}号`,
    idNumber,
    idNumberValid: true,
    issuer: '基准市公安局模拟分局',
    validFrom: '2021-01-01',
    validUntil: '2041-01-01',
    photoWlt: syntheticWlt(),
    hasUnusualCharacters: false,
  };
  return { index: i, card, subject, listColour, keyRegion };
}

/**
 * The lists file (main/host/local-lists.ts WatchlistFileSchema) a list-fed bench kiosk reads: one
 * entry per listed person among `people`, hashed with the deployment's ID key, plus random filler
 * entries (hashes of no one) up to `totalEntries`, and the bench key region.
 */
export function benchWatchlist(people: Iterable<SyntheticPerson>, hasher: IdHasher, totalEntries: number, refreshedAt: Date): { refreshedAt: string; entries: WatchlistEntry[]; keyRegions: KeyRegion[] } {
  const at = refreshedAt.toISOString();
  const entries: WatchlistEntry[] = [];
  for (const p of people) if (p.listColour) entries.push({ hmac: hasher.hashIdNumber(p.card.idNumber), colour: p.listColour, listId: `bench-${p.listColour}`, updatedAt: at });
  const colours = ['red', 'orange', 'yellow', 'blue'] as const;
  for (let k = entries.length; k < totalEntries; k++) entries.push({ hmac: randomBytes(32).toString('hex'), colour: colours[k % 4]!, listId: `bench-${colours[k % 4]}`, updatedAt: at });
  return { refreshedAt: at, entries, keyRegions: [...BENCH_KEY_REGIONS] };
}
