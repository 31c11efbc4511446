// Page objects for the signed-in app: one class per page, locators by role and label (what a
// screen-reader user would use), so markup can change without breaking the flow.
import type { Locator, Page } from 'playwright-core';

export class TeamsPage {
  constructor(private readonly page: Page) {}
  async waitEmpty() {
    await this.page.getByText('You are not in a team yet').waitFor();
  }
  async createTeam(name: string) {
    await this.page.getByRole('button', { name: 'New team' }).first().click();
    const dialog = this.page.getByRole('dialog', { name: 'New team' });
    await dialog.getByLabel('Team name').fill(name);
    await dialog.getByRole('button', { name: 'Create team' }).click();
    await this.page.waitForURL(/\/teams\/[^/]+$/);
  }
}

export class TeamProjectsPage {
  constructor(private readonly page: Page) {}
  async open(teamId: string) {
    await this.page.goto(`/teams/${encodeURIComponent(teamId)}`);
    await this.page.getByRole('heading', { name: 'Projects' }).waitFor();
  }
  teamIdFromUrl(): string {
    return decodeURIComponent(new URL(this.page.url()).pathname.split('/')[2]!);
  }
  newProjectButton = () => this.page.getByRole('button', { name: 'New project' });
  async createProject(name: string, description: string) {
    await this.newProjectButton().first().click();
    const dialog = this.page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Project name').fill(name);
    await dialog.getByLabel('Description').fill(description);
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await this.page.waitForURL(/\/projects\/[^/]+$/);
  }
}

export class ProjectPage {
  constructor(private readonly page: Page) {}
  async open(projectId: string) {
    await this.page.goto(`/projects/${encodeURIComponent(projectId)}`);
  }
  idFromUrl(): string {
    return decodeURIComponent(new URL(this.page.url()).pathname.split('/')[2]!);
  }
  name = () => this.page.getByTestId('project-name');
  editButton = () => this.page.getByRole('button', { name: 'Edit' });
  notFound = () => this.page.getByTestId('not-found');
}

export class TokensPage {
  constructor(private readonly page: Page) {}
  async open(teamId: string) {
    await this.page.goto(`/teams/${encodeURIComponent(teamId)}/tokens`);
    await this.page.getByRole('heading', { name: 'API tokens' }).waitFor();
  }
  /** Creates a token and returns the secret from the shown-once dialog (then closes it). */
  async create(name: string, scopes: string[]): Promise<string> {
    const form = this.page.getByRole('form', { name: 'Create a token' });
    await form.getByLabel('Name').fill(name);
    for (const s of ['READ', 'GENERATE', 'ADMIN']) {
      const box = form.getByRole('checkbox', { name: new RegExp(`^${s} `) });
      if ((await box.isChecked()) !== scopes.includes(s)) await box.click();
    }
    await form.getByRole('button', { name: 'Create token' }).click();
    const dialog = this.page.getByRole('dialog', { name: new RegExp(`Token “${name}” created`) });
    const secret = (await dialog.getByTestId('token-secret').textContent())!.trim();
    await dialog.getByRole('button', { name: 'Copy secret' }).waitFor();
    return secret;
  }
  async closeSecretDialog() {
    await this.page.getByRole('button', { name: 'I have copied it' }).click();
    await this.page.getByTestId('token-secret').waitFor({ state: 'detached' });
  }
  row = (name: string) => this.page.locator(`[data-testid="token-row"][data-token-name="${name}"]`);
  async status(name: string): Promise<string> {
    return (await this.row(name).getByTestId('token-status').textContent())!.trim();
  }
  async revoke(name: string) {
    await this.row(name).getByRole('button', { name: 'Revoke' }).click();
    await this.page.getByRole('dialog', { name: 'Revoke token' }).getByRole('button', { name: 'Revoke' }).click();
    await this.row(name).getByText('revoked').waitFor();
  }
}

export class MembersPage {
  constructor(private readonly page: Page) {}
  async open(teamId: string) {
    await this.page.goto(`/teams/${encodeURIComponent(teamId)}/members`);
    await this.page.getByRole('heading', { name: 'Members' }).waitFor();
  }
  async add(email: string, role: 'Viewer' | 'Member' | 'Admin' | 'Owner') {
    const form = this.page.getByRole('form', { name: 'Add a member' });
    await form.getByLabel('Email of an existing account').fill(email);
    await form.getByLabel('Role').click();
    await this.page.getByRole('option', { name: role, exact: true }).click();
    await form.getByRole('button', { name: 'Add' }).click();
    await this.page.getByRole('status').getByText(`Added ${email}`).waitFor();
  }
  table = () => this.page.getByTestId('members-table');
}

export class AuditPage {
  constructor(private readonly page: Page) {}
  async open(teamId: string) {
    await this.page.goto(`/teams/${encodeURIComponent(teamId)}/audit`);
    await this.page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await this.page.getByTestId('audit-table').waitFor();
  }
  async filterByAction(action: string) {
    await this.page.getByLabel('Action').fill(action);
  }
  async actions(): Promise<string[]> {
    return this.page.getByTestId('audit-table').locator('tbody tr td:nth-child(3)').allTextContents();
  }
}

export class SettingsPage {
  constructor(private readonly page: Page) {}
  async open(teamId: string) {
    await this.page.goto(`/teams/${encodeURIComponent(teamId)}/settings`);
    await this.page.getByRole('heading', { name: 'Team settings' }).waitFor();
    await this.general().waitFor();
  }
  general = () => this.page.getByRole('form', { name: 'General settings' });
  name = () => this.general().getByRole('textbox', { name: 'Team name' });
  threshold = () => this.general().getByRole('textbox', { name: 'Approval threshold (subjects)' });
  saveButton = () => this.general().getByRole('button', { name: 'Save', exact: true });
  summary = () => this.page.getByTestId('threshold-summary');
  async save() {
    await this.saveButton().click();
  }
  async waitSaved() {
    await this.general().getByRole('status').getByText('Saved.').waitFor();
  }
  /** The error Mantine renders under a field of the general form (null when there is none). */
  async fieldError(label: string): Promise<string | null> {
    const input = this.general().getByRole('textbox', { name: label });
    const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter((id) => id.endsWith('-error'));
    if (!ids.length) return null;
    return this.page.locator(`[id="${ids[0]}"]`).textContent();
  }
  webhookForm = () => this.page.getByRole('form', { name: 'Create a webhook' });
  /** Creates a webhook and returns the signing secret from the shown-once dialog (left open). */
  async createWebhook(url: string, events: string[]): Promise<string> {
    const form = this.webhookForm();
    await form.getByLabel('Endpoint URL').fill(url);
    for (const e of ['cohort.completed', 'dataset.published']) {
      const box = form.getByRole('checkbox', { name: new RegExp(`^${e.replace('.', '\\.')} `) });
      if ((await box.isChecked()) !== events.includes(e)) await box.click();
    }
    await form.getByRole('button', { name: 'Create webhook' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Webhook created' });
    const secret = (await dialog.getByTestId('webhook-secret').textContent())!.trim();
    await dialog.getByRole('button', { name: 'Copy secret' }).waitFor();
    return secret;
  }
  async closeSecretDialog() {
    await this.page.getByRole('button', { name: 'I have copied it' }).click();
    await this.page.getByTestId('webhook-secret').waitFor({ state: 'detached' });
  }
  row = (url: string) => this.page.locator(`[data-testid="webhook-row"][data-webhook-url="${url}"]`);
  async status(url: string): Promise<string> {
    return (await this.row(url).getByTestId('webhook-status').textContent())!.trim();
  }
  /** Expands the webhook's delivery log and returns it. */
  async deliveries(url: string) {
    await this.row(url).getByRole('button', { name: /^Show deliveries/ }).click();
    // The log is the row right below the webhook's row.
    const log = this.row(url).locator('xpath=following-sibling::tr[1]').getByTestId('webhook-deliveries');
    await log.waitFor();
    return log;
  }
  async remove(url: string) {
    await this.row(url).getByRole('button', { name: 'Remove' }).click();
    await this.page.getByRole('dialog', { name: 'Remove webhook' }).getByRole('button', { name: 'Remove' }).click();
    await this.row(url).getByText('removed').waitFor();
  }
}

export class DistributionEditorPage {
  constructor(private readonly page: Page) {}
  histogram = (feature: string) => this.page.getByTestId(`histogram-${feature}`);
  /** The bin counts the preview currently plots for a feature ("" until the first preview). */
  async counts(feature: string): Promise<string> {
    return (await this.histogram(feature).getAttribute('data-counts')) ?? '';
  }
  async waitForPreview() {
    await this.histogram('voxel_volume').waitFor();
    await this.page.getByTestId('centroid-scatter').waitFor();
  }
  featureGroup = (label: string) => this.page.getByRole('group', { name: label });
  async setParam(featureLabel: string, param: string, value: number) {
    const input = this.featureGroup(featureLabel).getByRole('textbox', { name: param, exact: true });
    await input.fill(String(value));
  }
  async save(name: string) {
    await this.page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await this.page.getByTestId('save-distribution').click();
    await this.page.waitForURL(/\/distributions\/[^/]+$/);
    await this.page.getByTestId('distribution-name').waitFor();
  }
}

export class CohortRequestDialog {
  constructor(private readonly page: Page) {}
  dialog = () => this.page.getByRole('dialog', { name: /Request a cohort/ });
  async open() {
    await this.page.getByTestId('request-cohort').click();
    await this.dialog().waitFor();
  }
  steps = () => this.dialog().getByRole('textbox', { name: /steps$/ });
  async fill(size: number, steps: number, seed: number) {
    await this.dialog().getByRole('textbox', { name: 'Subjects (N)' }).fill(String(size));
    await this.steps().fill(String(steps));
    await this.dialog().getByRole('textbox', { name: 'Seed' }).fill(String(seed));
  }
  async estimateText(): Promise<string> {
    await this.dialog().getByTestId('cohort-estimate').getByText(/About /).waitFor();
    return (await this.dialog().getByTestId('cohort-estimate').textContent()) ?? '';
  }
  async submit() {
    await this.dialog().getByTestId('submit-cohort').click();
    // Either the cohort page, or an error in the dialog (reported as the failure's reason).
    const alert = this.dialog().getByTestId('form-errors');
    const outcome = await Promise.race([
      this.page.waitForURL(/\/cohorts\/[^/]+$/, { timeout: 30_000 }).then(() => 'navigated', () => 'timeout'),
      alert.waitFor({ timeout: 30_000 }).then(() => 'alert', () => 'timeout'),
    ]);
    if (outcome === 'alert') throw new Error(`the request was refused: ${await alert.textContent()}`);
    if (outcome === 'timeout') throw new Error('neither the cohort page nor an error appeared within 30 s');
  }
}

export class CohortPage {
  constructor(private readonly page: Page) {}
  samplerSettings = () => this.page.getByTestId('cohort-sampler');
  idFromUrl(): string {
    return decodeURIComponent(new URL(this.page.url()).pathname.split('/')[2]!);
  }
  async status(): Promise<string> {
    return ((await this.page.getByTestId('cohort-status').first().textContent()) ?? '').trim();
  }
  async waitForStatus(status: string, timeoutMs: number) {
    await this.page.getByTestId('cohort-status').filter({ hasText: status }).first().waitFor({ timeout: timeoutMs });
  }
  rows = () => this.page.getByTestId('volume-row');
  async openFirstVolume() {
    await this.rows().first().getByRole('link', { name: 'View' }).click();
    await this.page.waitForURL(/\/volumes\//);
  }
}

export class VolumePage {
  constructor(private readonly page: Page) {}
  canvas = () => this.page.getByTestId('niivue-canvas');
  async waitReady() {
    await this.page.locator('[data-testid="niivue-canvas"][data-state="ready"]').waitFor({ timeout: 30_000 });
  }
  /** Reads the rendered canvas back: distinct colours and lit pixels. */
  async canvasPixels(): Promise<{ distinctColours: number; litFraction: number }> {
    const { distinctColours, litFraction } = await canvasPixelStats(this.page, this.canvas());
    return { distinctColours, litFraction };
  }
  provenance = () => this.page.getByTestId('provenance');
  provenanceSummary = () => this.page.getByTestId('provenance-summary');
  async accept(comment: string) {
    await this.page.getByRole('textbox', { name: 'Comment' }).fill(comment);
    await this.page.getByTestId('accept-volume').click();
    await this.page.getByTestId('review-record').getByText(/accepted by/).waitFor();
  }
}

/**
 * Pixel statistics of a rendered canvas, from a screenshot decoded in the page: distinct colours, the share of
 * lit pixels (R + G + B > 60), and pixels of the mask's red (R high, G and B low).
 */
export async function canvasPixelStats(page: Page, canvas: Locator): Promise<{ distinctColours: number; litFraction: number; redPixels: number }> {
  const png = await canvas.screenshot();
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set<number>();
    let lit = 0;
    let red = 0;
    for (let i = 0; i < d.length; i += 4) {
      colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      if (d[i]! + d[i + 1]! + d[i + 2]! > 60) lit++;
      if (d[i]! > 150 && d[i + 1]! < 100 && d[i + 2]! < 100) red++;
    }
    return { distinctColours: colours.size, litFraction: lit / (d.length / 4), redPixels: red };
  }, png.toString('base64'));
}
