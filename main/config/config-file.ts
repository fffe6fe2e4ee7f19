import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Reading a configuration file safely, before the schema sees it:
 * - only a regular file is read (a FIFO, a device such as /dev/zero, a directory are refused
 *   without blocking: the file is opened non-blocking and checked with fstat);
 * - at most MAX_CONFIG_BYTES;
 * - the JSON text is checked for what JSON.parse silently resolves: duplicate keys (the last one
 *   would win), numbers that overflow to Infinity (`1e999`), and nesting deeper than any kiosk
 *   configuration has (which would only exhaust the stack of whatever walks it later).
 *
 * Every problem is one line naming the place and the fix, like the schema's problems.
 */

export const MAX_CONFIG_BYTES = 1024 * 1024;
export const MAX_CONFIG_DEPTH = 32;

export type ConfigText = { ok: true; text: string } | { ok: false; problems: string[] };

export function readConfigText(file: string): ConfigText {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, problems: [`${file}: cannot read the file (${code}); check the path and its permissions`] };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isDirectory() ? 'a directory' : st.isSocket() ? 'a socket' : 'not a regular file';
      return { ok: false, problems: [`${file}: is ${kind}, not a regular file; fix: give the path of a JSON configuration file`] };
    }
    if (st.size > MAX_CONFIG_BYTES) {
      return { ok: false, problems: [`${file}: ${st.size} bytes is too large for a configuration (at most ${MAX_CONFIG_BYTES}); fix: give the right file`] };
    }
    // Read at most one byte more than allowed: a file that grew since fstat is refused too.
    const buffer = Buffer.alloc(Math.min(st.size, MAX_CONFIG_BYTES) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) break;
    }
    if (length > MAX_CONFIG_BYTES) return { ok: false, problems: [`${file}: larger than ${MAX_CONFIG_BYTES} bytes; fix: give the right file`] };
    return { ok: true, text: buffer.subarray(0, length).toString('utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, problems: [`${file}: cannot read the file (${code}); check the path and its permissions`] };
  } finally {
    closeSync(fd);
  }
}

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

interface Frame {
  kind: 'object' | 'array';
  path: string;
  /** object: keys seen, with the line of their first occurrence. */
  keys: Map<string, number>;
  /** object: the key whose value comes next. array: the index of the next element. */
  key: string | null;
  index: number;
}

/**
 * Checks JSON text that JSON.parse has already accepted (so it is well formed) for duplicate keys,
 * overflowing numbers and excessive nesting. One pass, no recursion.
 */
export function checkJsonText(text: string): string[] {
  const problems: string[] = [];
  const stack: Frame[] = [];
  let line = 1;
  const here = () => stack.at(-1);
  const pathOf = (f: Frame | undefined, child: string | number): string => {
    const base = f?.path ?? '';
    return typeof child === 'number' ? `${base}[${child}]` : base === '' ? child : `${base}.${child}`;
  };
  const valuePath = (): string => {
    const f = here();
    if (!f) return '(top level)';
    return f.kind === 'object' ? pathOf(f, f.key ?? '?') : pathOf(f, f.index);
  };
  const valueDone = () => {
    const f = here();
    if (!f) return;
    if (f.kind === 'object') f.key = null;
    else f.index += 1;
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      continue;
    }
    if (ch === '{' || ch === '[') {
      const path = stack.length === 0 ? '' : valuePath();
      if (stack.length >= MAX_CONFIG_DEPTH) {
        problems.push(`${path || '(top level)'}: nested more than ${MAX_CONFIG_DEPTH} levels deep; fix: a kiosk configuration is a few levels deep, check the file`);
        return problems;
      }
      stack.push({ kind: ch === '{' ? 'object' : 'array', path, keys: new Map(), key: null, index: 0 });
      continue;
    }
    if (ch === '}' || ch === ']') {
      stack.pop();
      valueDone();
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const f = here();
      if (f?.kind === 'object' && f.key === null) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const first = f.keys.get(key);
        if (first !== undefined) {
          problems.push(`${pathOf(f, key)}: the key "${key}" appears twice (lines ${first} and ${line}); fix: keep only one`);
        } else {
          f.keys.set(key, line);
        }
        f.key = key;
        // The value follows the colon; it is handled when reached.
        i = j;
        continue;
      }
      i = j;
      valueDone();
      continue;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      const literal = NUMBER.exec(text)?.[0] ?? ch;
      if (!Number.isFinite(Number(literal))) {
        problems.push(`${valuePath()}: ${literal.length > 40 ? `${literal.slice(0, 37)}...` : literal} is too large to be a number; fix: give a value in the field's range`);
      }
      i += literal.length - 1;
      valueDone();
      continue;
    }
    if (ch === 't' || ch === 'f' || ch === 'n') {
      i += ch === 'f' ? 4 : 3;
      valueDone();
    }
  }
  return problems;
}
