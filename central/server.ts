import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../main/host/logger.js';
import {
  API_PREFIX,
  CentralPolicySchema,
  EnrollmentResponseSchema,
  ErrorResponseSchema,
  HeartbeatResponseSchema,
  HeartbeatSchema,
  ListsQuerySchema,
  ListsResponseSchema,
  MAX_BATCH_BYTES,
  UploadBatchSchema,
  UploadResponseSchema,
} from './api.js';
import { AdminAccounts } from './admin-accounts.js';
import type { CentralKeys } from './central-keys.js';
import { FLAGGED_CHECKS } from './audit-anchors.js';
import { dashboardData } from './dashboard-data.js';
import { dashboardPage, signInPage, type DashboardLanguage } from './dashboard/dashboard-page.js';
import type { CentralDatabase } from './db/central-database.js';
import { exportScreenings } from './export.js';
import { Kiosks } from './kiosks.js';
import { CentralPolicyError, ListImportError, Lists, parseListCsv, parseRegionCsv } from './lists.js';
import { RecordIngest, type KioskIdentity } from './records.js';

export interface CentralAppOptions {
  db: CentralDatabase;
  keys: CentralKeys;
  log: Logger;
  /** The built dashboard assets (dist/central); absent in unit tests, then the chart is not served. */
  assetsDir?: string;
  /** TLS key and certificate (PEM) for HTTPS. */
  https?: { key: Buffer; cert: Buffer };
  /** The URL kiosks use (what enrolment prints), when it is not the address this request came to. */
  publicUrl?: string;
}

export interface CentralApp {
  app: FastifyInstance;
  kiosks: Kiosks;
  lists: Lists;
  admins: AdminAccounts;
  ingest: RecordIngest;
}

const SESSION_COOKIE = 'central_session';

declare module 'fastify' {
  interface FastifyRequest {
    kiosk?: KioskIdentity;
    admin?: string;
  }
}

/**
 * Central's HTTP service (Fastify 5). Every route has zod schemas for what it takes and returns
 * (central/api.ts, shared with the kiosk's uplink); OpenAPI is generated from them at
 * /api/v1/openapi.json. Kiosk routes take `Authorization: Bearer <kiosk token>`; admin pages and
 * routes take a session cookie (HttpOnly, SameSite=Strict), and every state-changing admin request
 * must come from central's own origin.
 */
export async function buildCentralApp(opts: CentralAppOptions): Promise<CentralApp> {
  const { db, keys, log } = opts;
  const app = Fastify({
    loggerInstance: log,
    // Per-request lines would flood the log under 10,000 kiosks; refusals and failures are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    ...(opts.https && { https: opts.https }),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(swagger, {
    openapi: { info: { title: 'checkpoint-kiosk central', version: '1' }, components: { securitySchemes: { kiosk: { type: 'http', scheme: 'bearer' } } } },
    transform: jsonSchemaTransform,
  });
  const kiosks = new Kiosks(db);
  const lists = new Lists(db, keys);
  const admins = new AdminAccounts(db);
  const ingest = new RecordIngest(db, keys.records, keys.idHasher);

  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const status = err.validation ? 400 : (err.statusCode ?? 500);
    if (status >= 500) req.log.error({ err: err.message, url: req.routeOptions.url }, 'central: request failed');
    else req.log.warn({ status, err: err.message.slice(0, 300), url: req.routeOptions.url }, 'central: request refused');
    void reply.status(status).send({ error: status >= 500 ? 'internal error; see central log' : err.message.slice(0, 500) });
  });

  const kioskAuth = async (req: FastifyRequest, reply: FastifyReply) => {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const kiosk = m ? await kiosks.authenticate(m[1]!) : null;
    if (!kiosk) {
      req.log.warn({ url: req.routeOptions.url }, 'central: kiosk request without a valid token');
      return reply.status(401).send({ error: 'a valid kiosk token is required (Authorization: Bearer …); re-enrol the kiosk with `kiosk central enroll`' });
    }
    req.kiosk = kiosk;
  };

  const zapp = app.withTypeProvider<ZodTypeProvider>();

  zapp.get('/healthz', { schema: { response: { 200: z.object({ status: z.literal('ok'), database: z.enum(['pglite', 'postgres']) }) } } }, async () => {
    await db.query('SELECT 1');
    return { status: 'ok' as const, database: db.engine };
  });
  zapp.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  // ---- kiosk routes
  zapp.get(`${API_PREFIX}/enrollment`, { onRequest: kioskAuth, schema: { security: [{ kiosk: [] }], response: { 200: EnrollmentResponseSchema, 401: ErrorResponseSchema } } }, async (req) => {
    const k = req.kiosk!;
    await kiosks.firstContact(k.kioskId);
    req.log.info({ kioskId: k.kioskId }, 'central: kiosk made first contact');
    return { kioskId: k.kioskId, checkpointId: k.checkpointId, listSigningKey: keys.listSigningPublicKey, idKey: keys.idKey.toString('base64') };
  });

  zapp.post(
    `${API_PREFIX}/records`,
    { onRequest: kioskAuth, bodyLimit: MAX_BATCH_BYTES + 4096, schema: { security: [{ kiosk: [] }], body: UploadBatchSchema, response: { 200: UploadResponseSchema, 401: ErrorResponseSchema, 400: ErrorResponseSchema } } },
    async (req) => {
      const results = await ingest.ingest(req.kiosk!, req.body.records);
      const refused = results.filter((r) => r.status === 'conflict' || r.status === 'invalid');
      if (refused.length > 0) req.log.warn({ kioskId: req.kiosk!.kioskId, refused: refused.map((r) => ({ id: r.id, status: r.status, error: r.error })) }, 'central: records refused');
      return { results };
    },
  );

  zapp.post(
    `${API_PREFIX}/heartbeat`,
    { onRequest: kioskAuth, schema: { security: [{ kiosk: [] }], body: HeartbeatSchema, response: { 200: HeartbeatResponseSchema, 401: ErrorResponseSchema } } },
    async (req) => {
      const k = req.kiosk!;
      const verdict = await kiosks.heartbeat(k.kioskId, req.body);
      if (FLAGGED_CHECKS.has(verdict.check)) req.log.error({ kioskId: k.kioskId, problem: verdict.check, err: verdict.message }, 'central: a kiosk\'s audit log does not continue the head central anchored');
      return { serverTime: new Date().toISOString(), listVersion: await lists.latestVersion(), auditAnchor: verdict.anchor, auditCheck: verdict.check };
    },
  );

  zapp.get(`${API_PREFIX}/lists`, { onRequest: kioskAuth, schema: { security: [{ kiosk: [] }], querystring: ListsQuerySchema, response: { 200: ListsResponseSchema, 401: ErrorResponseSchema } } }, async (req) =>
    lists.since(req.query.after, req.kiosk!.kioskId),
  );

  // ---- admin: pages and routes
  const cookie = (req: FastifyRequest): string | undefined =>
    (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('='))
      .find(([k]) => k === SESSION_COOKIE)?.[1];
  const secure = opts.https ? '; Secure' : '';
  const lang = (req: FastifyRequest): DashboardLanguage => ((req.query as { lang?: string }).lang === 'en' ? 'en' : 'zh');
  const sameOrigin = (req: FastifyRequest): boolean => {
    const origin = req.headers.origin;
    return origin !== undefined && origin === `${opts.https ? 'https' : 'http'}://${req.headers.host}`;
  };
  const adminAuth = (page: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const admin = await admins.session(cookie(req));
    if (!admin) return page ? reply.redirect(`/signin?lang=${lang(req)}`) : reply.status(401).send({ error: 'sign in first (POST /signin)' });
    if (req.method !== 'GET' && !sameOrigin(req)) return reply.status(403).send({ error: 'admin requests must come from central’s own pages (Origin header)' });
    req.admin = admin;
  };
  const html = (reply: FastifyReply, body: string) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
      .header('cache-control', 'no-store')
      .send(body);

  zapp.get('/signin', { schema: { hide: true } }, async (req, reply) => html(reply, signInPage(lang(req), null)));
  zapp.post('/signin', { schema: { hide: true, body: z.object({ username: z.string().max(64), password: z.string().max(256) }) } }, async (req, reply) => {
    if (!sameOrigin(req)) return reply.status(403).send({ error: 'sign in from central’s own page' });
    const r = await admins.signIn(req.body.username, req.body.password, req.ip);
    if (!r.ok) return html(reply.status(r.reason === 'locked' ? 423 : 401), signInPage(lang(req), r.reason));
    return reply
      .header('set-cookie', `${SESSION_COOKIE}=${r.sessionToken}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor((r.expiresAt.getTime() - Date.now()) / 1000)}${secure}`)
      .redirect(`/?lang=${lang(req)}`, 303);
  });
  zapp.post('/signout', { onRequest: adminAuth(true), schema: { hide: true } }, async (req, reply) => {
    await admins.signOut(cookie(req)!, req.admin!);
    return reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`).redirect('/signin', 303);
  });

  const period = (q: { from?: string; to?: string; day?: string }) => {
    if (q.day !== undefined) {
      // One calendar day in China time (UTC+8, no daylight saving).
      const from = new Date(`${q.day}T00:00:00+08:00`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(q.day) || !Number.isFinite(from.getTime())) throw Object.assign(new Error('day must be YYYY-MM-DD'), { statusCode: 400 });
      return { from, to: new Date(from.getTime() + 24 * 3_600_000) };
    }
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 24 * 3_600_000);
    if (!Number.isFinite(from.getTime()) || !Number.isFinite(to.getTime()) || from >= to) throw Object.assign(new Error('from/to must be ISO times with from before to'), { statusCode: 400 });
    return { from, to };
  };
  const PeriodQuery = z.object({ from: z.string().optional(), to: z.string().optional(), day: z.string().max(10).optional(), lang: z.enum(['zh', 'en']).optional() });

  zapp.get('/', { onRequest: adminAuth(true), schema: { hide: true, querystring: PeriodQuery } }, async (req, reply) => {
    const data = await dashboardData(db, period(req.query));
    return html(reply, dashboardPage(lang(req), data, req.admin!));
  });
  zapp.get(`${API_PREFIX}/admin/dashboard`, { onRequest: adminAuth(false), schema: { querystring: PeriodQuery } }, async (req) => dashboardData(db, period(req.query)));

  // Enrolment from the dashboard's API while central runs (the CLI needs the embedded database to itself).
  zapp.post(
    `${API_PREFIX}/admin/kiosks`,
    {
      onRequest: adminAuth(false),
      schema: {
        body: z.object({ checkpointId: z.string().min(1).max(64), kioskId: z.string().min(1).max(64), checkpointName: z.string().min(1).max(100).optional() }),
        response: { 200: z.object({ url: z.string(), kioskId: z.string(), token: z.string() }), 400: ErrorResponseSchema },
      },
    },
    async (req, reply) => {
      try {
        const e = await kiosks.enroll({ ...req.body, actor: req.admin! });
        return { url: opts.publicUrl ?? `${opts.https ? 'https' : 'http'}://${req.headers.host}`, kioskId: e.kioskId, token: e.token };
      } catch (err) {
        return reply.status(400).send({ error: err instanceof Error ? err.message : String(err) });
      }
    },
  );

  const importResult = z.object({ versions: z.array(z.number().int()) });
  zapp.post(
    `${API_PREFIX}/admin/lists/:listId`,
    { onRequest: adminAuth(false), schema: { params: z.object({ listId: z.string().min(1).max(64) }), querystring: z.object({ replace: z.enum(['true', 'false']).default('false') }), response: { 200: importResult, 400: ErrorResponseSchema } } },
    async (req, reply) => {
      try {
        const entries = parseListCsv(String(req.body ?? ''), keys.idHasher);
        return { versions: await lists.importList(req.params.listId, entries, { replace: req.query.replace === 'true', actor: req.admin! }) };
      } catch (err) {
        if (err instanceof ListImportError) return reply.status(400).send({ error: err.message });
        throw err;
      }
    },
  );
  zapp.post(`${API_PREFIX}/admin/key-regions`, { onRequest: adminAuth(false), schema: { response: { 200: importResult, 400: ErrorResponseSchema } } }, async (req, reply) => {
    try {
      return { versions: [await lists.importKeyRegions(parseRegionCsv(String(req.body ?? '')), req.admin!)] };
    } catch (err) {
      if (err instanceof ListImportError) return reply.status(400).send({ error: err.message });
      throw err;
    }
  });
  // Central's policy for every kiosk (the fields central may set: main/config/central-policy.ts); audited.
  zapp.post(
    `${API_PREFIX}/admin/policy`,
    { onRequest: adminAuth(false), schema: { body: CentralPolicySchema, response: { 200: importResult, 400: ErrorResponseSchema } } },
    async (req, reply) => {
      try {
        return { versions: [await lists.setPolicy(req.body, req.admin!)] };
      } catch (err) {
        if (err instanceof CentralPolicyError) return reply.status(400).send({ error: err.message });
        throw err;
      }
    },
  );
  zapp.get(`${API_PREFIX}/admin/export`, { onRequest: adminAuth(false), schema: { querystring: PeriodQuery.extend({ format: z.enum(['csv', 'jsonl']).default('csv') }) } }, async (req, reply) => {
    const { from, to } = period(req.query);
    let out = '';
    await exportScreenings(db, { from, to, format: req.query.format, actor: req.admin! }, (chunk) => (out += chunk));
    return reply.header('content-type', req.query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8').send(out);
  });

  // ---- dashboard assets (built by scripts/build.mjs)
  const assets: Record<string, string> = { 'dashboard.js': 'text/javascript; charset=utf-8', 'central.css': 'text/css; charset=utf-8' };
  zapp.get('/assets/:name', { schema: { hide: true, params: z.object({ name: z.string() }) } }, async (req, reply) => {
    const type = assets[req.params.name];
    const file = opts.assetsDir ? join(opts.assetsDir, req.params.name) : '';
    if (!type || !existsSync(file)) return reply.status(404).send({ error: 'not found' });
    return reply.header('content-type', type).header('cache-control', 'no-cache').send(readFileSync(file));
  });

  return { app, kiosks, lists, admins, ingest };
}
