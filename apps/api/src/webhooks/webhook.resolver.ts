import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSON } from 'graphql-scalars';
import type { Context } from '../graphql/context.ts';
import { Node, UserError } from '../graphql/common.types.ts';
import { withUserErrors } from '../graphql/payload.ts';
import { fromGlobalId, toGlobalId } from '../graphql/relay.ts';
import type { DeliveryRow, WebhookRow } from './webhook.repository.ts';
import { WEBHOOK_EVENT_DESCRIPTIONS, WEBHOOK_EVENTS } from './webhook.service.ts';

@ObjectType({ description: 'An event a webhook may subscribe to.' })
export class WebhookEventType {
  @Field(() => String, { description: 'The name to subscribe with (CreateWebhookInput.events), e.g. cohort.completed.' }) name!: string;
  @Field(() => String) description!: string;
}

@ObjectType({ implements: Node, description: 'An HTTPS endpoint notified of events, with HMAC-SHA256 signatures.' })
export class Webhook extends Node {
  @Field(() => String) url!: string;
  @Field(() => [String], { description: 'cohort.completed, dataset.published' }) events!: string[];
  @Field(() => Boolean) active!: boolean;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  rawId!: string;
}

@ObjectType({ description: 'One delivery attempt series of an event to a webhook.' })
export class WebhookDelivery {
  @Field(() => ID) id!: string;
  @Field(() => String) event!: string;
  @Field(() => String, { description: 'PENDING, DELIVERED or FAILED (gave up).' }) status!: string;
  @Field(() => Int) attempts!: number;
  @Field(() => Int, { nullable: true }) responseCode!: number | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => GraphQLJSON) payload!: unknown;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true }) deliveredAt!: Date | null;
}

@InputType()
export class CreateWebhookInput {
  @Field(() => ID) teamId!: string;
  @Field(() => String) url!: string;
  @Field(() => [String]) events!: string[];
}

@ObjectType()
export class CreateWebhookPayload {
  @Field(() => Webhook, { nullable: true }) webhook?: Webhook | null;
  @Field(() => String, { nullable: true, description: 'Signing secret, shown once: verify x-slicewise-signature = sha256=HMAC(secret, "<x-slicewise-timestamp>.<body>").' })
  secret?: string | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class WebhookPayload {
  @Field(() => Webhook, { nullable: true }) webhook?: Webhook | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

export const webhookNode = (w: WebhookRow) =>
  Object.assign(new Webhook(), { id: toGlobalId('Webhook', w.id), rawId: w.id, url: w.url, events: w.events, active: w.active, createdAt: w.createdAt });
const deliveryNode = (d: DeliveryRow): WebhookDelivery => ({ ...d, id: d.id, responseCode: d.responseCode, lastError: d.lastError });

@Resolver(() => Webhook)
export class WebhookResolver {
  @Query(() => [WebhookEventType], { description: 'The events webhooks may subscribe to. Needs no sign-in.' })
  webhookEvents(): WebhookEventType[] {
    return WEBHOOK_EVENTS.map((name) => ({ name, description: WEBHOOK_EVENT_DESCRIPTIONS[name] }));
  }

  @Query(() => [Webhook], { description: 'The team\'s webhooks (admins).' })
  async webhooks(@Arg('teamId', () => ID) teamId: string, @Ctx() ctx: Context) {
    return (await ctx.services.webhooks.list(ctx, fromGlobalId(teamId, 'Team').id)).map(webhookNode);
  }

  @Mutation(() => CreateWebhookPayload)
  createWebhook(@Arg('input', () => CreateWebhookInput) input: CreateWebhookInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => {
      const r = await ctx.services.webhooks.create(ctx, { ...input, teamId: fromGlobalId(input.teamId, 'Team').id });
      return { webhook: webhookNode(r.webhook), secret: r.secret };
    });
  }

  @Mutation(() => WebhookPayload, { description: 'Stop deliveries to a webhook (the log is kept).' })
  deleteWebhook(@Arg('webhookId', () => ID) webhookId: string, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({ webhook: webhookNode(await ctx.services.webhooks.deactivate(ctx, fromGlobalId(webhookId, 'Webhook').id)) }));
  }

  @FieldResolver(() => [WebhookDelivery], { description: 'Delivery log, newest first.' })
  async deliveries(@Root() w: Webhook, @Arg('limit', () => Int, { defaultValue: 50 }) limit: number, @Ctx() ctx: Context) {
    return (await ctx.services.webhooks.deliveries(w.rawId, Math.min(Math.max(limit, 1), 100))).map(deliveryNode);
  }
}
