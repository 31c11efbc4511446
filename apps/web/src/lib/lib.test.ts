import { describe, expect, it } from 'vitest';
import { ApiError, splitUserErrors } from './graphql-client';
import { rowActionError } from './errors';
import { approvalThresholdError, emailError, httpUrlError, nameError, newPasswordError, safeNext, sizeError } from './validators';
import { defaultSpec, outlineCells, outsideTrainingRange, rangesOf, switchMarginal } from './spec';
import { featureValue } from './conditions';
import { can, ROLES, roleLabel, TeamAction } from './permissions';
import { describeError, errorLine } from './errors';
import { formatFeature, toPhysical, voxelSizeLabel } from './units';
import { maskCentroid } from './mask';
import { datasetSnippets, datasetSpec } from './use-dataset';
import { formatBytes, formatDuration } from './format';
import { isSignedOut, signInHref } from './session';

describe('splitUserErrors', () => {
  it('puts each error on the form field named by the last path element, the rest above the form', () => {
    const r = splitUserErrors(
      [
        { field: ['input', 'email'], message: 'taken', code: 'TAKEN' },
        { field: ['input', 'email'], message: 'second', code: 'INVALID' },
        { field: ['password'], message: 'short', code: 'INVALID' },
        { field: ['input', 'teamId'], message: 'unknown team', code: 'INVALID' },
        { field: [], message: 'general', code: 'INVALID' },
      ],
      ['email', 'password'],
    );
    expect(r.fields).toEqual({ email: 'taken', password: 'short' });
    expect(r.general).toEqual(['second', 'unknown team', 'general']);
  });
});

describe('validators mirror the API rules', () => {
  it('passwords: length, mix, distinct characters', () => {
    expect(newPasswordError('short1')).toMatch(/At least 10 characters \(6 so far\)/);
    expect(newPasswordError('onlyletterss')).toMatch(/Mix letters/);
    expect(newPasswordError('aaaaaaaaa1')).toMatch(/5 different/);
    expect(newPasswordError('correct-horse-7')).toBeNull();
  });
  it('emails and names', () => {
    expect(emailError('')).toMatch(/required/);
    expect(emailError('x@y')).toMatch(/not an email/);
    expect(emailError('a@b.org')).toBeNull();
    expect(nameError('Name')('   ')).toMatch(/required/);
    expect(nameError('Name', 3)('abcd')).toMatch(/at most 3/);
  });
  it('approval threshold: empty means never, else a whole number in 1..1000000', () => {
    expect(approvalThresholdError('')).toBeNull();
    expect(approvalThresholdError(1)).toBeNull();
    expect(approvalThresholdError(1_000_000)).toBeNull();
    expect(approvalThresholdError(0)).toMatch(/At least 1/);
    expect(approvalThresholdError(-5)).toMatch(/At least 1/);
    expect(approvalThresholdError(2.5)).toMatch(/whole number/);
    expect(approvalThresholdError('-')).toMatch(/whole number/);
    expect(approvalThresholdError(1_000_001)).toMatch(/At most 1000000/);
  });
  it('webhook URLs: absolute http(s)', () => {
    expect(httpUrlError('https://ci.example.org/hook')).toBeNull();
    expect(httpUrlError('http://127.0.0.1:9/hook')).toBeNull();
    expect(httpUrlError('')).toMatch(/required/);
    expect(httpUrlError('ftp://example.org')).toMatch(/https:\/\//);
    expect(httpUrlError('https://')).toMatch(/not a valid URL/);
  });
  it('safeNext only allows same-site paths', () => {
    expect(safeNext('/teams/x')).toBe('/teams/x');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});

describe('spec helpers', () => {
  const conditioning = { ranges: { min: [0.1, 0.2, 0.79, 0.3, 0.3, 0.3, 0.1, 0.1, 0.1], max: [1, 1, 0.97, 0.7, 0.7, 0.7, 0.5, 0.5, 0.5] } };
  it('reads training ranges and rejects malformed ones', () => {
    expect(rangesOf(conditioning)?.min[2]).toBe(0.79);
    expect(rangesOf({ ranges: { min: [1], max: [2] } })).toBeNull();
    expect(rangesOf(null)).toBeNull();
  });
  it('the default spec stays inside the training ranges', () => {
    const s = defaultSpec(rangesOf(conditioning));
    expect(s.features?.voxel_volume).toEqual({ type: 'uniform', min: 0.1, max: 1 });
    const sph = s.features?.sphericity as { min: number; max: number; mean: number };
    expect(sph.min).toBe(0.79);
    expect(sph.max).toBe(0.97);
    expect(sph.mean).toBeCloseTo(0.88, 3);
  });
  it('switching the marginal keeps the previous bounds (a mixture splits them in two)', () => {
    expect(switchMarginal('truncnormal', { type: 'uniform', min: 0.2, max: 0.6 }, 0, 1)).toEqual({ type: 'truncnormal', mean: 0.4, sd: 0.1, min: 0.2, max: 0.6 });
    expect(switchMarginal('fixed', undefined, 0.2, 0.4)).toEqual({ type: 'fixed', value: 0.3 });
    expect(switchMarginal('mixture', { min: 0.2, max: 0.6 }, 0, 1)).toEqual({
      type: 'mixture',
      components: [
        { weight: 0.5, dist: { type: 'uniform', min: 0.2, max: 0.4 } },
        { weight: 0.5, dist: { type: 'uniform', min: 0.4, max: 0.6 } },
      ],
    });
  });
  it('flags parameters beyond the training range, also inside mixtures', () => {
    expect(outsideTrainingRange({ type: 'uniform', min: 0.1, max: 0.9 }, 0.1, 1)).toEqual([]);
    expect(outsideTrainingRange({ type: 'uniform', min: 0.05, max: 1.2 }, 0.1, 1)).toEqual(['min 0.05 is below the training range (0.1–1)', 'max 1.2 is above the training range (0.1–1)']);
    expect(outsideTrainingRange({ type: 'fixed', value: 2 }, 0, 1)).toEqual(['value 2 is above the training range (0–1)']);
    expect(outsideTrainingRange({ type: 'mixture', components: [{ weight: 1, dist: { type: 'truncnormal', mean: 0.5, sd: 0.1, min: 0, max: 1.5 } }] }, 0.1, 1)).toEqual([
      'component 1: min 0 is below the training range (0.1–1)',
      'component 1: max 1.5 is above the training range (0.1–1)',
    ]);
    expect(outsideTrainingRange(undefined, 0, 1)).toEqual([]);
  });
  it('outline cells are the brain cells with a non-brain neighbour', () => {
    const rows = ['00000', '01110', '01110', '01110', '00000'];
    const cells = outlineCells(rows).map((c) => `${c.x - 0.5},${c.y - 0.5}`);
    expect(cells).toHaveLength(8);
    expect(cells).not.toContain('2,2');
  });
});

describe('conditions and roles', () => {
  it('reads a feature by name from a worker condition record', () => {
    const rec = { featureNames: ['voxel_volume', 'surface_area', 'sphericity', 'x', 'y', 'z', 'w', 'h', 'd'], vector: [0.5, 0.2, 0.8, 0.4, 0.5, 0.6, 0.1, 0.2, 0.3] };
    expect(featureValue(rec, 'z')).toBe(0.6);
    expect(featureValue({ vector: null }, 'z')).toBeNull();
    expect(featureValue(null, 'x')).toBeNull();
  });
  it('buttons follow the permissions the API sends; roles are listed most powerful first', () => {
    const viewer = [TeamAction.TeamRead, TeamAction.ProjectRead];
    expect(can(viewer, TeamAction.ProjectCreate)).toBe(false);
    expect(can([...viewer, TeamAction.ProjectCreate], TeamAction.ProjectCreate)).toBe(true);
    expect(can(null, TeamAction.TeamRead)).toBe(false);
    expect(ROLES).toEqual(['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']);
    expect(roleLabel('VIEWER')).toBe('Viewer');
  });
});

describe('rowActionError', () => {
  it('is null when the mutation worked, the joined userErrors when it refused, the message when it threw', async () => {
    expect(await rowActionError(async () => ({ userErrors: [] }))).toBeNull();
    expect(await rowActionError(async () => ({ userErrors: [{ message: 'The last owner cannot leave.' }, { message: 'Try again.' }] }))).toBe('The last owner cannot leave. Try again.');
    expect(
      await rowActionError(async () => {
        throw new Error('network down');
      }),
    ).toBe('network down');
  });
});

describe('plain-language errors', () => {
  it('says what an error code means and keeps the API\'s precise message as the detail', () => {
    const forbidden = new ApiError('"project.create" needs role MEMBER or higher; you are VIEWER', 'FORBIDDEN', 'req-1', 403);
    expect(describeError(forbidden)).toEqual({
      message: 'Your role in this team does not allow this. A team owner or admin can do it, or change your role.',
      detail: '"project.create" needs role MEMBER or higher; you are VIEWER',
      code: 'FORBIDDEN',
      requestId: 'req-1',
    });
    expect(describeError(new ApiError('Sign in or send an API token', 'UNAUTHENTICATED', null, 401)).message).toBe('You are signed out. Sign in again to continue.');
    // an unknown code: the API's message as it is
    expect(describeError(new ApiError('odd', 'SOMETHING_NEW', null, 400))).toMatchObject({ message: 'odd', detail: null });
    expect(errorLine(new ApiError('x', 'NETWORK_ERROR', null, 0))).toBe('The server could not be reached. Check your connection and try again. (x)');
  });
  it('knows a signed-out answer', () => {
    expect(isSignedOut({ error: new ApiError('no', 'UNAUTHENTICATED', null, 401) })).toBe(true);
    expect(isSignedOut({ data: { viewer: null } })).toBe(true);
    expect(isSignedOut({ data: { viewer: { id: 'u' } } })).toBe(false);
    expect(isSignedOut({ error: new ApiError('no', 'FORBIDDEN', null, 403) })).toBe(false);
    expect(signInHref('/teams/x/members')).toBe('/sign-in?next=%2Fteams%2Fx%2Fmembers');
    expect(signInHref('/')).toBe('/sign-in');
  });
});

describe('physical units', () => {
  const model = {
    anatomicalSpacingMm: [3, 3, 3],
    physicalUnits: [
      { feature: 'voxel_volume', unit: 'mL', scale: 540, approximate: false },
      { feature: 'x', unit: 'mm', scale: 192, approximate: false },
      { feature: 'sphericity', unit: '1', scale: 1, approximate: false },
      { feature: 'surface_area', unit: 'mm2', scale: 81000, approximate: true },
    ],
  };
  it('converts with the scales the API sends for the model', () => {
    expect(toPhysical(model, 'voxel_volume', 0.05)).toEqual({ value: 27, unit: 'mL', approximate: false });
    expect(formatFeature(model, 'voxel_volume', 0.05)).toBe('27.0 mL');
    expect(formatFeature(model, 'x', 0.5)).toBe('96.0 mm');
    expect(formatFeature(model, 'sphericity', 0.812)).toBe('0.81');
    expect(formatFeature(model, 'surface_area', 0.01)).toBe('≈810 mm²');
    expect(formatFeature(null, 'x', 0.5)).toBe('0.500');
    expect(formatFeature(model, 'x', null)).toBe('—');
    expect(voxelSizeLabel(model)).toBe('3 mm voxels');
    expect(voxelSizeLabel({ anatomicalSpacingMm: [1, 1, 2], physicalUnits: [] })).toBe('1×1×2 mm voxels');
  });
});

describe('mask centroid (where the viewer opens)', () => {
  it('is the mean mask voxel, or the nearest mask voxel when the mean falls outside it', () => {
    const X = 5;
    const Y = 4;
    const Z = 3;
    const img = new Uint8Array(X * Y * Z);
    const set = (x: number, y: number, z: number) => (img[(z * Y + y) * X + x] = 1);
    set(3, 2, 1);
    set(4, 2, 1);
    set(3, 3, 1);
    expect(maskCentroid(img, [X, Y, Z])).toEqual({ vox: [3, 2, 1], count: 3 });
    // two blobs at the ends of the x axis: the mean (2, 0, 0) is empty; the nearest mask voxel is chosen
    const ring = new Uint8Array(X * Y * Z);
    ring[0] = 1;
    ring[4] = 1;
    expect(maskCentroid(ring, [X, Y, Z]).vox).toEqual([0, 0, 0]);
    expect(maskCentroid(new Uint8Array(X * Y * Z), [X, Y, Z])).toEqual({ vox: null, count: 0 });
    expect(() => maskCentroid(new Uint8Array(3), [X, Y, Z])).toThrow(/expected 5x4x3/);
  });
});

describe('use this dataset', () => {
  it('fills the CLI, Python and curl lines with the deployment address and the project slug, never a token', () => {
    const d = { origin: 'https://slicewise.example.org', projectSlug: 'glioma-augmentation', dataset: 'main', ref: 'latest' };
    expect(datasetSpec(d)).toBe('glioma-augmentation/main@latest');
    const s = datasetSnippets(d);
    expect(s.cli).toContain('npx slicewise pull glioma-augmentation/main@latest --api https://slicewise.example.org --out main-latest/');
    expect(s.python).toContain('BASE = "https://slicewise.example.org/datasets/glioma-augmentation/main@latest"');
    expect(s.python).toContain("os.environ['SLICEWISE_TOKEN']");
    expect(s.python).toContain('hashlib.sha256(data).hexdigest() == f["sha256"]');
    expect(s.curl).toContain('"https://slicewise.example.org/datasets/glioma-augmentation/main@latest/export.tar"');
    expect(`${s.cli}${s.python}${s.curl}`).not.toMatch(/swt_[A-Za-z0-9]{6}/);
  });
});

describe('formats and limits', () => {
  it('bytes, durations and the cohort size limit before submit', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_234_567)).toBe('1.2 MB');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(600)).toBe('10 min');
    expect(sizeError(1_000_000, 10_000, false)).toBe('At most 10,000 subjects per cohort on this deployment (you asked for 1,000,000)');
    expect(sizeError(9, 8, true)).toBe('A preview has at most 8 subjects');
    expect(sizeError(2.5, 10, false)).toMatch(/whole number/);
    expect(sizeError(10, 10, false)).toBeNull();
    expect(sizeError(10, null, false)).toBeNull();
  });
});
