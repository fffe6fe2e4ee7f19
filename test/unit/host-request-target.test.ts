import { describe, expect, it } from 'vitest';
import { MAX_TARGET_LENGTH, parseRequestTarget, queryValue } from '../../main/host/request-target.js';

/**
 * The one request-target parser. Expected values follow RFC 9112 §3.2.1 (origin-form) and
 * RFC 3986 §2–3 (pchar, percent-encoding), worked out by hand.
 */
describe('parseRequestTarget', () => {
  it('accepts origin-form targets and decodes them', () => {
    const r = parseRequestTarget('/audio/pass%20one.wav?token=abc&lang=zh');
    expect(r).toEqual({ ok: true, target: { path: '/audio/pass one.wav', segments: ['audio', 'pass one.wav'], query: [['token', 'abc'], ['lang', 'zh']] } });
    expect(parseRequestTarget('/')).toEqual({ ok: true, target: { path: '/', segments: [], query: [] } });
  });

  it('normalises before anyone decides: /%69ndex.html is /index.html', () => {
    const r = parseRequestTarget('/%69ndex%2Ehtml');
    expect(r.ok && r.target.path).toBe('/index.html');
  });

  it('decodes UTF-8 and form spaces in the query; a parameter given twice has no single value', () => {
    const r = parseRequestTarget('/x?name=%E5%BC%A0+san&t=1&t=2');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(queryValue(r.target, 'name')).toBe('张 san');
    expect(queryValue(r.target, 't')).toBeNull();
    expect(queryValue(r.target, 'missing')).toBeNull();
  });

  it.each([
    ['//', 'empty path segment'],
    ['///', 'empty path segment'],
    ['//[', 'empty path segment'],
    ['/a//b', 'empty path segment'],
    ['\\\\', 'origin-form'],
    ['/\\', 'not allowed in a path'],
    ['/[', 'not allowed in a path'],
    ['/%ff', 'percent-encoding'],
    ['/%', 'percent-encoding'],
    ['/%6', 'percent-encoding'],
    ['/%zz', 'percent-encoding'],
    ['/%c0%ae', 'percent-encoding'], // overlong UTF-8 for "."
    ['/..', 'dot segments'],
    ['/%2e%2E', 'dot segments'],
    ['/.', 'dot segments'],
    ['/a%2fb', 'encoded separator'],
    ['/a%5cb', 'encoded separator'],
    ['/a%00b', 'encoded separator or control'],
    ['/a b', 'not allowed in a path'],
    ['/a#frag', 'not allowed in a path'],
    ['/é', 'not allowed in a path'],
    ['*', 'origin-form'],
    ['http://127.0.0.1/', 'origin-form'],
    ['', 'empty'],
    ['/?token=%ff', 'percent-encoding'],
    ['/?token=a b', 'not allowed in a query'],
    ['/?token=[x]', 'not allowed in a query'],
  ])('refuses %j (%s) with 400, never throwing', (target, why) => {
    const r = parseRequestTarget(target);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(400);
    expect(r.reason).toContain(why);
  });

  it('refuses an over-long target with 414', () => {
    const r = parseRequestTarget(`/${'a'.repeat(MAX_TARGET_LENGTH)}`);
    expect(r).toMatchObject({ ok: false, status: 414 });
    expect(parseRequestTarget(undefined)).toMatchObject({ ok: false, status: 400 });
  });
});
