// Page objects for the pages of issue 17: invitations, the invitation link, dataset versions (tags, diff,
// "use this dataset"), the cohort's thumbnail grid and the viewer's controls.
import type { Locator, Page } from 'playwright-core';
import { canvasPixelStats } from './app.page.ts';

export class InvitationsSection {
  constructor(private readonly page: Page) {}
  section = () => this.page.getByRole('region', { name: 'Invitations' });
  form = () => this.page.getByRole('form', { name: 'Create an invitation' });
  /** Creates a link for a role and returns it from the shown-once dialog (then closes the dialog). */
  async create(role: 'Viewer' | 'Member' | 'Admin' | 'Owner', note = ''): Promise<string> {
    await this.form().getByLabel('Role', { exact: true }).click();
    await this.page.getByRole('option', { name: role, exact: true }).click();
    if (note) await this.form().getByLabel('Note for admins (optional)').fill(note);
    await this.form().getByRole('button', { name: 'Create link' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Invitation link created' });
    const link = (await dialog.getByTestId('invitation-link').textContent())!.trim();
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await dialog.waitFor({ state: 'detached' });
    return link;
  }
  rows = () => this.page.getByTestId('invitation-row');
  async states(): Promise<string[]> {
    return (await this.page.getByTestId('invitation-state').allTextContents()).map((s) => s.trim());
  }
  async revokeFirstPending() {
    await this.page.locator('[data-testid="invitation-row"][data-state="PENDING"]').first().getByRole('button', { name: 'Revoke' }).click();
    await this.page.getByRole('dialog', { name: 'Revoke invitation' }).getByRole('button', { name: 'Revoke' }).click();
  }
}

export class InvitePage {
  constructor(private readonly page: Page) {}
  card = () => this.page.getByTestId('invitation');
  async state(): Promise<string | null> {
    await this.card().waitFor();
    return this.card().getAttribute('data-state');
  }
  join = () => this.page.getByTestId('accept-invitation');
}

export class DatasetVersionPage {
  constructor(private readonly page: Page) {}
  async open(projectId: string, versionId: string) {
    await this.page.goto(`/projects/${encodeURIComponent(projectId)}/datasets/${encodeURIComponent(versionId)}`);
    await this.title().waitFor();
  }
  title = () => this.page.getByTestId('dataset-title');
  tagRow = (name: string) => this.page.locator(`[data-testid="tag-row"][data-tag="${name}"]`);
  versionTags = async () => (await this.page.getByTestId('version-tags').locator('.mantine-Badge-label').allTextContents()).map((t) => t.trim());
  /** "Move here" on a tag's row, then the confirmation; returns the confirmation's text. */
  async moveTagHere(name: string): Promise<string> {
    await this.tagRow(name).getByRole('button', { name: 'Move here' }).click();
    const dialog = this.page.getByRole('dialog', { name: `Move tag ${name}` });
    const text = (await dialog.textContent()) ?? '';
    await dialog.getByRole('button', { name: `Move ${name}` }).click();
    await this.page.getByRole('status').getByText(`${name} now points at this version`).waitFor();
    return text;
  }
  async compareWith(label: RegExp) {
    await this.page.getByRole('textbox', { name: 'Other version' }).or(this.page.getByRole('combobox', { name: 'Other version' })).click();
    await this.page.getByRole('option', { name: label }).click().catch(async (e: unknown) => {
      await this.page.screenshot({ path: 'test-results/compare-debug.png' });
      const html = await this.page.locator('body').innerHTML();
      (await import('node:fs')).writeFileSync('test-results/compare-debug.html', html);
      throw e;
    });
    await this.page.getByTestId('diff-result').waitFor({ timeout: 20_000 });
  }
  diffBadge = (which: 'added' | 'removed' | 'unchanged') => this.page.getByTestId(`diff-${which}`);
  diffHistogram = (feature: string) => this.page.getByTestId(`diff-histogram-${feature}`);
  snippet = async (tab: 'CLI' | 'Python' | 'curl'): Promise<string> => {
    await this.page.getByRole('region', { name: 'Use this dataset' }).getByRole('tab', { name: tab }).click();
    return (await this.page.getByTestId(`snippet-${tab === 'CLI' ? 'cli' : tab.toLowerCase()}`).textContent()) ?? '';
  };
  fileRows = () => this.page.getByTestId('file-row');
}

export class ViewerControls {
  constructor(private readonly page: Page) {}
  canvas = () => this.page.getByTestId('niivue-canvas');
  async waitReady() {
    await this.page.locator('[data-testid="niivue-canvas"][data-state="ready"]').waitFor({ timeout: 40_000 });
  }
  async crosshair(): Promise<string> {
    return (await this.canvas().getAttribute('data-crosshair-vox')) ?? '';
  }
  async lesion(): Promise<string> {
    return (await this.canvas().getAttribute('data-lesion-vox')) ?? '';
  }
  slider = (label: RegExp) => this.page.getByRole('slider', { name: label });
  async view(name: 'Axial' | 'Coronal' | 'Sagittal' | 'Multiplanar') {
    await choose(this.page, name);
  }
  async maskMode(name: 'Mask filled' | 'Outline' | 'Hidden') {
    await choose(this.page, name);
  }
  /** Pixels of the rendered canvas that are the mask's red (R high, G and B low). */
  async redPixels(): Promise<number> {
    return (await canvasPixelStats(this.page, this.canvas())).redPixels;
  }
}

/** Horizontal overflow of the page in CSS pixels (0 or less: it fits). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** True when a text element is cut (its content is wider than its box). */
export async function isCut(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el.scrollWidth > el.clientWidth + 1);
}

/** Picks an option of a segmented control by its label (the radio input itself is visually hidden). */
export async function choose(page: Page, label: string) {
  const radio = page.getByRole('radio', { name: label, exact: true });
  const id = await radio.getAttribute('id');
  await page.locator(`label[for="${id}"]`).click();
  await page.waitForFunction((i) => (document.getElementById(i!) as HTMLInputElement | null)?.checked === true, id);
}
