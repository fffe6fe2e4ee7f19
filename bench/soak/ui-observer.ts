import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { HostEventSchema, type DeviceView, type ScreenState } from '../../main/contract/messages.js';

/** A result the kiosk showed a traveller: what the soak checks the store against. */
export interface ShownResult {
  id: string;
  decision: 'PASS' | 'HOLD';
  reasons: string[];
  generation: number;
  at: number;
}

/**
 * The soak's UI: a WebSocket client of browser mode speaking the contract like the page (hello,
 * then every screen, device status and notice), validated with the contract's own schemas. It
 * records every PASS and HOLD shown, and lets the traveller loop wait on what the screen does.
 */
export class UiObserver extends EventEmitter<{ change: []; closed: [] }> {
  screen: ScreenState | null = null;
  devices: DeviceView[] = [];
  notices: string[] = [];
  closed = false;
  invalid = 0;

  private constructor(
    private readonly ws: WebSocket,
    private readonly shown: Map<string, ShownResult>,
    private readonly generation: number,
  ) {
    super();
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', () => {
      this.closed = true;
      this.emit('closed');
      this.emit('change');
    });
    ws.on('error', () => undefined); // a killed host: 'close' follows and says it
  }

  static async connect(url: string, shown: Map<string, ShownResult>, generation: number): Promise<UiObserver> {
    const u = new URL(url);
    const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token') ?? ''}`, { origin: u.origin });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const ui = new UiObserver(ws, shown, generation);
    ws.send(JSON.stringify({ type: 'hello', id: 1, version: 1 }));
    return ui;
  }

  get devicesOnline(): boolean {
    return this.devices.length === 2 && this.devices.every((d) => d.state === 'online');
  }

  /** Resolves true once `cond()` holds (checked on every message), false after `timeoutMs` or when the host goes away. */
  waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.off('change', check);
        resolve(v);
      };
      const check = () => {
        if (cond()) done(true);
        else if (this.closed) done(false);
      };
      const timer = setTimeout(() => done(cond()), timeoutMs);
      this.on('change', check);
    });
  }

  close(): void {
    this.ws.terminate();
  }

  private onMessage(text: string): void {
    const parsed = HostEventSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      this.invalid += 1;
      return;
    }
    const e = parsed.data;
    if (e.type === 'snapshot') {
      this.devices = e.devices;
      this.notices = e.notices.map((n) => n.code);
      this.onScreen(e.screen);
    } else if (e.type === 'screen') this.onScreen(e.screen);
    else if (e.type === 'deviceStatus') this.devices = e.devices;
    else if (e.type === 'notices') this.notices = e.notices.map((n) => n.code);
    this.emit('change');
  }

  private onScreen(s: ScreenState): void {
    this.screen = s;
    if ((s.screen === 'pass' || s.screen === 'hold') && s.screeningId && !this.shown.has(s.screeningId)) {
      this.shown.set(s.screeningId, { id: s.screeningId, decision: s.screen === 'pass' ? 'PASS' : 'HOLD', reasons: s.reasons.map((r) => r.code), generation: this.generation, at: Date.now() });
    }
  }
}
