// Which rule of the permission matrix guards each GraphQL operation. The permission test enumerates
// the schema and fails for an operation missing here, so a new operation cannot ship without a rule.
import type { Action } from './permissions.ts';

export type OperationRule =
  | { kind: 'public' }
  /** Any signed-in user or token; acts only on the caller's own data. */
  | { kind: 'self' }
  | { kind: 'team'; action: Action; write: boolean }
  /** node(id): the rule of the object's own query applies. */
  | { kind: 'node' };

export const OPERATIONS: Record<string, OperationRule> = {
  // Queries
  viewer: { kind: 'public' },
  teams: { kind: 'self' },
  node: { kind: 'node' },
  team: { kind: 'team', action: 'team.read', write: false },
  project: { kind: 'team', action: 'project.read', write: false },
  apiTokens: { kind: 'team', action: 'token.list', write: false },
  auditEvents: { kind: 'team', action: 'audit.read', write: false },
  models: { kind: 'self' },
  cohortEstimate: { kind: 'self' },
  previewDistribution: { kind: 'self' },
  distribution: { kind: 'team', action: 'project.read', write: false },
  cohort: { kind: 'team', action: 'project.read', write: false },
  volume: { kind: 'team', action: 'project.read', write: false },
  cohortsAwaitingApproval: { kind: 'team', action: 'project.read', write: false },
  datasetVersion: { kind: 'team', action: 'project.read', write: false },
  datasetVersionByRef: { kind: 'team', action: 'project.read', write: false },
  diffDatasetVersions: { kind: 'team', action: 'project.read', write: false },
  traceFile: { kind: 'self' },
  webhooks: { kind: 'team', action: 'webhook.manage', write: false },
  webhookEvents: { kind: 'public' },
  instance: { kind: 'public' },
  invitationPreview: { kind: 'public' },
  // Mutations
  signUp: { kind: 'public' },
  signIn: { kind: 'public' },
  signOut: { kind: 'self' },
  createTeam: { kind: 'self' },
  updateTeam: { kind: 'team', action: 'team.update', write: true },
  addMember: { kind: 'team', action: 'member.add', write: true },
  changeMemberRole: { kind: 'team', action: 'member.changeRole', write: true },
  removeMember: { kind: 'team', action: 'member.remove', write: true },
  createApiToken: { kind: 'team', action: 'token.create', write: true },
  revokeApiToken: { kind: 'team', action: 'token.revoke', write: true },
  createProject: { kind: 'team', action: 'project.create', write: true },
  updateProject: { kind: 'team', action: 'project.update', write: true },
  archiveProject: { kind: 'team', action: 'project.archive', write: true },
  createDistribution: { kind: 'team', action: 'distribution.write', write: true },
  addDistributionVersion: { kind: 'team', action: 'distribution.write', write: true },
  createEmpiricalDistribution: { kind: 'team', action: 'distribution.write', write: true },
  requestCohort: { kind: 'team', action: 'cohort.request', write: true },
  cancelCohort: { kind: 'team', action: 'cohort.cancel', write: true },
  retryFailedVolumes: { kind: 'team', action: 'cohort.retry', write: true },
  approveCohort: { kind: 'team', action: 'cohort.approve', write: true },
  rejectCohort: { kind: 'team', action: 'cohort.approve', write: true },
  reviewVolume: { kind: 'team', action: 'volume.review', write: true },
  publishDatasetVersion: { kind: 'team', action: 'dataset.publish', write: true },
  moveDatasetTag: { kind: 'team', action: 'dataset.tag', write: true },
  registerTrainingRun: { kind: 'team', action: 'lineage.write', write: true },
  createWebhook: { kind: 'team', action: 'webhook.manage', write: true },
  deleteWebhook: { kind: 'team', action: 'webhook.manage', write: true },
  createExportLink: { kind: 'team', action: 'project.read', write: false },
  createInvitation: { kind: 'team', action: 'member.add', write: true },
  revokeInvitation: { kind: 'team', action: 'member.add', write: true },
  acceptInvitation: { kind: 'self' },
};
