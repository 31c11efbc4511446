// The API's HTTP server: GraphQL at /graphql, health at /healthz and /readyz.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import express, { type NextFunction, type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';
import { AccessService } from './auth/access.service.ts';
import type { ApiConfig } from './config.ts';
import { DomainError } from './common/errors.ts';
import type { Logger } from './common/logger.ts';
import type { Db } from './common/transaction.repository.ts';
import { timeoutError } from './cpu/cpu.pool.ts';
import type { Context } from './graphql/context.ts';
import { formatError, isDatabaseBusy, isUnexpected, mapCode, responseStatusOf } from './graphql/errors.ts';
import { costLimitPlugin, depthLimitRule } from './graphql/limits.ts';
import { createLoaders } from './graphql/loaders.ts';
import { getSchema } from './graphql/schema.ts';
import { createServices, type Services } from './services.ts';
import { filesRouter } from './http/files.route.ts';
import { uploadsRouter } from './http/uploads.route.ts';
import { datasetsRouter } from './http/datasets.route.ts';
import type { Actor } from './auth/actor.ts';

export const SESSION_COOKIE = 'sw_session';
/** Set by the web app on requests it forwards, with WEB_PROXY_SECRET: the browser's address. */
export const CLIENT_IP_HEADER = 'x-slicewise-client-ip';
export const PROXY_SECRET_HEADER = 'x-slicewise-proxy-secret';

export interface ApiServer {
  app: express.Express;
  httpServer: http.Server;
  services: Services;
  /** Resolves once listening; returns the bound port. */
  listen(port: number, host: string): Promise<number>;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * The address rate limits key on: the socket's, or X-Forwarded-For as far as TRUST_PROXY trusts it
 * (Express's req.ip), or the web app's X-Slicewise-Client-Ip when it carries WEB_PROXY_SECRET.
 */
export function clientAddressOf(req: Request, webProxySecret: string | null): string {
  if (webProxySecret) {
    const sent = req.header(PROXY_SECRET_HEADER);
    const claimed = req.header(CLIENT_IP_HEADER)?.trim();
    if (sent && claimed && net.isIP(claimed)) {
      const a = Buffer.from(sent);
      const b = Buffer.from(webProxySecret);
      if (a.length === b.length && timingSafeEqual(a, b)) return claimed;
    }
  }
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export async function createApiServer(db: Db, config: ApiConfig, logger: Logger): Promise<ApiServer> {
  const services = createServices(db, config);
  const app = express();
  app.disable('x-powered-by');
  // No generated ETag (a SHA-1 of every JSON body): GraphQL answers are no-store, and the file routes set
  // their own ETag from the content hash, which this setting does not touch.
  app.set('etag', false);
  // Only the hops named in TRUST_PROXY may say who the client is (default: nobody, the socket decides).
  app.set('trust proxy', config.trustProxy);
  const httpServer = http.createServer(app);
  let shuttingDown = false;

  app.use((req, res, next) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Never the body, the query string (signed links) or headers: only what identifies the request.
      logger.info({ requestId, method: req.method, path: safePath(req), status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (shuttingDown) {
      res.status(503).json({ status: 'shutting-down' });
      return;
    }
    try {
      await services.health.ping();
      res.json({ status: 'ready', database: 'ok' });
    } catch (err) {
      logger.warn({ err: String(err) }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', database: 'unreachable' });
    }
  });

  /** Aborted when the request passes REQUEST_TIMEOUT_MS or its client goes away. */
  const signalOf = (req: Request, res: Response): AbortSignal => {
    const existing = res.locals.abort as AbortController | undefined;
    if (existing) return existing.signal;
    const ac = new AbortController();
    res.locals.abort = ac;
    const timer = setTimeout(() => ac.abort(timeoutError()), config.requestTimeoutMs);
    timer.unref();
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) ac.abort(timeoutError());
    });
    return ac.signal;
  };

  const actorFor = (req: Request) => actorOf(req, services);
  app.use(filesRouter(services, actorFor, { presignSeconds: config.storage.presignSeconds }));
  app.use(uploadsRouter(services, actorFor, { maxUploadBytes: config.maxUploadBytes, signalOf }));
  app.use(datasetsRouter(services, actorFor, { signingSecret: config.signingSecret, codeRevision: config.codeRevision, presignSeconds: config.storage.presignSeconds }));

  const apollo = new ApolloServer<Context>({
    schema: await getSchema(),
    formatError,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // Documents are bounded while parsing, before validation (whose field-overlap check grows with the
    // square of the aliases in a selection) and before pricing.
    parseOptions: { maxTokens: config.maxTokens },
    // main.ts owns the shutdown order. Apollo's own SIGINT/SIGTERM handlers (on unless NODE_ENV=test) ran a
    // second stop() alongside it, which never settled: every stop waited out main.ts's bound on the http
    // server (SHUTDOWN_GRACE_MS + 0.5 s; 15 s before) and logged that it did not close in time. Now ~0.1 s.
    stopOnTerminationSignals: false,
    validationRules: [depthLimitRule(config.maxDepth)],
    // Keep-alive connections get this long to finish at shutdown, then they are closed.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      // The schema declares no cache hints, so Apollo's cache-control plugin (on by default) only ever
      // concluded "no-store", after a hook on every resolved field (~5% of a list request's CPU).
      // willSendResponse below sends the same header.
      ApolloServerPluginCacheControlDisabled(),
      costLimitPlugin({ maxCost: config.maxCost, budgetPoints: config.budgetPoints, budgetWindowSeconds: config.budgetWindowSeconds }),
      {
        async requestDidStart() {
          return {
            async didEncounterErrors({ errors, contextValue }) {
              for (const e of errors) {
                if (isUnexpected(e)) contextValue.logger?.error({ err: e.originalError ?? e, path: e.path }, 'unexpected error');
              }
            },
            async willSendResponse({ response, contextValue }) {
              // Answers are per caller and change with every write: no shared or browser cache may keep them.
              response.http.headers.set('cache-control', 'no-store');
              if (response.body.kind !== 'single') return;
              const r = response.body.singleResult;
              r.extensions = { ...r.extensions, requestId: contextValue.requestId };
              if (r.errors) {
                r.errors = r.errors.map((e) => ({ ...e, extensions: { ...e.extensions, requestId: contextValue.requestId } }));
                // A request that failed as a whole answers with the status of its error: a client
                // mistake is a 4xx, never a 200 or a 500 (partial results stay 200, as GraphQL wants).
                const data = r.data as Record<string, unknown> | null | undefined;
                const failed = !data || Object.values(data).every((v) => v === null);
                if (failed) {
                  const status = responseStatusOf(r.errors.map((e) => e.extensions?.code));
                  response.http.status = status;
                  if (status === 503) response.http.headers.set('retry-after', '2');
                }
              }
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  const dispatcher = services.webhooks.startDispatcher(config.webhooks, logger);

  app.use(
    '/graphql',
    express.json({ limit: config.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        try {
          return await buildContext(req, res, services, logger, config, signalOf(req, res));
        } catch (err) {
          // A bad credential: Apollo turns a GraphQLError from here into the HTTP status it names.
          if (err instanceof DomainError) {
            const m = mapCode(err.code);
            throw new GraphQLError(err.message, { extensions: { code: m.code, requestId: res.locals.requestId, http: { status: m.http } } });
          }
          // The session read could not get a database connection in time: shed the request (503), do not fail it.
          if (isDatabaseBusy(err)) {
            throw new GraphQLError('The database is busy with other requests; nothing was changed. Retry in a few seconds.', {
              extensions: { code: 'SERVICE_BUSY', requestId: res.locals.requestId, http: { status: 503, headers: new Map([['retry-after', '2']]) } },
            });
          }
          throw err;
        }
      },
    }),
  );

  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'No such endpoint', extensions: { code: 'NOT_FOUND', requestId: String(res.locals.requestId) } }] });
  });

  // Errors outside GraphQL: bad credentials, malformed or oversized bodies, malformed URLs. Client
  // mistakes answer with their 4xx and a code, without a stack anywhere; the rest is a masked 500.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const requestId = String(res.locals.requestId);
    const send = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
      res.status(status).json({ errors: [{ message, extensions: { code, requestId, ...extra } }] });
    if (err instanceof DomainError) {
      const m = mapCode(err.code);
      return send(m.http, m.code, err.message);
    }
    const e = err as { status?: unknown; statusCode?: unknown; type?: unknown; message?: unknown; limit?: unknown } | null;
    const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : null;
    if (status !== null && status >= 400 && status < 500) {
      const type = String(e?.type ?? '');
      logger.info({ requestId, path: safePath(req), status, type: type || (err as Error)?.name }, 'client error');
      if (type === 'entity.parse.failed') return send(400, 'BAD_REQUEST', 'The request body is not valid JSON');
      if (type === 'entity.too.large') return send(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${config.maxBodyBytes} bytes`, { limit: config.maxBodyBytes });
      if (type === 'encoding.unsupported' || type === 'charset.unsupported') return send(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as UTF-8 JSON (content-type: application/json)');
      if (err instanceof URIError) return send(400, 'BAD_REQUEST', 'The URL is not valid percent-encoding');
      return send(status, status === 404 ? 'NOT_FOUND' : status === 401 ? 'UNAUTHENTICATED' : 'BAD_REQUEST', 'The request is malformed');
    }
    logger.error({ requestId, path: safePath(req), err }, 'unhandled error');
    return send(500, 'INTERNAL_SERVER_ERROR', 'Internal server error; quote the requestId when reporting it');
  });

  return {
    app,
    httpServer,
    services,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const a = httpServer.address();
          resolve(typeof a === 'object' && a ? a.port : port);
        });
      });
    },
    async stop() {
      shuttingDown = true;
      // Idle keep-alive connections go now; busy ones get SHUTDOWN_GRACE_MS (Apollo's drain).
      httpServer.closeIdleConnections();
      await Promise.all([dispatcher.stop(), apollo.stop()]);
      if (httpServer.listening) await new Promise<void>((r) => httpServer.close(() => r()));
      await services.cpu.destroy();
    },
  };
}

/** The path for logs: never the query string (signed links carry their signature there). */
function safePath(req: Request): string {
  return (req.originalUrl ?? req.url).split('?')[0]!.slice(0, 300);
}

/** The caller of an HTTP request: session cookie or `Authorization: Bearer` token. */
async function actorOf(req: Request, services: Services): Promise<Actor | null> {
  const cookies = parseCookie(req.headers.cookie ?? '');
  const auth = req.header('authorization');
  let bearer: string | undefined;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw new DomainError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
    bearer = m[1];
  }
  const session = cookies[SESSION_COOKIE];
  return services.auth.resolveActor(session && session.length <= 200 ? session : undefined, bearer);
}

async function buildContext(req: Request, res: Response, services: Services, logger: Logger, config: ApiConfig, signal: AbortSignal): Promise<Context> {
  const requestId = String(res.locals.requestId);
  const ip = clientAddressOf(req, config.webProxySecret);
  const actor = await actorOf(req, services);
  const access = new AccessService(actor, services.authRepo);
  return {
    requestId,
    access,
    services,
    signal,
    budgetKey: actor ? (actor.kind === 'token' ? `token:${actor.tokenId}` : `user:${actor.userId}`) : `ip:${ip}`,
    loaders: createLoaders(services),
    logger: logger.child({ requestId }),
    ip,
    userAgent: req.header('user-agent') ?? null,
    res,
    signingSecret: config.signingSecret,
    setSessionCookie(secret, expiresAt) {
      res.append(
        'Set-Cookie',
        serializeCookie(SESSION_COOKIE, secret ?? '', {
          httpOnly: true,
          sameSite: 'lax',
          secure: config.cookieSecure,
          path: '/',
          ...(secret ? { expires: expiresAt } : { maxAge: 0 }),
        }),
      );
    },
  };
}
