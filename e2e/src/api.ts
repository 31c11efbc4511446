// Direct GraphQL calls for test setup and for "the API refuses even if the UI is bypassed".
export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
  cookie?: string;
}

export async function gql<T = any>(apiUrl: string, query: string, variables: Record<string, unknown> = {}, auth: { cookie?: string; bearer?: string } = {}): Promise<GqlResult<T>> {
  const r = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(auth.cookie ? { cookie: auth.cookie } : {}),
      ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await r.json()) as { data?: T; errors?: GqlResult['errors'] };
  return { status: r.status, ...body, cookie: /sw_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0] };
}

/** A user made through the API (not the UI), signed in: returns the session cookie. */
export async function signUpViaApi(apiUrl: string, u: { email: string; name: string; password: string }): Promise<string> {
  const r = await gql(apiUrl, 'mutation($i: SignUpInput!) { signUp(input: $i) { user { id } userErrors { message } } }', { i: u });
  if (!r.cookie) throw new Error(`sign-up of ${u.email} failed: ${JSON.stringify(r)}`);
  return r.cookie;
}

/** A team, a project and a distribution made through the API; returns their ids and the model's. */
export async function seedProject(apiUrl: string, cookie: string, names: { team: string; project: string; model?: string; spec?: Record<string, unknown> }) {
  const team = await gql(apiUrl, 'mutation($n: String!) { createTeam(input: { name: $n }) { team { id } } }', { n: names.team }, { cookie });
  const teamId: string = team.data.createTeam.team.id;
  const p = await gql(apiUrl, 'mutation($t: ID!, $n: String!) { createProject(input: { teamId: $t, name: $n }) { project { id slug } } }', { t: teamId, n: names.project }, { cookie });
  const projectId: string = p.data.createProject.project.id;
  const models = await gql(apiUrl, '{ models { id name } }', {}, { cookie });
  const model = models.data.models.find((m: { name: string }) => m.name === (names.model ?? 'tiny-random'));
  if (!model) throw new Error(`model ${names.model ?? 'tiny-random'} is not registered: ${JSON.stringify(models.data.models)}`);
  const d = await gql(
    apiUrl,
    'mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { distribution { id } version { id } userErrors { message } } }',
    { i: { projectId, modelId: model.id, name: 'Small tumours', spec: names.spec ?? { version: 1, kind: 'parametric' } } },
    { cookie },
  );
  if (!d.data?.createDistribution?.version) throw new Error(`createDistribution failed: ${JSON.stringify(d)}`);
  return { teamId, projectId, projectSlug: p.data.createProject.project.slug as string, modelId: model.id as string, distributionId: d.data.createDistribution.distribution.id as string, versionId: d.data.createDistribution.version.id as string };
}

/** Requests a cohort and waits until it is final; returns its id and volume ids by subject. */
export async function generateCohort(apiUrl: string, cookie: string, s: { projectId: string; versionId: string; modelId: string }, size: number, seed: number, timeoutMs = 120_000) {
  const r = await gql(apiUrl, 'mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id } userErrors { message } } }', { i: { projectId: s.projectId, distributionVersionId: s.versionId, modelId: s.modelId, size, seed } }, { cookie });
  if (!r.data?.requestCohort?.cohort) throw new Error(`requestCohort failed: ${JSON.stringify(r)}`);
  const cohortId: string = r.data.requestCohort.cohort.id;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await gql(apiUrl, 'query($c: ID!) { cohort(id: $c) { status volumes(first: 100) { edges { node { id subjectIndex status } } } } }', { c: cohortId }, { cookie });
    const cohort = c.data.cohort;
    if (cohort.status === 'COMPLETED') {
      const nodes = cohort.volumes.edges.map((e: any) => e.node) as { id: string; status: string }[];
      // QC_FAILED volumes exist (files and all) but publishing leaves them out
      return { cohortId, volumeIds: nodes.map((n) => n.id), passedIds: nodes.filter((n) => n.status === 'SUCCEEDED').map((n) => n.id) };
    }
    if (cohort.status === 'FAILED' || cohort.status === 'CANCELLED') throw new Error(`cohort ${cohortId} ended ${cohort.status}`);
    if (Date.now() > deadline) throw new Error(`cohort ${cohortId} not done after ${timeoutMs / 1000} s (status ${cohort.status})`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

export async function publish(apiUrl: string, cookie: string, input: { projectId: string; cohortIds: string[]; volumeIds?: string[]; tags?: string[]; dataset?: string }): Promise<string> {
  const r = await gql(apiUrl, 'mutation($i: PublishDatasetVersionInput!) { publishDatasetVersion(input: $i) { datasetVersion { id } userErrors { message } } }', { i: input }, { cookie });
  if (!r.data?.publishDatasetVersion?.datasetVersion) throw new Error(`publish failed: ${JSON.stringify(r)}`);
  return r.data.publishDatasetVersion.datasetVersion.id;
}
