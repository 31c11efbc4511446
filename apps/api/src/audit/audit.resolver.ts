import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { User } from '../auth/auth.types.ts';
import type { Context } from '../graphql/context.ts';
import { auditNode } from './audit.nodes.ts';
import { userNode } from '../auth/auth.nodes.ts';
import { fromGlobalId, bigNumberCursor, PageArgs, pageOf, toConnection } from '../graphql/relay.ts';
import { AuditEvent, AuditEventConnection, AuditFilterInput } from './audit.types.ts';

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Query(() => AuditEventConnection, { description: 'The team\'s audit log, newest first (admins).' })
  async auditEvents(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('filter', () => AuditFilterInput, { nullable: true }) filter: AuditFilterInput | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: Context,
  ) {
    const p = pageOf(page, bigNumberCursor);
    const rows = await ctx.services.audit.list(
      ctx,
      {
        teamId: fromGlobalId(teamId, 'Team').id,
        actorUserId: filter?.actorId ? fromGlobalId(filter.actorId, 'User').id : undefined,
        action: filter?.action ?? undefined,
        since: filter?.since ?? undefined,
        until: filter?.until ?? undefined,
      },
      p.keyset,
    );
    return toConnection(rows, p, (r) => r.id.toString(), auditNode);
  }

  @FieldResolver(() => User, { nullable: true })
  async actor(@Root() e: AuditEvent, @Ctx() ctx: Context) {
    if (!e.actorUserId) return null;
    const u = await ctx.loaders.user.load(e.actorUserId);
    return u ? userNode(u) : null;
  }
}
