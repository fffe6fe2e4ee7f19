import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IdCard } from '../../drivers/idcard/id-card.js';
import { decodeReadBasePayload } from '../../drivers/idcard/read-base-reply.js';
import { SamFrameParser } from '../../drivers/idcard/sam-frame-parser.js';
import type { SamFrame } from '../../drivers/idcard/sam-frame.js';
import { decodeSamResponse } from '../../drivers/idcard/sam-response.js';
import { loadKioskConfig, type KioskConfig } from '../../main/config/kiosk-config.js';
import { feed, identity, makeEngine } from '../fixtures/engine/harness.js';

/**
 * Item 8.5: `kiosk policy try` and the kiosk must judge a card the same way. Every card fixture
 * (the synthetic read-base replies in test/fixtures/idcard, one per card family) is decoded as the
 * reader driver decodes it, screened by the engine, and tried with `kiosk policy try` under the same
 * configuration, temperatures and instant; the decisions and reasons must be equal. Before one
 * ID-number module, a foreigner's 2017 card was INVALID_ID in policy try and accepted by the kiosk.
 */
const root = join(import.meta.dirname, '..', '..');
const configFile = join(root, 'test/fixtures/engine/kiosk-config.json');
const fixtures = join(root, 'test/fixtures/idcard');
const NOW = '2026-11-28T09:00:00.000+08:00';
const SAMPLES = [36.2, 36.3, 36.25, 36.3, 36.2];
const AMBIENT = 24;

let config: KioskConfig;
let dir: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does it first)');
  const loaded = await loadKioskConfig(configFile);
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  config = loaded.config;
  dir = mkdtempSync(join(tmpdir(), 'kiosk-policy-vs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  vi.useFakeTimers({ now: new Date(NOW) });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A fixture file's reply, as the driver sees it: SAM frame → SW3 90 → read-base payload → card. */
function cardOf(file: string): IdCard {
  const bytes = Buffer.from(readFileSync(join(fixtures, file), 'utf8').replace(/\s+/g, ''), 'hex');
  const frames: SamFrame[] = [];
  const parser = new SamFrameParser();
  parser.on('data', (f: SamFrame) => frames.push(f));
  parser.write(bytes);
  expect(frames).toHaveLength(1);
  const reply = decodeSamResponse(frames[0]!)!;
  expect(reply.sw3).toBe(0x90);
  return decodeReadBasePayload(reply.data, 'read-base').card;
}

function policyTry(c: Record<string, unknown>): { decision: string; reasons: string[] } {
  const file = join(dir, `case-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(c));
  const r = spawnSync(process.execPath, [join(root, 'bin/kiosk.js'), 'policy', 'try', '--config', configFile, file], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as { decision: string; reasons: { code: string }[] };
  return { decision: j.decision, reasons: j.reasons.map((x) => x.code) };
}

async function kiosk(card: IdCard): Promise<{ decision: string; reasons: string[] }> {
  const h = makeEngine({ config });
  h.engine.onIdentity(identity(card));
  for (const c of SAMPLES) await feed(h.engine, c, 1, 100, AMBIENT);
  const [rec] = h.results();
  expect(rec, 'the kiosk decided').toBeDefined();
  return { decision: rec!.decision!, reasons: rec!.reasons.map((r) => r.code) };
}

const cardFiles = readdirSync(fixtures).filter((f) => f.endsWith('.hex')).sort();

describe('kiosk policy try and the kiosk decide alike on every card fixture', () => {
  it('there is a fixture for each of the four card families', () => {
    expect(cardFiles.map((f) => cardOf(f).type).sort()).toEqual(['foreign-2017', 'foreign-2023', 'hmt-permit', 'resident']);
  });

  it.each(cardFiles)('%s', async (file) => {
    const card = cardOf(file);
    const caseBase = { idNumber: card.idNumber, samplesC: SAMPLES, ambientC: AMBIENT, now: NOW, cardValidUntil: card.validUntil, cardValidFrom: card.validFrom, cardBirthDate: card.birthDate };
    const fromKiosk = await kiosk(card);
    // As a technician would try it: the card type stated, or left for policy try to infer from the number.
    expect(policyTry({ ...caseBase, cardType: card.type })).toEqual(fromKiosk);
    expect(policyTry(caseBase)).toEqual(fromKiosk);
  });

  it('the expected outcomes, independently: every fixture card is genuine; only the permit (valid until 2024-01-10) has expired', async () => {
    const outcomes: Record<string, unknown> = {};
    for (const f of cardFiles) outcomes[cardOf(f).type] = await kiosk(cardOf(f));
    expect(outcomes).toEqual({
      resident: { decision: 'PASS', reasons: [] },
      'hmt-permit': { decision: 'HOLD', reasons: ['CARD_EXPIRED'] },
      'foreign-2017': { decision: 'PASS', reasons: [] },
      'foreign-2023': { decision: 'PASS', reasons: [] },
    });
  });
});
