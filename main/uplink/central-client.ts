import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import {
  API_PREFIX,
  EnrollmentResponseSchema,
  HeartbeatResponseSchema,
  ListsResponseSchema,
  UploadResponseSchema,
  type EnrollmentResponse,
  type Heartbeat,
  type HeartbeatResponse,
  type ListsResponse,
  type UploadBatch,
  type UploadResponse,
} from '../../central/api.js';

/** How a request to central failed; `retryable` says whether trying again later can help. */
export class CentralRequestError extends Error {
  override name = 'CentralRequestError';
  constructor(
    message: string,
    readonly kind: 'network' | 'timeout' | 'http' | 'garbage',
    readonly status: number | null = null,
    /** From a Retry-After header (ms), when central sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  /** Network trouble, timeouts, garbage, 408, 429 and 5xx: try again later. Other 4xx: the request itself is wrong. */
  get retryable(): boolean {
    return this.kind !== 'http' || this.status === 408 || this.status === 429 || (this.status !== null && this.status >= 500);
  }
}

export interface CentralClientOptions {
  /** Central's base URL (https in production). */
  url: string;
  token: string;
  /** A PEM CA certificate to pin: central's certificate must chain to it (instead of the system CAs). */
  caFile?: string;
  /** Per request, from sending to the whole response read (default 15 s). */
  timeoutMs?: number;
  /** Largest response accepted (default 16 MiB: a page of list versions). */
  maxResponseBytes?: number;
}

/** Largest Retry-After honoured: one hour (a longer one is taken as one hour). */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * The kiosk's HTTP client for central's API (central/api.ts). Every response is validated with the
 * same zod schema central answers with; anything else is `garbage` (retryable). One keep-alive
 * connection per request sequence; HTTPS verifies central's certificate against the pinned CA when
 * one is configured.
 */
export class CentralClient {
  private readonly base: URL;
  private readonly ca: Buffer | undefined;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(private readonly opts: CentralClientOptions) {
    this.base = new URL(opts.url);
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') throw new TypeError(`central.url "${opts.url}" must be http:// or https://`);
    this.ca = opts.caFile ? readCa(opts.caFile) : undefined;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.maxBytes = opts.maxResponseBytes ?? 16 * 1024 * 1024;
  }

  enrollment(signal?: AbortSignal): Promise<EnrollmentResponse> {
    return this.call('GET', '/enrollment', undefined, EnrollmentResponseSchema, signal);
  }

  upload(batch: UploadBatch, signal?: AbortSignal): Promise<UploadResponse> {
    return this.call('POST', '/records', batch, UploadResponseSchema, signal);
  }

  heartbeat(hb: Heartbeat, signal?: AbortSignal): Promise<HeartbeatResponse> {
    return this.call('POST', '/heartbeat', hb, HeartbeatResponseSchema, signal);
  }

  lists(after: number, signal?: AbortSignal): Promise<ListsResponse> {
    return this.call('GET', `/lists?after=${after}`, undefined, ListsResponseSchema, signal);
  }

  private async call<S extends z.ZodType>(method: 'GET' | 'POST', path: string, body: unknown, schema: S, signal?: AbortSignal): Promise<z.infer<S>> {
    const { status, headers, text } = await this.send(method, path, body, signal);
    if (status < 200 || status > 299) {
      let detail = '';
      try {
        detail = String((JSON.parse(text) as { error?: unknown }).error ?? '').slice(0, 300);
      } catch {
        detail = '';
      }
      throw new CentralRequestError(`central answered ${status}${detail ? `: ${detail}` : ''}`, 'http', status, retryAfterMs(headers['retry-after']));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CentralRequestError(`central answered ${status} with a body that is not JSON`, 'garbage', status);
    }
    const r = schema.safeParse(json);
    if (!r.success) throw new CentralRequestError(`central's answer does not match the API (${r.error.issues[0]?.path.join('.') || 'body'}: ${r.error.issues[0]?.message})`, 'garbage', status);
    return r.data as z.infer<S>;
  }

  private send(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; headers: IncomingMessage['headers']; text: string }> {
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}${API_PREFIX}${path}`, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: CentralRequestError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const req = request(
        url,
        {
          method,
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            accept: 'application/json',
            ...(payload && { 'content-type': 'application/json', 'content-length': payload.length }),
          },
          ...(this.ca && { ca: this.ca }),
          ...(signal && { signal }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.maxBytes) fail(new CentralRequestError(`central's answer exceeds ${this.maxBytes} bytes`, 'garbage', res.statusCode ?? null));
            else chunks.push(c);
          });
          res.on('error', (err) => fail(new CentralRequestError(`connection to central broke mid-answer: ${err.message}`, 'network')));
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      const timer = setTimeout(() => fail(new CentralRequestError(`central did not answer within ${this.timeoutMs} ms`, 'timeout')), this.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => fail(new CentralRequestError(`cannot reach central at ${this.base.origin}: ${err.code ?? err.message}`, 'network')));
      req.end(payload);
    });
  }
}

/** Reads the pinned CA (`central.caFile`); a missing or non-PEM file is one error naming the field and the fix. */
export function readCa(file: string): Buffer {
  try {
    const pem = readFileSync(file);
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw Object.assign(new Error('not a PEM certificate'), { code: 'not PEM' });
    return pem;
  } catch (err) {
    throw new Error(`central.caFile ${file}: cannot use it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give the PEM file of the CA that signed central's certificate`);
  }
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return null;
  if (/^\d+$/.test(v.trim())) return Math.min(Number(v.trim()) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS) : null;
}
