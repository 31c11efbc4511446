// Query depth, cost, budget and input checks, all before anything executes.
//
// Cost (points) reflects the work asked for, as GitHub's and Shopify's GraphQL APIs price it:
// 1 per field; a connection costs `first`/`last` times its selection; a field that does CPU work
// costs what that work is worth (`previewDistribution` scales with `n`); every alias is priced on
// its own, so 1,000 aliases cost 1,000 times one. A query above GRAPHQL_MAX_COST is refused.
// Each caller (token, user, or client address when anonymous) also has a budget of points per
// window (GRAPHQL_BUDGET_POINTS per GRAPHQL_BUDGET_WINDOW_SECONDS); every response reports
// `extensions.cost = { requested, limit, budget: { limit, remaining, resetAt, windowSeconds } }`.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  getVariableValues,
  GraphQLError,
  Kind,
  visit,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { createRequire } from 'node:module';
import type * as QueryComplexity from 'graphql-query-complexity';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { findBadText } from '../common/input-hygiene.ts';
import { MAX_PAGE } from './relay.ts';

// Loaded through require(): its ESM build imports `graphql/index.mjs`, a second copy of graphql
// beside the CommonJS one every other package uses ("another module or realm" errors).
const { getComplexity, simpleEstimator } = createRequire(import.meta.url)('graphql-query-complexity') as typeof QueryComplexity;

/** Largest `n` of previewDistribution (the service refuses more). */
export const PREVIEW_MAX_N = 5000;
/**
 * Preview draws per point: one point is about 0.1 ms of one core (5000 draws take ~60 ms on the
 * reference machine), so the dearest query allowed by GRAPHQL_MAX_COST = 5000 is ~0.5 s of CPU.
 */
export const PREVIEW_DRAWS_PER_POINT = 8;

export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let max = 0;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) {
          if (s.name.value.startsWith('__')) continue;
          max = Math.max(max, 1 + depthOf(s.selectionSet, seen));
        } else if (s.kind === Kind.INLINE_FRAGMENT) {
          max = Math.max(max, depthOf(s.selectionSet, seen));
        } else if (s.kind === Kind.FRAGMENT_SPREAD && !seen.has(s.name.value)) {
          const f = fragments.get(s.name.value);
          max = Math.max(max, depthOf(f?.selectionSet, new Set([...seen, s.name.value])));
        }
      }
      return max;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Query depth ${depth} exceeds the limit of ${maxDepth}; split it into smaller queries`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_DEEP', depth, maxDepth },
            }),
          );
        }
      },
    };
  };
}

const clampInt = (v: unknown, lo: number, hi: number, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(Math.max(Math.trunc(v), lo), hi) : fallback);

/** Fields whose cost is not 1 + their selection: the work they do scales with an argument. */
const FIELD_COSTS: Record<string, (args: Record<string, unknown>, child: number) => number> = {
  'Query.previewDistribution': (a, child) => 1 + child + Math.ceil(clampInt(a.n, 1, PREVIEW_MAX_N, 1000) / PREVIEW_DRAWS_PER_POINT),
  // Kolmogorov-Smirnov over two versions' conditions: a few thousand rows read and sorted.
  'Query.diffDatasetVersions': (_a, child) => 50 + child,
  // A walk over dataset versions, cohorts and volumes.
  'Query.traceFile': (_a, child) => 20 + child,
  // Statistics over every generated volume of a cohort (one SQL read of their conditions, sorts).
  'Cohort.adherence': (_a, child) => 50 + child,
  'Webhook.deliveries': (a, child) => 1 + clampInt(a.limit, 1, 100, 50) * Math.max(1, child),
  // Reads and decodes the volume's two NIfTI files the first time (then a small stored JSON).
  'Volume.thumbnail': (_a, child) => 10 + child,
  // Up to the newest 100 invitations of a team.
  'Team.invitations': (_a, child) => 1 + 100 * Math.max(1, child),
};

const fieldEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const f = FIELD_COSTS[`${type.name}.${field.name}`];
  return f ? f(args, childComplexity) : undefined;
};

const connectionEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const n = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : null;
  if (n === null) return undefined;
  // Out-of-range sizes are rejected by the resolver with a precise message; price them at the cap.
  return 1 + Math.min(Math.max(0, n), MAX_PAGE) * Math.max(1, childComplexity);
};

export interface BudgetConfig {
  maxCost: number;
  budgetPoints: number;
  budgetWindowSeconds: number;
}

/** What the cost plugin needs from the request context. */
export interface CostContext {
  cost?: number;
  /** Who pays: `token:<id>`, `user:<id>` or `ip:<address>`. */
  budgetKey: string;
  res: { setHeader(name: string, value: string): unknown } | null;
}

function badInput(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extra, http: { status: 400 } } });
}

/** Refuses NUL characters and lone surrogates in variables (PostgreSQL cannot store them). */
function checkVariableText(variables: Record<string, unknown> | undefined) {
  const inVars = findBadText(variables ?? {});
  if (inVars) throw badInput(`Variable $${inVars.path.join('.')} ${inVars.reason}`, { field: inVars.path });
}

/** The same for string literals of a document: the reason, or null when they are all fine. */
function badLiteralOf(document: DocumentNode): string | null {
  let literal: string | null = null;
  visit(document, {
    StringValue(node) {
      if (literal === null && findBadText(node.value)) literal = findBadText(node.value)!.reason;
    },
  });
  return literal;
}

/**
 * What the plugin already knows of a parsed document. Apollo keeps one DocumentNode per query text in
 * its document cache and hands the same object to every request of that text, so this WeakMap lives
 * as long as Apollo's entry. Pricing (getComplexity walks the whole document with type info) and
 * variable coercion cost about as much as executing a small list query; they depend only on the
 * document, the operation name and the variables, so a repeat of those three reuses the price.
 */
interface DocumentFacts {
  badLiteral: string | null;
  /** `operationName \n variables as JSON` -> cost; only entries that passed every check. */
  costs: Map<string, number>;
}
const documentFacts = new WeakMap<DocumentNode, DocumentFacts>();
/** Per document: distinct (operation, variables) prices kept; the oldest goes first. */
export const PRICE_CACHE_ENTRIES = 256;
/** Variables longer than this (as JSON) are priced every time: their key would cost as much as the price. */
export const PRICE_CACHE_MAX_VARIABLES_CHARS = 2048;

export function costLimitPlugin(config: BudgetConfig): ApolloServerPlugin<CostContext> {
  const budget = new RateLimiterMemory({ points: config.budgetPoints, duration: config.budgetWindowSeconds });
  const budgetOf = (r: RateLimiterRes) => ({
    limit: config.budgetPoints,
    remaining: r.remainingPoints,
    resetAt: new Date(Date.now() + r.msBeforeNext).toISOString(),
    windowSeconds: config.budgetWindowSeconds,
  });
  return {
    async requestDidStart() {
      let cost: number | undefined;
      let spent: ReturnType<typeof budgetOf> | undefined;
      return {
        async didResolveOperation({ request, document, schema, contextValue, operation }) {
          // No such operation: Apollo answers OPERATION_RESOLUTION_FAILURE (400) itself.
          if (!operation) return;
          let facts = documentFacts.get(document);
          if (!facts) {
            facts = { badLiteral: badLiteralOf(document), costs: new Map() };
            documentFacts.set(document, facts);
          }
          if (facts.badLiteral !== null) throw badInput(`A string argument ${facts.badLiteral}`);
          const variablesJson = JSON.stringify(request.variables ?? {});
          const key = variablesJson.length <= PRICE_CACHE_MAX_VARIABLES_CHARS ? `${request.operationName ?? ''}\n${variablesJson}` : null;
          const known = key === null ? undefined : facts.costs.get(key);
          if (known !== undefined) {
            cost = known;
          } else {
            checkVariableText(request.variables);
            // Coerce the variables first: a wrong variable is the client's mistake (400), and the cost
            // of a query depends on them.
            const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 5 });
            if (coerced.errors) {
              throw badInput(coerced.errors.map((e) => e.message).join('; '));
            }
            try {
              cost = getComplexity({
                schema,
                query: document,
                // the variables as sent: getComplexity coerces them itself (coerced values would be coerced twice,
                // and an enum whose internal value differs from its name, such as Sampler UNIPC -> 'unipc', fails)
                variables: request.variables ?? {},
                operationName: request.operationName ?? undefined,
                estimators: [fieldEstimator, connectionEstimator, simpleEstimator({ defaultComplexity: 1 })],
              });
            } catch (err) {
              throw badInput(`The query cannot be priced: ${err instanceof Error ? err.message : String(err)}`);
            }
            if (key !== null) {
              if (facts.costs.size >= PRICE_CACHE_ENTRIES) facts.costs.delete(facts.costs.keys().next().value!);
              facts.costs.set(key, cost);
            }
          }
          contextValue.cost = cost;
          if (cost > config.maxCost) {
            throw new GraphQLError(`Query cost ${cost} exceeds the limit of ${config.maxCost}; ask for fewer items (first/last, n) or fewer fields and aliases`, {
              extensions: { code: 'QUERY_TOO_COMPLEX', cost, maxCost: config.maxCost, http: { status: 400 } },
            });
          }
          try {
            spent = budgetOf(await budget.consume(contextValue.budgetKey, Math.max(1, cost)));
          } catch (r) {
            if (!(r instanceof RateLimiterRes)) throw r;
            spent = budgetOf(r);
            const retryAfter = Math.max(1, Math.ceil(r.msBeforeNext / 1000));
            contextValue.res?.setHeader('retry-after', String(retryAfter));
            throw new GraphQLError(
              `Query budget exhausted: this query costs ${cost} points and ${Math.max(0, r.remainingPoints)} of ${config.budgetPoints} remain until ${spent.resetAt}; retry after ${retryAfter} s`,
              { extensions: { code: 'RATE_LIMITED', cost, retryAfterSeconds: retryAfter, http: { status: 429 } } },
            );
          }
        },
        async willSendResponse({ response }) {
          if (response.body.kind === 'single' && cost !== undefined) {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, cost: { requested: cost, limit: config.maxCost, ...(spent ? { budget: spent } : {}) } };
          }
        },
      };
    },
  };
}
