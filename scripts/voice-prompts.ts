// Records the kiosk's voice prompts: one small Ogg/Opus file per traveller message and language,
// with Debian's speech synthesizer (espeak-ng, Mandarin `cmn` and `en-us`) and opusenc
// (opus-tools), into renderer/audio/<lang>/<key>.ogg, and the manifest renderer/audio/prompts.json.
// The files are committed: `npm ci` never needs these tools. Run after changing a message:
//   apt-get install espeak-ng opus-tools && npm run voice:prompts          (missing or changed only)
//   npm run voice:prompts -- --all                                          (everything again)
// A studio recording can replace any file under the same name; the manifest's text must stay the
// words spoken. See renderer/voice-prompts.ts for which messages are recorded.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { travellerPrompts, type PromptLanguage, type PromptManifest } from '../renderer/voice-prompts.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const audioDir = join(root, 'renderer', 'audio');
const manifestFile = join(audioDir, 'prompts.json');
const all = process.argv.includes('--all');

const VOICES: Record<PromptLanguage, { voice: string; wordsPerMinute: number }> = {
  zh: { voice: 'cmn', wordsPerMinute: 150 },
  en: { voice: 'en-us', wordsPerMinute: 155 },
};
/** Speech: 16 kbit/s mono Opus is clear at a kiosk and keeps each prompt a few kilobytes. */
const OPUS_BITRATE_KBPS = '16';

/** The words as said: the screens' middle dot is a pause. */
function spoken(text: string, lang: PromptLanguage): string {
  return text.replaceAll(' · ', lang === 'zh' ? '，' : ', ');
}

function requireTool(cmd: string, pkg: string): void {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
  } catch {
    process.stderr.write(`voice-prompts: ${cmd} is not installed; run \`apt-get install ${pkg}\`\n`);
    process.exit(2);
  }
}

const previous: PromptManifest | null = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as PromptManifest) : null;
const manifest: PromptManifest = { format: 'ogg-opus', prompts: { zh: {}, en: {} } };
const work = mkdtempSync(join(tmpdir(), 'kiosk-voice-'));
let recorded = 0;
let toolsChecked = false;
try {
  for (const p of travellerPrompts()) {
    for (const lang of ['zh', 'en'] as const) {
      const text = p[lang];
      const file = `${lang}/${p.key}.ogg`;
      const out = join(audioDir, file);
      manifest.prompts[lang][p.key] = { file, text };
      if (!all && previous?.prompts[lang]?.[p.key]?.text === text && existsSync(out)) continue;
      if (!toolsChecked) {
        requireTool('espeak-ng', 'espeak-ng');
        requireTool('opusenc', 'opus-tools');
        toolsChecked = true;
      }
      const wav = join(work, 'prompt.wav');
      const { voice, wordsPerMinute } = VOICES[lang];
      execFileSync('espeak-ng', ['-v', voice, '-s', String(wordsPerMinute), '-w', wav, spoken(text, lang)]);
      mkdirSync(dirname(out), { recursive: true });
      // A fixed stream serial per file: the same words give the same bytes on every run.
      const serial = String(createHash('sha256').update(file).digest().readUInt32BE(0) & 0x7fffffff);
      execFileSync('opusenc', ['--quiet', '--bitrate', OPUS_BITRATE_KBPS, '--serial', serial, '--title', p.key, wav, out]);
      recorded += 1;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
// Recordings of messages that no longer exist go.
let removed = 0;
for (const lang of ['zh', 'en'] as const) {
  const dir = join(audioDir, lang);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    if (!manifest.prompts[lang][name.replace(/\.ogg$/, '')]) {
      rmSync(join(dir, name));
      removed += 1;
    }
  }
}
writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`voice-prompts: ${recorded} recorded, ${removed} removed, ${Object.keys(manifest.prompts.zh).length} messages in ${manifestFile}\n`);
