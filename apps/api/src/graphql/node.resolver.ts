import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { DomainError, ErrorCode, notFound } from '../common/errors.ts';
import { Node } from './common.types.ts';
import type { Context } from './context.ts';
import { cohortNode, volumeNode } from '../cohorts/cohort.nodes.ts';
import { distributionNode, versionNode } from '../distributions/distribution.nodes.ts';
import { membershipNode, teamNode } from '../teams/team.nodes.ts';
import { modelNode } from '../models/model.nodes.ts';
import { projectNode } from '../projects/project.nodes.ts';
import { tokenNode, userNode } from '../auth/auth.nodes.ts';
import { fromGlobalId } from './relay.ts';
import { datasetVersionNode, trainingRunNode } from '../datasets/dataset.resolver.ts';
import { referenceFileNode } from '../distributions/distribution.resolver.ts';
import { webhookNode } from '../webhooks/webhook.resolver.ts';
import { auditNode } from '../audit/audit.nodes.ts';
import { invitationNode } from '../invitations/invitation.resolver.ts';

/** Every type that implements Node; a test compares this list with the schema. */
export const NODE_TYPES = [
  'Team', 'Project', 'Membership', 'ApiToken', 'Model', 'ConditionDistribution', 'DistributionVersion', 'Cohort', 'Volume', 'User',
  'DatasetVersion', 'Webhook', 'TrainingRun', 'ReferenceFile', 'AuditEvent', 'Invitation',
] as const;

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global ID, with the same permission checks as its own query.' })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Node | null> {
    const { type, id: raw } = fromGlobalId(id);
    const s = ctx.services;
    switch (type) {
      case 'Team':
        return teamNode(await s.teams.getTeam(ctx, raw));
      case 'Project':
        return projectNode(await s.projects.getProject(ctx, raw));
      case 'Membership':
        return membershipNode(await s.teams.getMembership(ctx, raw));
      case 'ApiToken':
        return tokenNode(await s.auth.getToken(ctx, raw));
      case 'Model':
        ctx.access.requireActor();
        return modelNode((await s.models.get(raw)).row);
      case 'ConditionDistribution':
        return distributionNode(await s.distributions.get(ctx, raw));
      case 'DistributionVersion':
        return versionNode(await s.distributions.getVersion(ctx, raw));
      case 'Cohort':
        return cohortNode(await s.cohorts.get(ctx, raw));
      case 'Volume':
        return volumeNode(await s.cohorts.getVolume(ctx, raw));
      case 'User': {
        const a = ctx.access.requireActor();
        const self = a.kind === 'user' ? a.userId : a.createdById;
        if (raw !== self) throw notFound('User', id);
        const u = await ctx.loaders.user.load(raw);
        return u ? userNode(u) : null;
      }
      case 'DatasetVersion':
        return datasetVersionNode(await s.datasets.get(ctx, raw));
      case 'Webhook':
        return webhookNode(await s.webhooks.get(ctx, raw));
      case 'TrainingRun':
        return trainingRunNode(await s.datasets.getTrainingRun(ctx, raw));
      case 'ReferenceFile':
        return referenceFileNode(await s.references.get(ctx, raw));
      case 'AuditEvent':
        return auditNode(await s.audit.get(ctx, raw));
      case 'Invitation':
        return invitationNode(await s.invitations.get(ctx, raw));
      default:
        throw new DomainError(ErrorCode.NOT_FOUND, `Object ${JSON.stringify(id)} was not found`, { id });
    }
  }
}
