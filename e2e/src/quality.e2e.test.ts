// Issue 14 in a real Chromium: the model picker never offers a test fixture and keeps the model a distribution
// was saved with; the cohort dialog sends quality-control settings (on, 2 tries, a changed tolerance) and the
// cohort page shows them, the QC-failed count, each volume's reasons and the adherence panel; the viewer lists
// every try with its checks; a model without quality control shows why QC did not run; publishing leaves
// QC-failed volumes out unless a waiver is given. Models: e2e/src/stack.ts BROWSER_MODELS (copies of tiny-random;
// `tiny-random-qc` keeps the fixture's QC, which random weights fail on every try).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newUserContext, screenshot } from './browser.ts';
import { generateCohort, gql, seedProject, signUpViaApi } from './api.ts';
import { SignInPage } from './pages/auth.page.ts';
import { CohortPage, CohortRequestDialog } from './pages/app.page.ts';
import { CohortQcPart, ModelPickerPart, PublishDialogPart, QcDialogPart, ViewerQcPart } from './pages/quality.page.ts';

const webUrl = inject('webUrl');
const apiUrl = inject('apiUrl');
const workerRuns = inject('hasWorker');
const run = Date.now().toString(36);
const owner = { name: 'Quinn Quality', email: `quinn-${run}@example.org`, password: 'quality-pass-14' };

let browser: Browser;
let page: Page;
let cookie = '';
let seeded: Awaited<ReturnType<typeof seedProject>>;
let plainDistributionId = '';
let qcCohortId = '';
let plainCohortName = '';

beforeAll(async () => {
  browser = await launchBrowser();
  cookie = await signUpViaApi(apiUrl, owner);
  // the QC distribution is saved with tiny-random-qc: the dialog must preselect it (the kept model)
  seeded = await seedProject(apiUrl, cookie, { team: `QC Lab ${run}`, project: `Checked ${run}`, model: 'tiny-random-qc' });
  const models = await gql(apiUrl, '{ models { id name } }', {}, { cookie });
  const plain = models.data.models.find((m: { name: string }) => m.name === 'tiny-random');
  const d = await gql(
    apiUrl,
    'mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { distribution { id } version { id } } }',
    { i: { projectId: seeded.projectId, modelId: plain.id, name: 'Unchecked', spec: { version: 1, kind: 'parametric' } } },
    { cookie },
  );
  plainDistributionId = d.data.createDistribution.distribution.id;
  if (workerRuns) {
    const c = await generateCohort(apiUrl, cookie, { projectId: seeded.projectId, versionId: d.data.createDistribution.version.id, modelId: plain.id }, 2, 5);
    plainCohortName = (await gql(apiUrl, 'query($c: ID!) { cohort(id: $c) { name } }', { c: c.cohortId }, { cookie })).data.cohort.name;
  }
  ({ page } = await newUserContext(browser, webUrl));
  await new SignInPage(page).open();
  await new SignInPage(page).signIn(owner.email, owner.password);
  await page.waitForURL(/\/teams/);
}, 180_000);
afterAll(async () => {
  await browser?.close();
});

const distributionUrl = (id: string) => `/projects/${encodeURIComponent(seeded.projectId)}/distributions/${encodeURIComponent(id)}`;

describe('model choice', () => {
  it('never offers a test fixture (the API lists it, flagged) and shows a card for the chosen model', async () => {
    const listed = await gql(apiUrl, '{ models { name purpose } }', {}, { cookie });
    expect(listed.data.models).toContainEqual({ name: 'tiny-random-fixture', purpose: 'TEST_FIXTURE' });
    await page.goto(distributionUrl(plainDistributionId));
    const picker = new ModelPickerPart(page);
    await picker.card().waitFor();
    const options = await picker.options();
    expect(options.some((o) => o.startsWith('tiny-random '))).toBe(true);
    expect(options.some((o) => o.startsWith('tiny-random-qc '))).toBe(true);
    expect(options.filter((o) => o.startsWith('tiny-random-fixture'))).toEqual([]);
    // the distribution was saved with tiny-random: that is the one preselected, and its card says what it is
    expect(await picker.card().getAttribute('data-model')).toBe('tiny-random');
    expect(await picker.card().getByTestId('model-purpose').textContent()).toBe('demo');
    expect(await picker.card().getByTestId('model-calibration').textContent()).toContain('none');
    await picker.card().getByTestId('model-speed').getByText(/s per volume here/).waitFor();
  });
});

describe('quality control', () => {
  it('a model without quality control: the switch is off with the reason, and its cohort shows QC not run with why', async () => {
    await page.goto(distributionUrl(plainDistributionId));
    const dialog = new CohortRequestDialog(page);
    await dialog.open();
    const qc = new QcDialogPart(page);
    expect(await qc.enabled().isChecked()).toBe(false);
    expect(await qc.enabled().isDisabled()).toBe(true);
    expect(await qc.controls().textContent()).toContain('declares no quality_control');
    await page.keyboard.press('Escape');
    if (!workerRuns) return;
    const cohorts = await gql(apiUrl, 'query($p: ID!) { project(id: $p) { cohorts(first: 10) { edges { node { id name } } } } }', { p: seeded.projectId }, { cookie });
    const plain = cohorts.data.project.cohorts.edges.find((e: any) => e.node.name === plainCohortName).node;
    await page.goto(`/cohorts/${encodeURIComponent(plain.id)}`);
    const c = new CohortQcPart(page);
    expect(await c.settings().getAttribute('data-enabled')).toBe('false');
    expect(await c.settings().textContent()).toContain('declares no quality_control');
    await c.badges().first().waitFor();
    expect(await c.badges().evaluateAll((b) => b.map((x) => x.getAttribute('data-qc')))).toEqual(['NOT_RUN', 'NOT_RUN']);
    expect(await c.reasons().first().textContent()).toContain('quality_control');
  });

  it('the dialog sends QC on, 2 tries and a changed tolerance; the cohort shows them, its QC failures with reasons, and the adherence panel', async () => {
    await page.goto(distributionUrl(seeded.distributionId));
    const dialog = new CohortRequestDialog(page);
    await dialog.open();
    // the kept model (tiny-random-qc) is preselected, with its declared QC on
    expect(await page.getByTestId('model-card').last().getAttribute('data-model')).toBe('tiny-random-qc');
    const qc = new QcDialogPart(page);
    expect(await qc.enabled().isChecked()).toBe(true);
    expect(await qc.tries().inputValue()).toBe('3');
    await qc.tries().fill('11');
    await qc.controls().getByText('A whole number of tries in 1..10').waitFor();
    await qc.tries().fill('2');
    await qc.setTolerance('Centroid x (left–right)', 0.2);
    await dialog.dialog().getByRole('textbox', { name: 'Subjects (N)' }).fill('2');
    await dialog.dialog().getByRole('textbox', { name: 'Seed' }).fill('14');
    await dialog.submit();
    const cohortId = new CohortPage(page).idFromUrl();
    qcCohortId = cohortId;
    // what the API stored is what was sent
    const stored = await gql(apiUrl, 'query($c: ID!) { cohort(id: $c) { qcSettings { enabled maxTries tolerances { feature abs } } } }', { c: cohortId }, { cookie });
    expect(stored.data.cohort.qcSettings).toMatchObject({ enabled: true, maxTries: 2 });
    expect(stored.data.cohort.qcSettings.tolerances).toContainEqual({ feature: 'x', abs: 0.2 });
    const c = new CohortQcPart(page);
    expect(await c.settings().getAttribute('data-max-tries')).toBe('2');
    expect(await c.settings().textContent()).toContain('Centroid x (left–right) ± 0.2');
    if (!workerRuns) return;
    await new CohortPage(page).waitForStatus('completed', 90_000);
    await page.waitForFunction(() => document.querySelector('[data-testid="cohort-progress"]')?.getAttribute('data-qc-failed') === '2');
    expect(await c.qcFailed().textContent()).toBe('2');
    // random weights fail on every try: each volume says why, and that it had 2 tries
    expect(await c.badges().evaluateAll((b) => b.map((x) => [x.getAttribute('data-qc'), x.textContent]))).toEqual([
      ['FAILED', 'QC failed · 2 tries'],
      ['FAILED', 'QC failed · 2 tries'],
    ]);
    expect((await c.reasons().first().textContent())!.length).toBeGreaterThan(10);
    // the adherence panel: a row per feature, pass rate 0%, 2 regenerations, a scatter per plotted feature
    await c.panel().waitFor();
    expect(await c.adherenceFeatures()).toEqual(['voxel_volume', 'surface_area', 'sphericity', 'x', 'y', 'z', 'w', 'h', 'd']);
    expect(await c.panel().getByTestId('adherence-pass-rate').textContent()).toBe('0%');
    expect(await c.panel().getByTestId('adherence-regenerations').textContent()).toBe('2');
    for (const f of ['voxel_volume', 'x', 'y', 'z']) expect(Number(await c.scatter(f).getAttribute('data-points'))).toBeGreaterThan(0);
    expect(await c.scatter('voxel_volume').locator('.recharts-reference-line').count()).toBe(1);
    await screenshot(page, 'cohort-quality-control');
    // the viewer: both tries with their checks, the kept one marked
    await new CohortPage(page).openFirstVolume();
    const v = new ViewerQcPart(page);
    await v.tries().first().waitFor();
    expect(await v.tries().evaluateAll((t) => t.map((x) => [x.getAttribute('data-passed'), x.getAttribute('data-kept')]))).toEqual([
      ['false', 'false'],
      ['false', 'true'],
    ]);
    const checks = v.tries().first().getByTestId('qc-check');
    expect(await checks.count()).toBeGreaterThan(1);
    expect(await v.panel().getByTestId('qc-failed-reasons').textContent()).toContain('Every try failed');
  });

  it('publishing leaves QC-failed volumes out, says how many, and includes them only with a waiver', async () => {
    if (!workerRuns) return;
    const qcName = (await gql(apiUrl, 'query($c: ID!) { cohort(id: $c) { name } }', { c: qcCohortId }, { cookie })).data.cohort.name;
    await page.goto(`/projects/${encodeURIComponent(seeded.projectId)}`);
    const p = new PublishDialogPart(page);
    await p.open();
    await p.selectCohort(plainCohortName);
    await p.selectCohort(qcName);
    expect(await p.leftOut().getAttribute('data-count')).toBe('2');
    expect(await p.publish()).toMatch(/Published main with 2 volumes\. 2 volumes that failed quality control were left out\./);
    // with a waiver: too short is refused before anything is sent, then all four are published
    await p.waive().check();
    await p.waiver().fill('too short');
    await p.dialog().getByText(/at least 10 characters/).waitFor();
    expect(await p.submit().isDisabled()).toBe(true);
    await p.waiver().fill('Kept to train a QC classifier on failures');
    await p.submit().click();
    await p.dialog().getByRole('status').filter({ hasText: 'with 4 volumes' }).waitFor();
    expect(await p.dialog().getByRole('status').textContent()).toContain('included under your waiver');
    const audit = await gql(apiUrl, 'query($t: ID!) { auditEvents(teamId: $t, first: 5) { edges { node { action data } } } }', { t: seeded.teamId }, { cookie });
    expect(JSON.stringify(audit.data.auditEvents.edges)).toContain('Kept to train a QC classifier on failures');
  });
});
