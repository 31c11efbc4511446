import 'reflect-metadata';
import { buildSchema, type MiddlewareFn } from 'type-graphql';
import { timeoutError } from '../cpu/cpu.pool.ts';
import type { Context } from './context.ts';
import type { GraphQLSchema } from 'graphql';
import { ApiTokenFieldResolver, AuthResolver } from '../auth/auth.resolver.ts';
import { AuditResolver } from '../audit/audit.resolver.ts';
import { ProjectResolver } from '../projects/project.resolver.ts';
import { MembershipFieldResolver, TeamResolver } from '../teams/team.resolver.ts';
import { NodeResolver } from './node.resolver.ts';
import { CohortResolver, ProjectCohortsResolver, VolumeResolver } from '../cohorts/cohort.resolver.ts';
import { DistributionResolver, DistributionVersionResolver, ProjectDistributionsResolver } from '../distributions/distribution.resolver.ts';
import { ModelResolver } from '../models/model.resolver.ts';
import { WebhookResolver } from '../webhooks/webhook.resolver.ts';
import { DatasetResolver, ProjectDatasetsResolver, TrainingRunResolver } from '../datasets/dataset.resolver.ts';
import { InvitationResolver, TeamInvitationsResolver } from '../invitations/invitation.resolver.ts';
import { InstanceResolver } from '../instance/instance.resolver.ts';

let schema: Promise<GraphQLSchema> | null = null;

/**
 * The request's time limit stops work at field granularity: once its signal is aborted no further
 * resolver starts (CPU tasks and database statements have their own stops).
 */
const stopWhenAborted: MiddlewareFn<Context> = async ({ context }, next) => {
  if (context.signal?.aborted) throw timeoutError();
  return next();
};

/** The schema is built once per process (type-graphql metadata is global). */
export function getSchema(): Promise<GraphQLSchema> {
  schema ??= buildSchema({
    resolvers: [
      NodeResolver,
      AuthResolver,
      ApiTokenFieldResolver,
      TeamResolver,
      MembershipFieldResolver,
      ProjectResolver,
      AuditResolver,
      ModelResolver,
      DistributionResolver,
      DistributionVersionResolver,
      ProjectDistributionsResolver,
      CohortResolver,
      VolumeResolver,
      ProjectCohortsResolver,
      DatasetResolver,
      TrainingRunResolver,
      ProjectDatasetsResolver,
      WebhookResolver,
      InvitationResolver,
      TeamInvitationsResolver,
      InstanceResolver,
    ],
    validate: false,
    globalMiddlewares: [stopWhenAborted],
    emitSchemaFile: false,
  });
  return schema;
}
