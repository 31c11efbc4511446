// The whole path of one cohort: requestCohort through the API -> a real worker PROCESS claims the
// jobs -> ONNX inference (tiny-random model) -> NIfTI files in storage -> provenance -> progress,
// download with a matching sha256, and files that nibabel reads.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Caller, type Harness } from './harness.ts';
import { startWorkerProcess, type WorkerProcess } from './worker-process.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const execFileAsync = promisify(execFile);
/** Like spawnSync's result, without blocking this process. */
async function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  try {
    const r = await execFileAsync(cmd, args, { ...opts, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { status: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof x.code === 'number' ? x.code : 1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}
let h: Harness;
let owner: Caller;
let worker: WorkerProcess;

beforeAll(async () => {
  h = await startHarness();
  owner = await h.signUp('owner@example.org');
  worker = await startWorkerProcess(h, { LOG_LEVEL: 'info', ORT_INTRA_OP_THREADS: '1' });
});
afterAll(async () => {
  await worker?.stop();
  await h.close();
});

describe('a cohort from request to files', () => {
  it('generates every volume, records provenance, and serves files whose hashes match', async () => {
    const teamId = await h.createTeam(owner, 'Gen');
    const projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "G" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
    const modelId = (await h.gql('{ models { id name } }', {}, owner)).data.models.find((m: any) => m.name === 'tiny-random').id;
    const d = await h.gql(
      'mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } userErrors { message } } }',
      { i: { projectId, modelId, name: 'anywhere', spec: { version: 1, kind: 'parametric' } } },
      owner,
    );
    const r = await h.gql('mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id seed } userErrors { message } } }', {
      // quality control is tested below: the random-weight fixture fails it by design
      i: { projectId, distributionVersionId: d.data.createDistribution.version.id, modelId, size: 3, seed: 1234, preview: true, qc: { enabled: false } },
    }, owner);
    const cohortId = r.data.requestCohort.cohort.id;
    const Q = `query($c: ID!) { cohort(id: $c) { status progress { total done failed etaSeconds volumesPerMinute }
      volumes(first: 10) { edges { node { id subjectIndex status error imageSha256 maskSha256 imageUrl maskUrl requestedCondition measuredCondition provenance attempts attemptHistory { number round workerId outcome startedAt endedAt } } } } } }`;
    let c: any;
    const deadline = Date.now() + 90_000;
    do {
      await new Promise((res) => setTimeout(res, 500));
      c = (await h.gql(Q, { c: cohortId }, owner)).data.cohort;
    } while (c.status !== 'COMPLETED' && c.status !== 'FAILED' && Date.now() < deadline);
    expect(c.status, worker.log().slice(-3000)).toBe('COMPLETED');
    expect(c.progress).toMatchObject({ total: 3, done: 3, failed: 0, etaSeconds: 0 });
    const vols = c.volumes.edges.map((e: any) => e.node);
    expect(vols.map((v: any) => v.subjectIndex)).toEqual([0, 1, 2]);
    for (const v of vols) {
      expect(v.status).toBe('SUCCEEDED');
      expect(v.attempts).toBe(1);
      expect(v.attemptHistory).toEqual([expect.objectContaining({ number: 1, round: 0, outcome: 'SUCCEEDED', endedAt: expect.any(String) })]);
      expect(v.provenance).toMatchObject({ seeds: { cohortSeed: '1234' } });
      expect(JSON.stringify(v.provenance)).toContain('tiny-random');
      expect(v.requestedCondition).toBeTruthy();
      expect(v.measuredCondition).toBeTruthy();
      for (const [url, sha] of [[v.imageUrl, v.imageSha256], [v.maskUrl, v.maskSha256]]) {
        const res = await fetch(`${h.url}${url}`, { headers: { cookie: owner.cookie! } });
        expect(res.status).toBe(200);
        const bytes = Buffer.from(await res.arrayBuffer());
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha);
      }
    }
    // Independent reader: nibabel opens both files with the model's shape, a mask with label intent.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-gen-'));
    for (const [name, url] of [['image.nii.gz', vols[0].imageUrl], ['mask.nii.gz', vols[0].maskUrl]]) {
      const res = await fetch(`${h.url}${url}`, { headers: { cookie: owner.cookie! } });
      fs.writeFileSync(path.join(tmp, name), Buffer.from(await res.arrayBuffer()));
    }
    // child processes run asynchronously: the API serves from this process, and a blocked event loop
    // makes it close keep-alive sockets under the next request (ECONNRESET)
    const py = await run('/usr/bin/python3', ['-c', `
import nibabel as nib, numpy as np, json, sys
i = nib.load(sys.argv[1]); m = nib.load(sys.argv[2])
d = m.get_fdata()
print(json.dumps({"ishape": list(i.shape), "mshape": list(m.shape), "idtype": str(i.get_data_dtype()), "mdtype": str(m.get_data_dtype()),
  "intent": m.header.get_intent()[0], "labels": sorted(set(np.unique(d).astype(int).tolist()))}))`, path.join(tmp, 'image.nii.gz'), path.join(tmp, 'mask.nii.gz')]);
    fs.rmSync(tmp, { recursive: true, force: true });
    if (py.status === 0) {
      const info = JSON.parse(py.stdout);
      expect(info).toMatchObject({ ishape: [16, 16, 16], mshape: [16, 16, 16], idtype: 'float32', mdtype: 'uint8', intent: 'label' });
      expect(info.labels.every((l: number) => l === 0 || l === 1)).toBe(true);
    } else {
      expect(py.stderr).toMatch(/No module named/); // nibabel missing: only acceptable reason to skip
    }
    // Replay audit: publish the cohort as a version, regenerate 2 sampled volumes from provenance.
    const pub = await h.gql('mutation($p: ID!, $c: [ID!]!) { publishDatasetVersion(input: { projectId: $p, cohortIds: $c }) { datasetVersion { id } userErrors { message } } }', { p: projectId, c: [cohortId] }, owner);
    const rawVersion = Buffer.from(pub.data.publishDatasetVersion.datasetVersion.id, 'base64url').toString().split(':')[1]!;
    const audit = await run(process.execPath, ['--import', 'tsx', 'src/replay/replay-audit-cli.ts', rawVersion, '--k', '2'], {
      cwd: path.join(root, 'apps/worker'),
      env: { ...process.env, DATABASE_URL: h.dbUrl, STORAGE_DIR: h.storageDir, MODELS_DIR: path.join(root, 'models'), LOG_LEVEL: 'silent' },
    });
    expect(audit.status, audit.stderr).toBe(0);
    const report = JSON.parse(audit.stdout.trim().split('\n').at(-1)!);
    expect(report).toMatchObject({ volumes: 3, sampled: 2, identical: 2, different: 0, maxImageAbsDiff: 0, minMaskDice: 1 });
  }, 200_000);

  it('random weights fail quality control: every try is reported with its reasons, volumes end QC_FAILED, the cohort completes', async () => {
    const teamId = await h.createTeam(owner, 'Gen QC');
    const projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "Q" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
    const modelId = (await h.gql('{ models { id name } }', {}, owner)).data.models.find((m: any) => m.name === 'tiny-random').id;
    const d = await h.gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId, modelId, name: 'qc', spec: { version: 1, kind: 'parametric' } } }, owner);
    const r = await h.gql(
      'mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id qcSettings { enabled maxTries tolerances { feature abs } brainOutline { minDice } } } userErrors { message } } }',
      { i: { projectId, distributionVersionId: d.data.createDistribution.version.id, modelId, size: 2, seed: 99, preview: true, qc: { maxTries: 2, tolerances: [{ feature: 'voxel_volume', abs: 0.2 }] } } },
      owner,
    );
    expect(r.data.requestCohort.userErrors).toEqual([]);
    const cohort = r.data.requestCohort.cohort;
    expect(cohort.qcSettings).toMatchObject({ enabled: true, maxTries: 2, brainOutline: { minDice: 0.6 } });
    expect(cohort.qcSettings.tolerances).toContainEqual({ feature: 'voxel_volume', abs: 0.2 });
    const Q = `query($c: ID!) { cohort(id: $c) { status progress { total done qcFailed } adherence
      volumes(first: 10) { edges { node { status error qc { status acceptedTry reasons tries { index noiseKey passed checks { name passed reason } } } } } } } }`;
    let c: any;
    const deadline = Date.now() + 90_000;
    do {
      await new Promise((res) => setTimeout(res, 500));
      c = (await h.gql(Q, { c: cohort.id }, owner)).data.cohort;
    } while (c.status !== 'COMPLETED' && c.status !== 'FAILED' && Date.now() < deadline);
    expect(c.status, worker.log().slice(-3000)).toBe('COMPLETED');
    expect(c.progress).toMatchObject({ total: 2, done: 0, qcFailed: 2 });
    // the adherence report counts them: 2 checked, none passed, 2 regenerations (2 tries each)
    expect(c.adherence).toMatchObject({ schema: 'slicewise-adherence/1', counts: { volumes: 2 }, qc: { checked: 2, passed: 0, failed: 2, passRate: 0, regenerations: 2 } });
    expect(c.adherence.features.map((f: any) => f.feature)).toContain('voxel_volume');
    for (const { node: v } of c.volumes.edges) {
      expect(v.status).toBe('QC_FAILED');
      expect(v.error).toMatch(/quality control failed on all 2 tries/);
      expect(v.qc.status).toBe('FAILED');
      expect(v.qc.tries.map((t: any) => [t.index, t.noiseKey, t.passed])).toEqual([[0, 0, false], [1, 1, false]]);
      expect(v.qc.acceptedTry).toBe(1);
      expect(v.qc.reasons.length).toBeGreaterThan(0);
    }
  }, 120_000);
});
