import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with the next request (a queue of one-shot faults, then `pass`). */
export type Fault =
  | { kind: 'pass' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'hang' } // never answers (the kiosk's timeout fires)
  | { kind: 'slow'; ms: number } // forwards, answers after ms
  | { kind: 'garbage' } // 200 with a body that is not the API
  | { kind: 'reset' } // closes the socket without an answer
  | { kind: 'forward-then-reset' } // central gets it (and stores it), the kiosk never hears back
  | { kind: 'rewrite'; edit: (body: string) => string }; // forwards, alters the answer

export interface SeenRequest {
  at: number;
  method: string;
  path: string;
  body: string;
  fault: Fault['kind'];
}

/**
 * A loopback HTTP proxy in front of central that injects faults: fixed statuses (with Retry-After),
 * hangs, slowness, garbage, resets, lost answers, rewritten answers. `down` refuses everything with
 * a reset. Every request is recorded in `seen`; `target` may be switched (a kiosk moving between two
 * central instances).
 */
export class FaultProxy {
  readonly seen: SeenRequest[] = [];
  /** Faults for uploads (POST /records), in order. */
  readonly faults: Fault[] = [];
  /** Faults for list fetches (GET /lists), in order. */
  readonly listFaults: Fault[] = [];
  down = false;
  private server!: Server;
  private readonly hanging = new Set<ServerResponse>();
  private listeners = new Set<(r: SeenRequest) => void>();

  constructor(public target: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  /** Resolves at the first request (from now) that matches. */
  next(match: (r: SeenRequest) => boolean): Promise<SeenRequest> {
    return new Promise((resolve) => {
      const on = (r: SeenRequest) => {
        if (!match(r)) return;
        this.listeners.delete(on);
        resolve(r);
      };
      this.listeners.add(on);
    });
  }

  uploads(): Array<{ at: number; ids: string[]; fault: Fault['kind'] }> {
    return this.seen.filter((s) => s.path.endsWith('/records')).map((s) => ({ at: s.at, fault: s.fault, ids: (JSON.parse(s.body) as { records: Array<{ id: string }> }).records.map((r) => r.id) }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    // Faults apply to uploads and list fetches only; heartbeats and first contact pass (unless down).
    const queue = path.endsWith('/records') ? this.faults : path.includes('/lists') ? this.listFaults : [];
    const fault: Fault = this.down ? { kind: 'reset' } : (queue.shift() ?? { kind: 'pass' });
    const seen = { at: Date.now(), method: req.method ?? 'GET', path, body, fault: fault.kind };
    this.seen.push(seen);
    for (const l of [...this.listeners]) l(seen);
    switch (fault.kind) {
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter && { 'retry-after': fault.retryAfter }) });
        return void res.end(JSON.stringify({ error: `injected ${fault.status}` }));
      case 'hang':
        this.hanging.add(res);
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('{"results": "this is not the API"');
      case 'reset':
        return void req.socket.destroy();
      default: {
        const answer = await this.forward(req, body).catch(() => null);
        if (!answer) return void req.socket.destroy(); // central itself is down
        if (fault.kind === 'forward-then-reset') return void req.socket.destroy();
        if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
        res.writeHead(answer.status, { 'content-type': answer.type });
        res.end(fault.kind === 'rewrite' ? fault.edit(answer.body) : answer.body);
      }
    }
  }

  private forward(req: IncomingMessage, body: string): Promise<{ status: number; type: string; body: string }> {
    return new Promise((resolve, reject) => {
      const out = request(new URL(req.url ?? '/', this.target), { method: req.method, headers: { ...req.headers, host: new URL(this.target).host } }, (r) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 502, type: String(r.headers['content-type'] ?? 'application/json'), body: Buffer.concat(parts).toString('utf8') }));
        r.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  }
}
