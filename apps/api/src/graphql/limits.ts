// Query depth and cost limits. Cost: 1 per field; a connection field costs `first` (or `last`)
// times its selection, so `teams(first: 100) { members(first: 100) { ... } }` is priced at what it
// can actually return. The cost is reported in every response's `extensions.cost`.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { createRequire } from 'node:module';
import type * as QueryComplexity from 'graphql-query-complexity';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import { MAX_PAGE } from './relay.ts';

// Loaded through require(): its ESM build imports `graphql/index.mjs`, a second copy of graphql
// beside the CommonJS one every other package uses ("another module or realm" errors).
const { getComplexity, simpleEstimator } = createRequire(import.meta.url)('graphql-query-complexity') as typeof QueryComplexity;

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

const connectionEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const n = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : null;
  if (n === null) return undefined;
  // Out-of-range sizes are rejected by the resolver with a precise message; price them at the cap.
  return 1 + Math.min(Math.max(0, n), MAX_PAGE) * Math.max(1, childComplexity);
};

export function costLimitPlugin(maxCost: number): ApolloServerPlugin<{ cost?: number }> {
  return {
    async requestDidStart() {
      let cost: number | undefined;
      return {
        async didResolveOperation({ request, document, schema, contextValue }) {
          cost = getComplexity({
            schema,
            query: document,
            variables: request.variables ?? {},
            operationName: request.operationName ?? undefined,
            estimators: [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })],
          });
          contextValue.cost = cost;
          if (cost > maxCost) {
            throw new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}; ask for fewer items (first/last) or fewer fields`, {
              extensions: { code: 'QUERY_TOO_COMPLEX', cost, maxCost, http: { status: 400 } },
            });
          }
        },
        async willSendResponse({ response }) {
          if (response.body.kind === 'single' && cost !== undefined) {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, cost: { requested: cost, limit: maxCost } };
          }
        },
      };
    },
  };
}
