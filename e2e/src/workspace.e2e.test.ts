// Issue 17's flows in a real Chromium: first run (signed-out redirect and back, the demo hint), an
// invitation accepted through its link, a dataset tag moved (confirmed and audited), the diff between two
// dataset versions, the viewer opening at the tumour and jumping back to it (the pane shows mask voxels),
// the cohort's thumbnail grid, limits and bad JSON refused before anything is sent, and the new pages on
// a phone. Data that the flows only read is made through the API (generation with the tiny-random model).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newUserContext, PHONE, screenshot } from './browser.ts';
import { generateCohort, gql, publish, seedProject, signUpViaApi } from './api.ts';
import { SignInPage, SignUpPage } from './pages/auth.page.ts';
import { AuditPage, CohortRequestDialog, DistributionEditorPage, MembersPage } from './pages/app.page.ts';
import { choose, DatasetVersionPage, horizontalOverflow, InvitationsSection, InvitePage, isCut, ViewerControls } from './pages/workspace.page.ts';

const webUrl = inject('webUrl');
const apiUrl = inject('apiUrl');
const workerRuns = inject('hasWorker');
const run = Date.now().toString(36);
const owner = { name: 'Olga Owner', email: `olga-${run}@example.org`, password: 'correct-horse-7' };
const invitee = { name: 'Ines Invited', email: `ines-${run}@example.org`, password: 'invited-pass-42' };

let browser: Browser;
let ownerCookie = '';
let seeded: Awaited<ReturnType<typeof seedProject>>;
let cohort: { cohortId: string; volumeIds: string[] } | null = null;
let v1 = '';
let v2 = '';

async function signedIn(user: { email: string; password: string }, viewport = undefined as typeof PHONE | undefined): Promise<Page> {
  const { page } = await newUserContext(browser, webUrl, viewport);
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn(user.email, user.password);
  await page.waitForURL(/\/teams/);
  return page;
}

beforeAll(async () => {
  browser = await launchBrowser();
  ownerCookie = await signUpViaApi(apiUrl, owner);
  seeded = await seedProject(apiUrl, ownerCookie, { team: `Imaging Core ${run}`, project: `Glioma ${run}` });
  if (workerRuns) {
    cohort = await generateCohort(apiUrl, ownerCookie, seeded, 3, 11);
    // v1: subjects 0 and 1, tagged latest; v2: all three, tagged v2 (latest stays on v1 until moved)
    v1 = await publish(apiUrl, ownerCookie, { projectId: seeded.projectId, cohortIds: [cohort.cohortId], volumeIds: cohort.volumeIds.slice(0, 2), tags: ['latest', 'v1'] });
    v2 = await publish(apiUrl, ownerCookie, { projectId: seeded.projectId, cohortIds: [cohort.cohortId], tags: ['v2'] });
  }
}, 180_000);
afterAll(async () => {
  await browser?.close();
});

describe('first run', () => {
  it('a signed-out visitor lands on the sign-in page, and comes back to where they were going', async () => {
    const { page, context } = await newUserContext(browser, webUrl);
    await page.goto('/');
    await page.waitForURL(/\/sign-in$/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByTestId('error-state').count()).toBe(0);
    await page.goto('/teams');
    await page.waitForURL(/\/sign-in\?next=%2Fteams$/);
    const members = `/teams/${encodeURIComponent(seeded.teamId)}/members`;
    await page.goto(members);
    await page.waitForURL((u) => u.pathname === '/sign-in' && u.searchParams.get('next') === members);
    await new SignInPage(page).signIn(owner.email, owner.password);
    await page.waitForURL((u) => u.pathname === members);
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await context.close();
  });

  it('offers the demo account on the sign-in page once it exists, and signs in with it', async () => {
    const { page, context } = await newUserContext(browser, webUrl);
    await new SignInPage(page).open();
    expect(await page.getByTestId('demo-hint').count()).toBe(0);
    await signUpViaApi(apiUrl, { email: 'demo@slicewise.local', password: 'slicewise-demo-1', name: 'Demo User' });
    await page.reload();
    const hint = page.getByTestId('demo-hint');
    await hint.waitFor();
    expect(await hint.textContent()).toContain('demo@slicewise.local');
    await screenshot(page, 'sign-in-demo');
    await hint.getByRole('button', { name: 'Use the demo account' }).click();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/teams/);
    await context.close();
  });
});

describe('invitations', () => {
  it('an owner creates a link; a new person signs up through it and joins with the role; the link works once', async () => {
    const page = await signedIn(owner);
    await new MembersPage(page).open(seeded.teamId);
    const invitations = new InvitationsSection(page);
    const link = await invitations.create('Member', 'for Ines');
    expect(link).toMatch(new RegExp(`^${webUrl.replace(/[.]/g, '\\.')}/invite/swi_`));
    await expect.poll(() => invitations.states(), { timeout: 15_000 }).toEqual(['pending']);
    await screenshot(page, 'invitations');

    // Signed out: the link shows the team and the role, and leads through sign-up back to it.
    const { page: guest, context } = await newUserContext(browser, webUrl);
    await guest.goto(link);
    const invite = new InvitePage(guest);
    expect(await invite.state()).toBe('PENDING');
    expect(await guest.getByRole('heading', { name: `Join Imaging Core ${run}` }).count()).toBe(1);
    expect(await guest.textContent('body')).toContain('Olga Owner invited you as member');
    await guest.getByRole('link', { name: 'Create an account' }).click();
    const signUp = new SignUpPage(guest);
    await guest.getByRole('heading', { name: 'Create your account' }).waitFor();
    await signUp.fill(invitee);
    await signUp.submit();
    await guest.waitForURL((u) => u.pathname.startsWith('/invite/'));
    await invite.join().click();
    await guest.waitForURL(new RegExp(`/teams/${encodeURIComponent(seeded.teamId)}$`));
    await guest.getByRole('heading', { name: 'Projects' }).waitFor();
    // the invitee is a member now: the API says so, and the link is used up
    const teams = await guest.evaluate(async () => (await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ teams(first: 5) { edges { node { name viewerRole } } } }' }) })).json());
    expect(teams.data.teams.edges.map((e: any) => e.node)).toContainEqual({ name: `Imaging Core ${run}`, viewerRole: 'MEMBER' });
    await guest.goto(link);
    expect(await invite.state()).toBe('ACCEPTED');
    await context.close();

    await page.reload();
    await expect.poll(() => invitations.states(), { timeout: 15_000 }).toEqual(['accepted']);
    // a second link, revoked: it stops working
    const second = await invitations.create('Viewer');
    await invitations.revokeFirstPending();
    await expect.poll(() => invitations.states(), { timeout: 15_000 }).toEqual(['revoked', 'accepted']);
    const { page: late, context: lateCtx } = await newUserContext(browser, webUrl);
    await late.goto(second);
    expect(await new InvitePage(late).state()).toBe('REVOKED');
    await lateCtx.close();
    // audited: create, accept, create, revoke
    const audit = await gql(apiUrl, 'query($t: ID!) { auditEvents(teamId: $t, first: 50) { edges { node { action } } } }', { t: seeded.teamId }, { cookie: ownerCookie });
    const actions = audit.data.auditEvents.edges.map((e: any) => e.node.action as string).filter((a: string) => a.startsWith('invitation.'));
    expect(actions.sort()).toEqual(['invitation.accept', 'invitation.create', 'invitation.create', 'invitation.revoke']);
    await page.context().close();
  });
});

describe('dataset versions', () => {
  it('moves a tag to another version after a confirmation, and the move is audited', async (ctx) => {
    if (!workerRuns) return ctx.skip();
    const page = await signedIn(owner);
    const dv = new DatasetVersionPage(page);
    await dv.open(seeded.projectId, v2);
    expect(await dv.title().textContent()).toMatch(new RegExp(`^${seeded.projectSlug}/main@[0-9a-f]{8}$`));
    expect(await dv.versionTags()).toEqual(['v2']);
    expect(await dv.fileRows().count()).toBe(6);
    const confirmation = await dv.moveTagHere('latest');
    expect(confirmation).toMatch(/pipelines that pull @latest get this version/);
    await expect.poll(() => dv.versionTags(), { timeout: 15_000 }).toEqual(['latest', 'v2']);
    // and it left the version it pointed at before
    await dv.open(seeded.projectId, v1);
    expect(await dv.versionTags()).toEqual(['v1']);
    expect(await dv.tagRow('latest').textContent()).not.toContain('this version');
    // the API agrees, and the audit log has the move from v1 to v2
    const resolved = await gql(apiUrl, 'query($p: ID!) { datasetVersionByRef(projectId: $p, dataset: "main", ref: "latest") { id } }', { p: seeded.projectId }, { cookie: ownerCookie });
    expect(resolved.data.datasetVersionByRef.id).toBe(v2);
    const audit = new AuditPage(page);
    await audit.open(seeded.teamId);
    await audit.filterByAction('dataset.tag');
    await expect.poll(() => audit.actions(), { timeout: 10_000 }).toContain('dataset.tag');
    // the action badge shows the whole name
    expect(await isCut(page.getByTestId('audit-action').first().locator('.mantine-Badge-label'))).toBe(false);
    await page.context().close();
  });

  it('compares two versions: added volumes, overlaid histograms and KS statistics', async (ctx) => {
    if (!workerRuns) return ctx.skip();
    const page = await signedIn(owner);
    const dv = new DatasetVersionPage(page);
    await dv.open(seeded.projectId, v2);
    await dv.compareWith(/v1/);
    expect(await dv.diffBadge('added').textContent()).toBe('+1 added');
    expect(await dv.diffBadge('removed').textContent()).toBe('−0 removed');
    expect(await dv.diffBadge('unchanged').textContent()).toBe('2 unchanged');
    const h = dv.diffHistogram('requested.voxel_volume');
    const sum = (attr: string | null) => (attr ?? '').split(',').map(Number).reduce((a, b) => a + b, 0);
    expect(sum(await h.getAttribute('data-a'))).toBe(2);
    expect(sum(await h.getAttribute('data-b'))).toBe(3);
    expect(await h.textContent()).toMatch(/KS D=/);
    expect(await page.getByTestId('diff-ks').locator('tbody tr').count()).toBeGreaterThan(5);
    expect(await page.getByTestId('diff-added-table').locator('tbody tr').count()).toBe(1);
    await screenshot(page, 'dataset-diff');
    // "use this dataset": this deployment's address and the project's slug
    expect(await dv.snippet('CLI')).toContain(`npx slicewise pull ${seeded.projectSlug}/main@`);
    expect(await dv.snippet('CLI')).toContain(`--api ${webUrl}`);
    expect(await dv.snippet('curl')).toContain(`${webUrl}/datasets/${seeded.projectSlug}/main@`);
    expect(await dv.snippet('Python')).toContain('hashlib.sha256');
    // and the lines work: the manifest by that path through the web app, with the session
    const manifest = await page.evaluate(async (u) => (await fetch(u)).status, `/datasets/${seeded.projectSlug}/main@v2/manifest.json`);
    expect(manifest).toBe(200);
    await page.context().close();
  });
});

describe('cohorts and the viewer', () => {
  it('the cohort page shows a thumbnail of each tumour; the viewer opens at the lesion and jumps back to it', async (ctx) => {
    if (!workerRuns || !cohort) return ctx.skip();
    // the volume with the largest tumour (tiny-random's masks are random)
    const t = await gql(apiUrl, 'query($c: ID!) { cohort(id: $c) { volumes(first: 10) { edges { node { id thumbnail { maskVoxels } } } } } }', { c: cohort.cohortId }, { cookie: ownerCookie });
    const best = t.data.cohort.volumes.edges.map((e: any) => e.node).sort((a: any, b: any) => (b.thumbnail?.maskVoxels ?? 0) - (a.thumbnail?.maskVoxels ?? 0))[0];
    expect(best.thumbnail.maskVoxels, 'no generated mask has tumour voxels').toBeGreaterThan(0);

    const page = await signedIn(owner);
    await page.goto(`/cohorts/${encodeURIComponent(cohort.cohortId)}`);
    await page.getByTestId('volumes-table').waitFor();
    await choose(page, 'Thumbnails');
    const thumbs = page.getByTestId('thumbnail');
    await expect.poll(() => thumbs.count(), { timeout: 30_000 }).toBe(3);
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="thumbnail"] img')).every((i) => (i as HTMLImageElement).complete));
    const loaded = await page.$$eval('[data-testid="thumbnail"] img', (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(loaded).toEqual([16, 16, 16]);
    await screenshot(page, 'cohort-thumbnails');

    await page.goto(`/volumes/${encodeURIComponent(best.id)}?cohort=${encodeURIComponent(cohort.cohortId)}`);
    const viewer = new ViewerControls(page);
    await viewer.waitReady();
    const lesion = await viewer.lesion();
    expect(lesion).toMatch(/^\d+,\d+,\d+$/);
    // opens at the tumour in all three planes
    expect(await viewer.crosshair()).toBe(lesion);
    await viewer.view('Axial');
    await expect.poll(() => viewer.redPixels(), { timeout: 15_000 }).toBeGreaterThan(0);
    // move the axial slice far away, then jump back
    const z = Number(lesion.split(',')[2]);
    await viewer.slider(/^Axial \(z\) slice/).focus();
    await page.keyboard.press(z < 8 ? 'End' : 'Home');
    await expect.poll(() => viewer.crosshair(), { timeout: 10_000 }).not.toBe(lesion);
    await page.getByTestId('jump-to-lesion').click();
    await expect.poll(() => viewer.crosshair(), { timeout: 10_000 }).toBe(lesion);
    // the pane shows mask voxels: red where the mask is, none when the mask is hidden
    await expect.poll(() => viewer.redPixels(), { timeout: 15_000 }).toBeGreaterThan(0);
    await viewer.maskMode('Hidden');
    await expect.poll(() => viewer.redPixels(), { timeout: 15_000 }).toBe(0);
    // outlined: the mask's border in full red, its inside transparent
    await viewer.maskMode('Outline');
    await expect.poll(() => viewer.redPixels(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await viewer.canvas().getAttribute('data-mask-mode')).toBe('outline');
    await screenshot(page, 'viewer-lesion');
    await page.context().close();
  }, 120_000);
});

describe('editing and requesting', () => {
  it('refuses 1,000,000 subjects before anything is sent, and shows the estimate with its basis', async () => {
    const page = await signedIn(owner);
    await page.goto(`/projects/${encodeURIComponent(seeded.projectId)}/distributions/${encodeURIComponent(seeded.distributionId)}`);
    await page.getByTestId('request-cohort').waitFor({ timeout: 30_000 });
    const dialog = new CohortRequestDialog(page);
    await dialog.open();
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/graphql') && (r.postData() ?? '').includes('requestCohort')) sent.push(r.postData()!);
    });
    await dialog.dialog().getByRole('textbox', { name: 'Subjects (N)' }).fill('1000000');
    await dialog.dialog().getByText(/At most 10,000 subjects per cohort on this deployment \(you asked for 1,000,000\)/).waitFor();
    expect(await dialog.dialog().getByTestId('submit-cohort').isDisabled()).toBe(true);
    await dialog.dialog().getByRole('textbox', { name: 'Subjects (N)' }).fill('5');
    expect(await dialog.estimateText()).toMatch(/About .+ volumes\/min, \d+ workers?/);
    expect(await dialog.dialog().getByTestId('estimate-basis').textContent()).toMatch(/(declared by the model|no throughput declared).*(corrected x|not yet measured)/);
    expect(sent).toEqual([]);
    await page.context().close();
  });

  it('shows JSON that does not parse as an error and will not save the last valid spec instead; warns beyond the training range', async () => {
    const page = await signedIn(owner);
    await page.goto(`/projects/${encodeURIComponent(seeded.projectId)}/distributions/new`);
    const editor = new DistributionEditorPage(page);
    await editor.waitForPreview();
    expect(await page.getByTestId('range-warning-voxel_volume').count()).toBe(0);
    await editor.setParam('Tumour volume', 'Max', 5);
    await page.getByTestId('range-warning-voxel_volume').waitFor();
    expect(await page.getByTestId('range-warning-voxel_volume').textContent()).toMatch(/max 5 is above the training range/);
    const creates: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/graphql') && (r.postData() ?? '').includes('createDistribution')) creates.push(r.postData()!);
    });
    const json = page.getByRole('textbox', { name: 'Spec (JSON)' });
    await json.fill('{ "version": 1, "kind": "parametric", ');
    await page.getByTestId('json-error-alert').waitFor();
    expect(await page.getByText(/This JSON does not parse/).count()).toBeGreaterThan(0);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Broken');
    expect(await page.getByTestId('save-distribution').isDisabled()).toBe(true);
    await page.waitForTimeout(300);
    expect(creates).toEqual([]);
    await json.fill('{ "version": 1, "kind": "parametric" }');
    await expect.poll(() => page.getByTestId('json-error-alert').count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId('save-distribution').isDisabled()).toBe(false);
    await page.context().close();
  });
});

describe('phone', () => {
  it('the new pages fit a phone screen; the cohort header does not squeeze its title', async (ctx) => {
    const page = await signedIn(owner, PHONE);
    await page.goto(`/teams/${encodeURIComponent(seeded.teamId)}/members`);
    await page.getByRole('region', { name: 'Invitations' }).waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.goto('/invite/swi_notarealinvitationAAAAAAAAAAAAAA');
    await page.getByTestId('invitation-invalid').waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    if (!workerRuns || !cohort) return ctx.skip();
    await page.goto(`/cohorts/${encodeURIComponent(cohort.cohortId)}`);
    await page.getByTestId('cohort-name').waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    // the title keeps the full width: actions wrap below it instead of squeezing it
    const title = await page.getByTestId('cohort-name').boundingBox();
    expect(title!.width).toBeGreaterThan(PHONE.width * 0.5);
    await screenshot(page, 'phone-cohort');
    await choose(page, 'Thumbnails');
    await page.getByTestId('thumbnail-grid').waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await new DatasetVersionPage(page).open(seeded.projectId, v2);
    await page.getByTestId('files-table').waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone-dataset');
    await page.context().close();
  });
});
