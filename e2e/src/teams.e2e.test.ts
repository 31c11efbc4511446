// The realistic flow a new team goes through today, plus the two access rules the issue names:
// another team's member gets a not-found page and no data; a viewer sees no write buttons and the
// API refuses the write when forced. Then the team settings page: rename, approval threshold,
// webhooks (secret shown once, signed deliveries in the log, removal), read-only for the viewer.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newUserContext, PHONE, screenshot } from './browser.ts';
import { gql, signUpViaApi } from './api.ts';
import { SignInPage, SignUpPage } from './pages/auth.page.ts';
import { AuditPage, CohortPage, CohortRequestDialog, DistributionEditorPage, MembersPage, ProjectPage, SettingsPage, TeamProjectsPage, TeamsPage, TokensPage, VolumePage } from './pages/app.page.ts';

const webUrl = inject('webUrl');
const apiUrl = inject('apiUrl');
const workerRuns = inject('hasWorker');
const run = Date.now().toString(36);
const alice = { name: 'Alice Owner', email: `alice-${run}@example.org`, password: 'correct-horse-7' };
const bob = { name: 'Bob Outsider', email: `bob-${run}@example.org`, password: 'battery-staple-8' };
const carol = { name: 'Carol Viewer', email: `carol-${run}@example.org`, password: 'viewer-pass-9x' };

let browser: Browser;
let page: Page;
let teamId = '';
let projectId = '';
let cohortId = '';

beforeAll(async () => {
  browser = await launchBrowser();
  page = (await newUserContext(browser, webUrl)).page;
});
afterAll(async () => {
  await browser?.close();
});

describe('a new user', () => {
  it('signs up with as-you-type validation', async () => {
    const signUp = new SignUpPage(page);
    await signUp.open();
    await signUp.fill({ ...alice, password: 'short1' });
    expect(await signUp.fieldError('Password')).toMatch(/At least 10 characters/);
    await signUp.email().fill('not-an-email');
    expect(await signUp.fieldError('Email')).toMatch(/not an email address/);
    await signUp.fill(alice);
    expect(await signUp.fieldError('Password')).toBeNull();
    await screenshot(page, 'sign-up');
    await signUp.submit();
    await new TeamsPage(page).waitEmpty();
  });

  it('shows the API userError on the right field (email taken)', async () => {
    const other = (await newUserContext(browser, webUrl)).page;
    const signUp = new SignUpPage(other);
    await signUp.open();
    await signUp.fill(alice);
    await signUp.submit();
    await other.getByText(/already exists/).waitFor();
    expect(await signUp.fieldError('Email')).toMatch(/already exists/);
    await other.context().close();
  });

  it('creates a team and a project', async () => {
    await screenshot(page, 'teams-empty');
    await new TeamsPage(page).createTeam('Neuro-oncology Lab');
    const projects = new TeamProjectsPage(page);
    await page.getByText('No projects yet').waitFor();
    teamId = projects.teamIdFromUrl();
    await projects.createProject('Glioma augmentation', 'Synthetic BraTS-like cohorts for segmentation training');
    const project = new ProjectPage(page);
    projectId = project.idFromUrl();
    expect(await project.name().textContent()).toBe('Glioma augmentation');
    await page.getByRole('region', { name: 'Cohorts' }).waitFor();
    await screenshot(page, 'project');
    // The switcher follows the team of the page.
    expect(await page.getByRole('combobox', { name: 'Team', exact: true }).inputValue()).toBe('Neuro-oncology Lab');
  });

  it('creates a token (secret shown once), uses it, revokes it', async () => {
    const tokens = new TokensPage(page);
    await tokens.open(teamId);
    await page.getByText('No tokens yet').waitFor();
    const secret = await tokens.create('ci-script', ['READ']);
    expect(secret.length).toBeGreaterThan(20);
    await screenshot(page, 'token-created');
    await tokens.closeSecretDialog();
    expect(await page.content()).not.toContain(secret);
    expect(await tokens.status('ci-script')).toMatch(/^active/);

    const ok = await gql(apiUrl, '{ teams(first: 5) { edges { node { id name } } } }', {}, { bearer: secret });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.teams.edges.map((e: any) => e.node.id)).toEqual([teamId]);
    // A READ token may not write.
    const write = await gql(apiUrl, 'mutation($t: ID!) { createProject(input: { teamId: $t, name: "nope" }) { project { id } } }', { t: teamId }, { bearer: secret });
    expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    await page.reload();
    await page.getByTestId('tokens-table').waitFor();
    // Last use is recorded and shown (the cell said "never" before the token was used).
    expect(await tokens.row('ci-script').locator('td').nth(4).textContent()).not.toBe('never');
    await screenshot(page, 'tokens');
    await tokens.revoke('ci-script');
    const after = await gql(apiUrl, '{ teams(first: 5) { edges { node { id } } } }', {}, { bearer: secret });
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('builds a distribution and sees the preview plots change as it is edited', async () => {
    await new ProjectPage(page).open(projectId);
    await page.getByTestId('new-distribution').click();
    await page.waitForURL(/\/distributions\/new$/);
    const editor = new DistributionEditorPage(page);
    await editor.waitForPreview();
    const before = await editor.counts('voxel_volume');
    expect(before.split(',').map(Number).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Narrow the volume distribution to its lower part: the plotted histogram must change.
    const range = await page.getByRole('group', { name: 'Tumour volume' }).getByText(/trained on \[/).textContent();
    const [lo, hi] = /\[([\d.]+), ([\d.]+)\]/.exec(range!)!.slice(1).map(Number) as [number, number];
    await editor.setParam('Tumour volume', 'Max', Number((lo + (hi - lo) * 0.3).toFixed(3)));
    await expect.poll(() => editor.counts('voxel_volume'), { timeout: 15_000 }).not.toBe(before);
    await screenshot(page, 'distribution-editor');
    // Quotas: half small, half large tumours; the API accepts the spec (no errors shown).
    await page.getByRole('switch', { name: /Guarantee fractions/ }).check();
    await page.getByText('Fractions sum to 1.000').waitFor();
    await page.waitForTimeout(600); // the preview is debounced
    await editor.histogram('voxel_volume').waitFor();
    expect(await page.getByTestId('spec-errors').count()).toBe(0);
    await editor.save('Small tumours');
  });

  it('requests a 2-volume cohort with a time estimate and watches it complete', async () => {
    const dialog = new CohortRequestDialog(page);
    await dialog.open();
    // the dialog starts from the model's declared defaults (tiny-random: 4 DDIM steps), not a constant
    await expect.poll(() => dialog.steps().inputValue()).toBe('4');
    await dialog.fill(2, 3, 1234);
    expect(await dialog.estimateText()).toMatch(/About .* per volume/);
    await screenshot(page, 'cohort-request');
    await dialog.submit();
    const cohort = new CohortPage(page);
    cohortId = cohort.idFromUrl();
    await cohort.rows().nth(1).waitFor();
    expect(await cohort.rows().count()).toBe(2);
    expect(await cohort.samplerSettings().textContent()).toMatch(/DDIM · 3 steps · eta 0 · guidance 2/);
    if (!workerRuns) return; // no worker in this checkout: the cohort stays queued
    await cohort.waitForStatus('completed', 150_000);
    await screenshot(page, 'cohort');
  }, 180_000);

  it('opens the viewer: the canvas is not blank, provenance is shown, the volume is reviewed', async (ctx) => {
    if (!workerRuns) return ctx.skip();
    const cohort = new CohortPage(page);
    await cohort.openFirstVolume();
    const volume = new VolumePage(page);
    await volume.waitReady();
    await expect.poll(async () => (await volume.canvasPixels()).distinctColours, { timeout: 15_000 }).toBeGreaterThan(16);
    const px = await volume.canvasPixels();
    expect(px.litFraction).toBeGreaterThan(0.01);
    const provenance = JSON.parse((await volume.provenance().textContent())!) as Record<string, unknown>;
    expect(JSON.stringify(provenance)).toContain('1234'); // the cohort seed we chose
    expect(await volume.provenanceSummary().textContent()).toMatch(/DDIM · 3 steps · eta 0 · guidance 2 · 3 denoiser calls/);
    // one attempt, by the test's worker, that succeeded (the attempt history, #16)
    const attempts = page.getByTestId('attempt-history');
    await attempts.waitFor();
    expect(await attempts.locator('tbody tr').count()).toBe(1);
    expect(await attempts.locator('tbody tr').first().textContent()).toMatch(/succeeded/);
    await screenshot(page, 'viewer');
    await volume.accept('looks plausible');
    const img = await page.evaluate(async (u) => (await fetch(u)).status, (await page.getByTestId('download-image').getAttribute('href'))!);
    expect(img).toBe(200);

    // The review queue serves the one volume left; "a" accepts it from the keyboard.
    await page.goto(`/cohorts/${encodeURIComponent(cohortId)}/review`);
    await page.getByText('Subject 1', { exact: true }).waitFor();
    await page.locator('[data-testid="niivue-canvas"][data-state="ready"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'review-queue');
    await page.keyboard.press('a');
    await page.getByText('Nothing left to review').waitFor();

    // Publish the accepted volumes as a dataset version.
    await new ProjectPage(page).open(projectId);
    await page.getByTestId('publish-dataset').click();
    const dialog = page.getByRole('dialog', { name: 'Publish a dataset version' });
    await dialog.getByRole('checkbox').first().check();
    await dialog.getByRole('switch', { name: 'Only volumes accepted in review' }).check();
    await dialog.getByRole('button', { name: 'Publish' }).click();
    await dialog.getByText(/Published main with 2 volumes/).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('dataset-card').first().waitFor();
    await screenshot(page, 'project-with-data');
  }, 90_000);

  it('reads and filters the audit log', async () => {
    const audit = new AuditPage(page);
    await audit.open(teamId);
    const all = await audit.actions();
    expect(all).toEqual(expect.arrayContaining(['team.create', 'project.create', 'token.create', 'token.revoke']));
    await screenshot(page, 'audit-log');
    await audit.filterByAction('token.revoke');
    await expect.poll(() => audit.actions(), { timeout: 10_000 }).toEqual(['token.revoke']);
  });
});

describe('access between teams and roles', () => {
  it("a member of another team gets a not-found page and none of the project's data", async () => {
    const bobCookie = await signUpViaApi(apiUrl, bob);
    await gql(apiUrl, 'mutation { createTeam(input: { name: "Bob Lab" }) { team { id } } }', {}, { cookie: bobCookie });
    const { page: bobPage, context } = await newUserContext(browser, webUrl);
    const signIn = new SignInPage(bobPage);
    await signIn.open();
    await signIn.signIn(bob.email, bob.password);
    await bobPage.waitForURL(/\/teams\//);

    const graphqlBodies: string[] = [];
    bobPage.on('response', async (r) => {
      if (r.url().endsWith('/graphql')) graphqlBodies.push(await r.text().catch(() => ''));
    });
    const project = new ProjectPage(bobPage);
    await project.open(projectId);
    await project.notFound().waitFor();
    await screenshot(bobPage, 'not-found');
    expect(await bobPage.content()).not.toContain('Glioma augmentation');
    expect(graphqlBodies.join('\n')).not.toContain('Glioma augmentation');
    expect(graphqlBodies.join('\n')).toContain('NOT_FOUND');

    await bobPage.goto(`/teams/${encodeURIComponent(teamId)}`);
    await project.notFound().waitFor();
    expect(await bobPage.content()).not.toContain('Neuro-oncology Lab');

    // The first team's cohort: not found, and none of its data in any answer.
    const seen = graphqlBodies.length;
    await bobPage.goto(`/cohorts/${encodeURIComponent(cohortId)}`);
    await project.notFound().waitFor();
    const answers = graphqlBodies.slice(seen).join('\n');
    expect(answers).toContain('NOT_FOUND');
    expect(answers).not.toContain('Small tumours');
    await context.close();
  });

  it('a viewer sees no write buttons, and the API refuses a forced write', async () => {
    await signUpViaApi(apiUrl, carol);
    const members = new MembersPage(page);
    await members.open(teamId);
    await members.add(carol.email, 'Viewer');
    await members.table().getByText(carol.email).waitFor();
    await screenshot(page, 'members');

    const { page: carolPage, context } = await newUserContext(browser, webUrl);
    const signIn = new SignInPage(carolPage);
    await signIn.open();
    await signIn.signIn(carol.email, carol.password);
    await carolPage.waitForURL(/\/teams/);

    const projects = new TeamProjectsPage(carolPage);
    await projects.open(teamId);
    await carolPage.getByTestId('project-card').first().waitFor();
    expect(await projects.newProjectButton().count()).toBe(0);
    const project = new ProjectPage(carolPage);
    await project.open(projectId);
    await project.name().waitFor();
    expect(await project.editButton().count()).toBe(0);
    const nav = carolPage.getByRole('navigation', { name: 'Team navigation' });
    expect(await nav.getByRole('link', { name: 'API tokens' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    await new MembersPage(carolPage).open(teamId);
    expect(await carolPage.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    expect(await carolPage.getByRole('form', { name: 'Add a member' }).count()).toBe(0);

    if (cohortId) {
      await carolPage.goto(`/cohorts/${encodeURIComponent(cohortId)}`);
      await carolPage.getByTestId('cohort-name').waitFor();
      expect(await carolPage.getByRole('button', { name: /Cancel|Retry|Review queue|Approve/ }).count()).toBe(0);
    }

    // Forced: the same request the hidden button would send, from the viewer's own browser session.
    const forced = await carolPage.evaluate(async ([t, p, c]) => {
      const post = (query: string, variables: object) =>
        fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) }).then((r) => r.json());
      return {
        create: await post('mutation($t: ID!) { createProject(input: { teamId: $t, name: "forced" }) { project { id } } }', { t }),
        update: await post('mutation($p: ID!) { updateProject(input: { projectId: $p, name: "forced" }) { project { id } } }', { p }),
        cancel: c ? await post('mutation($c: ID!) { cancelCohort(cohortId: $c) { cohort { id } } }', { c }) : null,
      };
    }, [teamId, projectId, cohortId] as const);
    expect(forced.create.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(forced.update.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    if (cohortId) expect(forced.cancel?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await context.close();
  });

  it('works on a phone-sized screen', async () => {
    const { page: phone, context } = await newUserContext(browser, webUrl, PHONE);
    await new SignInPage(phone).open();
    await screenshot(phone, 'phone-sign-in');
    await new SignInPage(phone).signIn(alice.email, alice.password);
    await phone.waitForURL(/\/teams\//);
    await new ProjectPage(phone).open(projectId);
    await new ProjectPage(phone).name().waitFor();
    // The navigation collapses behind a burger button.
    const burger = phone.getByRole('button', { name: 'Open navigation' });
    expect(await burger.isVisible()).toBe(true);
    await burger.click();
    await phone.getByRole('navigation', { name: 'Team navigation' }).getByRole('link', { name: 'Members' }).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone, 'phone-project');
    await context.close();
  });
});

describe('team settings', () => {
  const renamed = 'Neuro-oncology Lab (Oslo)';
  // A local endpoint for the webhook: records what the API's dispatcher sends.
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let hookServer: http.Server;
  let hookUrl = '';
  beforeAll(async () => {
    hookServer = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hooks/slicewise`;
  });
  afterAll(async () => {
    await new Promise((r) => hookServer?.close(r));
  });

  it('an owner renames the team and sets the approval threshold; both persist', async () => {
    const settings = new SettingsPage(page);
    await settings.open(teamId);
    await page.getByRole('navigation', { name: 'Team navigation' }).getByRole('link', { name: 'Settings' }).waitFor();
    expect(await settings.name().inputValue()).toBe('Neuro-oncology Lab');
    expect(await settings.threshold().inputValue()).toBe('');
    expect(await settings.summary().textContent()).toMatch(/No cohort needs approval/);
    await settings.name().fill(renamed);
    await settings.threshold().fill('50');
    await settings.save();
    await settings.waitSaved();
    await page.reload();
    await settings.general().waitFor();
    expect(await settings.name().inputValue()).toBe(renamed);
    expect(await settings.threshold().inputValue()).toBe('50');
    expect(await settings.summary().textContent()).toMatch(/more than 50 subjects/);
    // The shell follows the new name.
    await expect.poll(() => page.getByRole('combobox', { name: 'Team', exact: true }).inputValue()).toBe(renamed);
    await screenshot(page, 'team-settings');
  });

  it('a bad value shows an error on its field and nothing is saved', async () => {
    const settings = new SettingsPage(page);
    await settings.open(teamId);
    const updates: string[] = [];
    const onRequest = (r: { url(): string; postData(): string | null }) => {
      if (r.url().endsWith('/graphql') && (r.postData() ?? '').includes('updateTeam')) updates.push(r.postData()!);
    };
    page.on('request', onRequest);
    await settings.threshold().fill('-5');
    expect(await settings.fieldError('Approval threshold (subjects)')).toMatch(/At least 1/);
    await settings.name().fill('');
    expect(await settings.fieldError('Team name')).toMatch(/Team name is required/);
    await settings.save();
    await page.waitForTimeout(500);
    page.off('request', onRequest);
    expect(updates).toEqual([]);
    expect(await settings.fieldError('Team name')).toMatch(/required/);
    await page.reload();
    await settings.general().waitFor();
    expect(await settings.name().inputValue()).toBe(renamed);
    expect(await settings.threshold().inputValue()).toBe('50');

    // Emptying the threshold clears it (no cohort needs approval); then back to 50.
    await settings.threshold().fill('');
    expect(await settings.fieldError('Approval threshold (subjects)')).toBeNull();
    await settings.save();
    await settings.waitSaved();
    await expect.poll(() => settings.summary().textContent()).toMatch(/No cohort needs approval/);
    await page.reload();
    await settings.general().waitFor();
    expect(await settings.threshold().inputValue()).toBe('');
    await settings.threshold().fill('50');
    await settings.save();
    await settings.waitSaved();
  });

  it('creates a webhook (secret shown once), sees its signed deliveries, removes it', async () => {
    const settings = new SettingsPage(page);
    await settings.open(teamId);
    await page.getByText('No webhooks yet').waitFor();
    // As-you-type validation of the URL.
    await settings.webhookForm().getByLabel('Endpoint URL').fill('ftp://example.org');
    await settings.webhookForm().getByText(/Must start with https:\/\//).waitFor();
    const secret = await settings.createWebhook(hookUrl, ['dataset.published']);
    expect(secret).toMatch(/^whsec_/);
    await screenshot(page, 'webhook-created');
    await settings.closeSecretDialog();
    expect(await page.content()).not.toContain(secret);
    await settings.row(hookUrl).waitFor();
    expect(await settings.status(hookUrl)).toBe('active');
    expect(await settings.row(hookUrl).textContent()).toContain('dataset.published');
    expect(await settings.row(hookUrl).textContent()).not.toContain('cohort.completed');

    if (workerRuns && cohortId) {
      // A new dataset version fires dataset.published: the endpoint gets it, signed with the secret.
      const published = await page.evaluate(
        async ([p, c]) =>
          fetch('/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              query: 'mutation($i: PublishDatasetVersionInput!) { publishDatasetVersion(input: $i) { created userErrors { message } } }',
              variables: { i: { projectId: p, cohortIds: [c], dataset: 'webhook-check' } },
            }),
          }).then((r) => r.json()),
        [projectId, cohortId] as const,
      );
      expect(published.data.publishDatasetVersion).toEqual({ created: true, userErrors: [] });
      await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThan(0);
      const hit = received[0]!;
      expect(hit.headers['x-slicewise-event']).toBe('dataset.published');
      const expected = `sha256=${createHmac('sha256', secret).update(`${hit.headers['x-slicewise-timestamp']}.${hit.body}`).digest('hex')}`;
      expect(hit.headers['x-slicewise-signature']).toBe(expected);
      // "Delivered" is recorded just after the endpoint answers: reload until the log shows it.
      let cells: string[] = [];
      await expect
        .poll(
          async () => {
            await page.reload();
            await settings.row(hookUrl).waitFor();
            const first = (await settings.deliveries(hookUrl)).getByTestId('delivery-row').first();
            cells = (await first.count()) ? (await first.locator('td').allTextContents()).map((c) => c.trim()) : [];
            return cells[1];
          },
          { timeout: 20_000, interval: 1000 },
        )
        .toBe('delivered');
      // Event, status, attempts, response code, last error.
      expect(cells.slice(0, 5)).toEqual(['dataset.published', 'delivered', '1', '200', '—']);
      await screenshot(page, 'webhook-deliveries');
    } else {
      expect(await (await settings.deliveries(hookUrl)).textContent()).toMatch(/No deliveries yet/);
    }
    // The secret is never shown again.
    await page.reload();
    await settings.row(hookUrl).waitFor();
    expect(await page.content()).not.toContain(secret);

    await settings.remove(hookUrl);
    expect(await settings.status(hookUrl)).toBe('removed');
    expect(await settings.row(hookUrl).getByRole('button', { name: 'Remove' }).count()).toBe(0);
  }, 90_000);

  it('a viewer sees the settings read-only, and the API refuses a forced change', async () => {
    const { page: carolPage, context } = await newUserContext(browser, webUrl);
    const signIn = new SignInPage(carolPage);
    await signIn.open();
    await signIn.signIn(carol.email, carol.password);
    await carolPage.waitForURL(/\/teams/);
    const settings = new SettingsPage(carolPage);
    await settings.open(teamId);
    await carolPage.getByRole('navigation', { name: 'Team navigation' }).getByRole('link', { name: 'Settings' }).waitFor();
    expect(await settings.name().inputValue()).toBe(renamed);
    expect(await settings.name().isEditable()).toBe(false);
    expect(await settings.threshold().inputValue()).toBe('50');
    expect(await settings.threshold().isEditable()).toBe(false);
    expect(await settings.saveButton().count()).toBe(0);
    await carolPage.getByTestId('settings-read-only').waitFor();
    await carolPage.getByText('Webhooks are for admins').waitFor();
    expect(await settings.webhookForm().count()).toBe(0);
    expect(await carolPage.getByTestId('webhooks-table').count()).toBe(0);

    const forced = await carolPage.evaluate(async (t) => {
      const post = (query: string, variables: object) =>
        fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) }).then((r) => r.json());
      return {
        update: await post('mutation($t: ID!) { updateTeam(input: { teamId: $t, name: "forced" }) { team { id } } }', { t }),
        hooks: await post('query($t: ID!) { webhooks(teamId: $t) { id url } }', { t }),
      };
    }, teamId);
    expect(forced.update.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(forced.hooks.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await context.close();
  });

  it('fits a phone-sized screen', async () => {
    const { page: phone, context } = await newUserContext(browser, webUrl, PHONE);
    await new SignInPage(phone).open();
    await new SignInPage(phone).signIn(alice.email, alice.password);
    await phone.waitForURL(/\/teams\//);
    const settings = new SettingsPage(phone);
    await settings.open(teamId);
    await phone.getByTestId('webhooks-table').waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone, 'phone-team-settings');
    await context.close();
  });
});
