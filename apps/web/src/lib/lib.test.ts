import { describe, expect, it } from 'vitest';
import { rowActionError, splitUserErrors } from './graphql-client';
import { approvalThresholdError, emailError, httpUrlError, nameError, newPasswordError, safeNext } from './validators';
import { defaultSpec, outlineCells, rangesOf, switchMarginal } from './spec';
import { featureValue } from './conditions';
import { can, scopesForRole } from './roles';

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
  it('switching the marginal keeps the previous bounds', () => {
    expect(switchMarginal('truncnormal', { type: 'uniform', min: 0.2, max: 0.6 }, 0, 1)).toEqual({ type: 'truncnormal', mean: 0.4, sd: 0.1, min: 0.2, max: 0.6 });
    expect(switchMarginal('fixed', undefined, 0.2, 0.4)).toEqual({ type: 'fixed', value: 0.3 });
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
  it('buttons follow the permission matrix', () => {
    expect(can.createProject('VIEWER')).toBe(false);
    expect(can.createProject('MEMBER')).toBe(true);
    expect(can.readAudit('MEMBER')).toBe(false);
    expect(can.readAudit('OWNER')).toBe(true);
    expect(can.updateTeam('MEMBER')).toBe(false);
    expect(can.updateTeam('ADMIN')).toBe(true);
    expect(can.manageWebhooks('VIEWER')).toBe(false);
    expect(can.manageWebhooks('ADMIN')).toBe(true);
    expect(scopesForRole('MEMBER')).toEqual(['READ', 'GENERATE']);
    expect(scopesForRole('VIEWER')).toEqual(['READ']);
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
