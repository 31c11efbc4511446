import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context.ts';
import { projectNode } from './project.nodes.ts';
import { teamNode } from '../teams/team.nodes.ts';
import { withUserErrors } from '../graphql/payload.ts';
import { fromGlobalId } from '../graphql/relay.ts';
import { Team } from '../teams/team.types.ts';
import { CreateProjectInput, Project, ProjectPayload, UpdateProjectInput } from './project.types.ts';

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => Project, { description: 'A project of one of your teams (NOT_FOUND otherwise).' })
  async project(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return projectNode(await ctx.services.projects.getProject(ctx, fromGlobalId(id, 'Project').id));
  }

  @FieldResolver(() => Team, { nullable: true })
  async team(@Root() p: Project, @Ctx() ctx: Context) {
    const t = await ctx.loaders.team.load(p.teamId);
    return t ? teamNode(t) : null;
  }

  @Mutation(() => ProjectPayload)
  createProject(@Arg('input', () => CreateProjectInput) input: CreateProjectInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({
      project: projectNode(await ctx.services.projects.create(ctx, { ...input, teamId: fromGlobalId(input.teamId, 'Team').id })),
    }));
  }

  @Mutation(() => ProjectPayload)
  updateProject(@Arg('input', () => UpdateProjectInput) input: UpdateProjectInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({
      project: projectNode(await ctx.services.projects.update(ctx, { ...input, projectId: fromGlobalId(input.projectId, 'Project').id })),
    }));
  }

  @Mutation(() => ProjectPayload)
  archiveProject(@Arg('projectId', () => ID) projectId: string, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({ project: projectNode(await ctx.services.projects.archive(ctx, fromGlobalId(projectId, 'Project').id)) }));
  }
}
