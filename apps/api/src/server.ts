// The API's HTTP server: GraphQL at /graphql, health at /healthz and /readyz.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import express, { type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';
import { AccessService } from './auth/access.service.ts';
import type { ApiConfig } from './config.ts';
import { DomainError } from './common/errors.ts';
import type { Logger } from './common/logger.ts';
import type { Db } from './common/transaction.repository.ts';
import type { Context } from './graphql/context.ts';
import { formatError, isUnexpected, mapCode } from './graphql/errors.ts';
import { costLimitPlugin, depthLimitRule } from './graphql/limits.ts';
import { createLoaders } from './graphql/loaders.ts';
import { getSchema } from './graphql/schema.ts';
import { createServices, type Services } from './services.ts';
import { filesRouter } from './http/files.route.ts';
import { uploadsRouter } from './http/uploads.route.ts';
import { datasetsRouter } from './http/datasets.route.ts';

export const SESSION_COOKIE = 'sw_session';

export interface ApiServer {
  app: express.Express;
  httpServer: http.Server;
  services: Services;
  /** Resolves once listening; returns the bound port. */
  listen(port: number, host: string): Promise<number>;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export async function createApiServer(db: Db, config: ApiConfig, logger: Logger): Promise<ApiServer> {
  const services = createServices(db, config);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const httpServer = http.createServer(app);
  let shuttingDown = false;

  app.use((req, res, next) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info({ requestId, method: req.method, path: req.path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
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

  app.use(filesRouter(services, (req) => actorOf(req, services), { presignSeconds: config.storage.presignSeconds }));
  app.use(uploadsRouter(services, (req) => actorOf(req, services)));
  app.use(datasetsRouter(services, (req) => actorOf(req, services), { signingSecret: config.signingSecret, codeRevision: config.codeRevision, presignSeconds: config.storage.presignSeconds }));

  const apollo = new ApolloServer<Context>({
    schema: await getSchema(),
    formatError,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    validationRules: [depthLimitRule(config.maxDepth)],
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      costLimitPlugin(config.maxCost) as never,
      {
        async requestDidStart() {
          return {
            async didEncounterErrors({ errors, contextValue }) {
              for (const e of errors) {
                if (isUnexpected(e)) contextValue.logger.error({ requestId: contextValue.requestId, err: e.originalError ?? e, path: e.path }, 'unexpected error');
              }
            },
            async willSendResponse({ response, contextValue }) {
              if (response.body.kind !== 'single') return;
              const r = response.body.singleResult;
              r.extensions = { ...r.extensions, requestId: contextValue.requestId };
              if (r.errors) r.errors = r.errors.map((e) => ({ ...e, extensions: { ...e.extensions, requestId: contextValue.requestId } }));
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
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        try {
          return await buildContext(req, res, services, logger, config);
        } catch (err) {
          // A bad credential: Apollo turns a GraphQLError from here into the HTTP status it names.
          if (err instanceof DomainError) {
            const m = mapCode(err.code);
            throw new GraphQLError(err.message, { extensions: { code: m.code, requestId: res.locals.requestId, http: { status: m.http } } });
          }
          throw err;
        }
      },
    }),
  );

  // Errors raised while building the context (bad token) become a GraphQL-shaped 401.
  app.use((err: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (res.headersSent) return next(err);
    const requestId = String(res.locals.requestId);
    if (err instanceof DomainError) {
      const m = mapCode(err.code);
      res.status(m.http).json({ errors: [{ message: err.message, extensions: { code: m.code, requestId } }] });
      return;
    }
    logger.error({ requestId, err }, 'unhandled error');
    res.status(500).json({ errors: [{ message: 'Internal server error; quote the requestId when reporting it', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
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
      await dispatcher.stop();
      await apollo.stop();
      if (httpServer.listening) await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}

/** The caller of an HTTP request: session cookie or `Authorization: Bearer` token. */
async function actorOf(req: Request, services: Services) {
  const cookies = parseCookie(req.headers.cookie ?? '');
  const auth = req.header('authorization');
  let bearer: string | undefined;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw new DomainError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
    bearer = m[1];
  }
  return services.auth.resolveActor(cookies[SESSION_COOKIE], bearer);
}

async function buildContext(req: Request, res: Response, services: Services, logger: Logger, config: ApiConfig): Promise<Context> {
  const requestId = String(res.locals.requestId);
  const actor = await actorOf(req, services);
  const access = new AccessService(actor, services.authRepo);
  return {
    requestId,
    access,
    services,
    loaders: createLoaders(services),
    logger: logger.child({ requestId }),
    ip: req.ip ?? 'unknown',
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
