import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every document the code cites is in the repository (the team's rule: the next engineer must be
 * able to follow a comment). For every source, configuration, packaging and documentation file:
 *
 * - each `*.md` path it names exists (from the repository root or the file's own folder);
 * - each section it cites exists: `docs/x.md §5.5` needs a heading numbered 5.5 in docs/x.md; a bare
 *   `§5.5` needs it in one of the documents the same file names (a Markdown file's own headings
 *   count), so a file that cites a section names its document;
 * - it names no document from outside the repository (the team's private reference notes, absolute
 *   paths of a development machine).
 *
 * Sections of published standards (`RFC 9112 §3.2.1`, `GB 50396 §9.0.1`) are citations of those
 * standards, not of a document here, and are left alone. Documents that other branches add and that
 * docs/README.md already links to are listed in PENDING with the branch that brings them.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'release', 'test-output', '.git', 'coverage', 'audio']);
const TEXT_EXT = new Set(['.ts', '.mjs', '.cjs', '.js', '.css', '.html', '.yml', '.yaml', '.json', '.md', '.sh', '.service', '.rules', '.conf', '']);
/** This file (its examples are wrong on purpose), generated files, and electron-builder's schema kept verbatim (its descriptions cite upstream documents). */
const SKIP_FILES = new Set(['package-lock.json', 'test/unit/doc-citations.test.ts', 'packaging/electron-builder-schema.json']);

/** Documents linked from docs/README.md before the branch that writes them is merged. */
const PENDING: Record<string, string> = {};

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (TEXT_EXT.has(extname(name)) && st.size < 400_000 && !SKIP_FILES.has(relative(ROOT, p))) out.push(p);
  }
  return out;
}

/** Section numbers of a Markdown document's headings (`## 5. Replies`, `### 5.5 Read base info`). */
const headingCache = new Map<string, Set<string>>();
function sectionsOf(file: string): Set<string> {
  let s = headingCache.get(file);
  if (!s) {
    s = new Set();
    for (const m of readFileSync(file, 'utf8').matchAll(/^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/gm)) s.add(m[1]!);
    headingCache.set(file, s);
  }
  return s;
}

const OUTSIDE = /\/work\/|shared\/reference|idcard-sam(?:\.md|\s*§)|thermometers(?:\.md|\s*(?:reference\s*)?§)|style guide\s*(?:§|section)|\breference\s*(?:,\s*)?§|\bthe reference \(§/i;

/**
 * Text that may not change although it cites an outside document: released migrations are never
 * edited (the team's rule), so the SQL comment in migration 1 stays as it was released.
 */
const FROZEN: ReadonlyArray<{ file: string; text: string }> = [{ file: 'main/store/migrations.ts', text: '-- Transactional outbox (style guide section 10).' }];
/** A `.md` path, not part of a URL. */
const MD_PATH = /(?<![\w/:.-])((?:\.{1,2}\/|[\w-]+\/)*[\w.-]+\.md)\b/g;
/** A standard's section: RFC 9112 §3.2.1, ISO 80601-2-56 §…, GB 50396-2007 §9.0.1. */
const STANDARD_BEFORE = /\b(?:RFC|ISO|IEC|GB|GB\/T|JJF|JJG|ASTM|EN)\s*[\w./-]*\s*$/;

interface Citation {
  file: string;
  line: number;
  text: string;
  problem: string;
}

/** Every Markdown file of the repository by its name, for names given without a folder. */
let byName: Map<string, string[]> | undefined;

/**
 * The document a path names: from the file's folder or the repository root; a bare name
 * (`sam-reader.md`, as in a Markdown link's text) may be any document of that name. Null for a
 * pending document, undefined when there is none.
 */
function resolveDoc(from: string, path: string, files: string[]): string | null | undefined {
  for (const c of [resolve(dirname(from), path), resolve(ROOT, path)]) if (existsSync(c)) return c;
  if (!path.includes('/')) {
    byName ??= files.filter((f) => f.endsWith('.md')).reduce((m, f) => m.set(basename(f), [...(m.get(basename(f)) ?? []), f]), new Map<string, string[]>());
    const same = byName.get(path);
    if (same?.length) return same[0]!;
  }
  const candidates = [relative(ROOT, resolve(dirname(from), path)), relative(ROOT, resolve(ROOT, path))];
  return candidates.some((c) => PENDING[c]) ? null : undefined;
}

function check(file: string, files: string[]): Citation[] {
  const text = readFileSync(file, 'utf8');
  const rel = relative(ROOT, file);
  const problems: Citation[] = [];
  const lines = text.split('\n');
  const cited = new Set<string>();
  if (file.endsWith('.md')) cited.add(file);
  const at = (index: number) => text.slice(0, index).split('\n').length;
  const report = (index: number, problem: string) => {
    const line = at(index);
    problems.push({ file: rel, line, text: lines[line - 1]!.trim().slice(0, 160), problem });
  };

  for (const m of text.matchAll(new RegExp(OUTSIDE.source, 'gi'))) {
    const line = lines[at(m.index!) - 1]!;
    if (FROZEN.some((f) => f.file === rel && line.includes(f.text))) continue;
    report(m.index!, 'cites a document that is not in the repository');
  }

  const sectionAfter = /^[`)\]*"]*\s*(?:§\s?(\d+(?:\.\d+)*))/;
  const explicit = new Set<number>();
  for (const m of text.matchAll(MD_PATH)) {
    const path = m[1]!;
    const doc = resolveDoc(file, path, files);
    if (doc === undefined) {
      report(m.index!, `names ${path}, which does not exist`);
      continue;
    }
    if (doc === null) continue; // a pending document
    cited.add(doc);
    const after = sectionAfter.exec(text.slice(m.index! + m[0].length, m.index! + m[0].length + 24));
    if (after) {
      const sectionAt = m.index! + m[0].length + after[0].lastIndexOf('§');
      explicit.add(sectionAt);
      if (!sectionsOf(doc).has(after[1]!)) report(m.index!, `cites ${path} §${after[1]}, which has no such section`);
    }
  }

  for (const m of text.matchAll(/§\s?(\d+(?:\.\d+)*)(?:\s*[–-]\s*§?(\d+(?:\.\d+)*))?/g)) {
    if (explicit.has(m.index!)) continue;
    if (STANDARD_BEFORE.test(text.slice(Math.max(0, m.index! - 40), m.index!))) continue;
    const wanted = [m[1]!, ...(m[2] ? [m[2]] : [])];
    if (cited.size === 0) {
      report(m.index!, `cites §${m[1]} without naming a document of the repository`);
      continue;
    }
    for (const w of wanted) {
      if (![...cited].some((d) => sectionsOf(d).has(w))) report(m.index!, `cites §${w}, which none of its documents (${[...cited].map((d) => relative(ROOT, d)).join(', ')}) has`);
    }
  }
  return problems;
}

describe('document citations', () => {
  const files = walk(ROOT);

  it('scans the sources, tests, packaging and docs (a sanity check of the scan itself)', () => {
    const rels = files.map((f) => relative(ROOT, f));
    for (const expected of ['drivers/idcard/sam-frame.ts', 'main/engine/calibration.ts', 'electron-builder.yml', 'docs/protocols/sam-reader.md', 'packaging/linux/kiosk']) {
      expect(rels).toContain(expected);
    }
  });

  it('every cited document and section exists in the repository, and nothing outside it is cited', () => {
    const problems = files.flatMap((f) => check(f, files)).map((p) => `${p.file}:${p.line}: ${p.problem}: ${p.text}`);
    expect(problems).toEqual([]);
  });

  it('catches what it is meant to catch (checked on made-up text)', () => {
    // A document that does not exist, a section that does not exist, a bare § without a document,
    // and a citation of the private notes are all reported; a standard's section is not.
    const probe = join(ROOT, 'docs', 'protocols', 'sam-reader.md');
    expect(sectionsOf(probe).has('5.5')).toBe(true);
    expect(sectionsOf(probe).has('14')).toBe(false);
    expect(OUTSIDE.test('frame layout (reference idcard-sam.md §2)')).toBe(true);
    expect(OUTSIDE.test('(thermometers reference §8)')).toBe(true);
    expect(OUTSIDE.test('see docs/protocols/sam-reader.md §2')).toBe(false);
    expect(STANDARD_BEFORE.test('origin form of RFC 9112 ')).toBe(true);
    expect([...'see docs/nowhere.md and https://example.org/a.md'.matchAll(MD_PATH)].map((m) => m[1])).toEqual(['docs/nowhere.md']);
  });
});
