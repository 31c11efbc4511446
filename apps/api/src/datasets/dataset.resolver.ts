import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { diffManifests } from '@slicewise/datasets';
import { User } from '../auth/auth.types.ts';
import type { Context } from '../graphql/context.ts';
import { userNode } from '../auth/auth.nodes.ts';
import { projectNode } from '../projects/project.nodes.ts';
import { numberCursor } from '../graphql/relay.ts';
import type { Manifest } from '@slicewise/datasets';
import { withUserErrors } from '../graphql/payload.ts';
import { encodeCursor, fromGlobalId, PageArgs, pageOf, timeCursor, toConnection, toGlobalId } from '../graphql/relay.ts';
import { Project } from '../projects/project.types.ts';
import type { DatasetVersionRow } from './dataset.repository.ts';
import { signExport } from './export-link.ts';
import {
  DatasetCohortSource,
  DatasetFileConnection,
  DatasetTagInfo,
  DatasetDiff,
  DatasetVersion,
  DatasetVersionConnection,
  DatasetVersionPayload,
  ExportLink,
  PublishDatasetVersionInput,
  PublishDatasetVersionPayload,
  RegisterTrainingRunInput,
  TrainingRun,
  TrainingRunPayload,
} from './dataset.types.ts';

export const datasetVersionNode = (r: DatasetVersionRow): DatasetVersion => {
  const gid = toGlobalId('DatasetVersion', r.id);
  return Object.assign(new DatasetVersion(), {
    id: gid,
    rawId: r.id,
    projectId: r.projectId,
    dataset: r.dataset,
    manifestHash: r.manifestHash,
    volumeCount: r.volumeCount,
    description: r.description,
    createdAt: r.createdAt,
    createdById: r.createdById,
    manifest: r.manifestText ? JSON.parse(r.manifestText) : r.manifest,
    exportUrl: `/datasets/versions/${gid}/export.tar`,
    manifestUrl: `/datasets/versions/${gid}/manifest.json`,
  });
};

export const trainingRunNode = (r: { id: string; name: string; url: string | null; metadata: unknown; createdAt: Date; datasets: { datasetVersionId: string }[] }) =>
  Object.assign(new TrainingRun(), {
    id: toGlobalId('TrainingRun', r.id),
    name: r.name,
    url: r.url,
    metadata: r.metadata as Record<string, unknown>,
    createdAt: r.createdAt,
    datasetVersionIds: r.datasets.map((d) => d.datasetVersionId),
  });

@ArgsType()
class DatasetPageArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only this dataset.' }) dataset?: string | null;
}

@Resolver(() => DatasetVersion)
export class DatasetResolver {
  @Query(() => DatasetVersion)
  async datasetVersion(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return datasetVersionNode(await ctx.services.datasets.get(ctx, fromGlobalId(id, 'DatasetVersion').id));
  }

  @Query(() => DatasetVersion, { description: 'Resolve `<dataset>@<tag-or-hash>` in a project.' })
  async datasetVersionByRef(@Arg('projectId', () => ID) projectId: string, @Arg('dataset', () => String) dataset: string, @Arg('ref', () => String) ref: string, @Ctx() ctx: Context) {
    return datasetVersionNode(await ctx.services.datasets.resolve(ctx, fromGlobalId(projectId, 'Project').id, dataset, ref));
  }

  @Query(() => DatasetDiff, { description: 'What changed from version a to version b: volumes and condition distributions.' })
  async diffDatasetVersions(@Arg('a', () => ID) a: string, @Arg('b', () => ID) b: string, @Ctx() ctx: Context) {
    const va = await ctx.services.datasets.get(ctx, fromGlobalId(a, 'DatasetVersion').id);
    const vb = await ctx.services.datasets.get(ctx, fromGlobalId(b, 'DatasetVersion').id);
    return diffManifests(ctx.services.datasets.manifestOf(va), ctx.services.datasets.manifestOf(vb));
  }

  @Query(() => GraphQLJSON, { description: 'Audit a file by sha256: version -> cohort -> request -> distribution -> condition -> seed -> model -> worker.' })
  async traceFile(@Arg('sha256', () => String) sha256: string, @Ctx() ctx: Context) {
    return ctx.services.datasets.traceFile(ctx, sha256);
  }

  @Mutation(() => PublishDatasetVersionPayload, { description: 'Publish (or find) the version holding exactly this content, and point tags at it.' })
  publishDatasetVersion(@Arg('input', () => PublishDatasetVersionInput) input: PublishDatasetVersionInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => {
      const r = await ctx.services.datasets.publish(ctx, {
        projectId: fromGlobalId(input.projectId, 'Project').id,
        ...(input.dataset ? { dataset: input.dataset } : {}),
        cohortIds: input.cohortIds.map((id) => fromGlobalId(id, 'Cohort').id),
        onlyAccepted: input.onlyAccepted ?? false,
        ...(input.volumeIds ? { volumeIds: input.volumeIds.map((id) => fromGlobalId(id, 'Volume').id) } : {}),
        tags: input.tags ?? [],
        description: input.description ?? '',
        ...(input.qcWaiver != null ? { qcWaiver: input.qcWaiver } : {}),
      });
      return { datasetVersion: datasetVersionNode(r.version), created: r.created, qcFailedLeftOut: r.qcFailedLeftOut };
    });
  }

  @Mutation(() => DatasetVersionPayload, { description: 'Point a tag (v3, latest, approved) at a version of the same dataset; moves are audited.' })
  moveDatasetTag(@Arg('datasetVersionId', () => ID) datasetVersionId: string, @Arg('name', () => String) name: string, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({ datasetVersion: datasetVersionNode(await ctx.services.datasets.moveTag(ctx, { datasetVersionId: fromGlobalId(datasetVersionId, 'DatasetVersion').id, name })) }));
  }

  @Mutation(() => TrainingRunPayload, { description: 'Lineage: record that a training run used dataset versions.' })
  registerTrainingRun(@Arg('input', () => RegisterTrainingRunInput) input: RegisterTrainingRunInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({
      trainingRun: trainingRunNode(
        await ctx.services.datasets.registerTrainingRun(ctx, {
          ...input,
          projectId: fromGlobalId(input.projectId, 'Project').id,
          datasetVersionIds: input.datasetVersionIds.map((id) => fromGlobalId(id, 'DatasetVersion').id),
        }),
      ),
    }));
  }

  @Mutation(() => ExportLink, { description: 'A short-lived link to the export archive that needs no credentials (for tools that cannot send a token).' })
  async createExportLink(@Arg('datasetVersionId', () => ID) datasetVersionId: string, @Arg('ttlSeconds', () => Int, { defaultValue: 900 }) ttlSeconds: number, @Ctx() ctx: Context) {
    const l = await ctx.services.datasets.exportLink(ctx, fromGlobalId(datasetVersionId, 'DatasetVersion').id, ttlSeconds, (id, exp) => signExport(ctx.signingSecret, id, exp));
    return { url: `/datasets/signed/${datasetVersionId}/export.tar?expires=${l.expires}&signature=${l.signature}`, expiresAt: new Date(l.expires * 1000) };
  }

  @FieldResolver(() => [String])
  async tags(@Root() v: DatasetVersion, @Ctx() ctx: Context) {
    return (await ctx.services.datasets.tagsOf([v.rawId])).map((t) => t.name);
  }

  @FieldResolver(() => Project, { nullable: true, description: 'The project (its slug is the CLI\'s `<project>`).' })
  async project(@Root() v: DatasetVersion, @Ctx() ctx: Context) {
    const p = await ctx.loaders.project.load(v.projectId);
    return p ? projectNode(p) : null;
  }

  @FieldResolver(() => Float, { description: 'Bytes of all its files.' })
  totalBytes(@Root() v: DatasetVersion): number {
    return (v.manifest as Manifest).totals.bytes;
  }

  @FieldResolver(() => DatasetFileConnection, { description: 'Its files in manifest order (images and masks, with sha256 and size).' })
  files(@Root() v: DatasetVersion, @Args(() => PageArgs) page: PageArgs): DatasetFileConnection {
    const m = v.manifest as Manifest;
    const subject = new Map(m.volumes.map((x) => [x.id, x.subjectIndex]));
    const p = pageOf(page, numberCursor);
    const indices = m.files.map((_, i) => i);
    const rows = (p.keyset.backward ? indices.filter((i) => p.keyset.cursor === undefined || i < p.keyset.cursor).reverse() : indices.filter((i) => p.keyset.cursor === undefined || i > p.keyset.cursor)).slice(0, p.keyset.take);
    const c = toConnection(rows, p, String, (i) => {
      const f = m.files[i]!;
      return { path: f.path, kind: f.kind, sha256: f.sha256, bytes: f.bytes, subjectIndex: subject.get(f.volumeId) ?? -1, volumeId: toGlobalId('Volume', f.volumeId) };
    });
    return { ...c, totalCount: m.files.length };
  }

  @FieldResolver(() => [DatasetCohortSource], { description: 'Lineage in: the cohorts its volumes come from.' })
  cohorts(@Root() v: DatasetVersion): DatasetCohortSource[] {
    const m = v.manifest as Manifest;
    return m.cohorts.map((c) => ({
      cohortId: toGlobalId('Cohort', c.id),
      name: c.name,
      volumeCount: m.volumes.filter((x) => x.cohortId === c.id).length,
      model: `${c.model.name} ${c.model.version}`,
      distributionVersion: Number(c.distributionVersion.version),
    }));
  }

  @FieldResolver(() => [DatasetTagInfo], { description: 'Every tag of this dataset (in its project) and the version it points at now: what a tag move changes.' })
  async datasetTags(@Root() v: DatasetVersion, @Ctx() ctx: Context): Promise<DatasetTagInfo[]> {
    return (await ctx.services.datasets.tagsOfDataset(v.projectId, v.dataset)).map((t) => ({
      name: t.name,
      datasetVersionId: toGlobalId('DatasetVersion', t.datasetVersionId),
      manifestHash: t.datasetVersion.manifestHash,
      updatedAt: t.updatedAt,
    }));
  }

  @FieldResolver(() => GraphQLJSON, { description: 'The manifest: files with sha256 and size, conditions, review, provenance.' })
  manifest(@Root() v: DatasetVersion) {
    return v.manifest;
  }

  @FieldResolver(() => User, { nullable: true })
  async createdBy(@Root() v: DatasetVersion, @Ctx() ctx: Context) {
    if (!v.createdById) return null;
    const u = await ctx.loaders.user.load(v.createdById);
    return u ? userNode(u) : null;
  }

  @FieldResolver(() => [TrainingRun], { description: 'Training runs that used this version.' })
  async trainingRuns(@Root() v: DatasetVersion, @Ctx() ctx: Context) {
    return (await ctx.services.datasets.trainingRunsUsing(v.rawId)).map(trainingRunNode);
  }
}

@Resolver(() => TrainingRun)
export class TrainingRunResolver {
  @FieldResolver(() => [DatasetVersion], { description: 'Dataset versions this run used.' })
  async datasetVersions(@Root() r: TrainingRun, @Ctx() ctx: Context) {
    const out: DatasetVersion[] = [];
    for (const id of r.datasetVersionIds) out.push(datasetVersionNode(await ctx.services.datasets.get(ctx, id)));
    return out;
  }
}

@Resolver(() => Project)
export class ProjectDatasetsResolver {
  @FieldResolver(() => DatasetVersionConnection)
  async datasetVersions(@Root() p: Project, @Args(() => DatasetPageArgs) page: DatasetPageArgs, @Ctx() ctx: Context) {
    const pg = pageOf(page, timeCursor);
    const rows = await ctx.services.datasets.listForProject(p.rawId, pg.keyset, page.dataset ?? undefined);
    return toConnection(rows, pg, encodeCursor, datasetVersionNode);
  }
}
