// Page objects for issue 14 in the browser: the model picker and its card, the cohort dialog's quality-control
// controls, the cohort page's QC column, settings and adherence panel, the viewer's QC tries, the publish waiver.
import type { Page } from 'playwright-core';

export class ModelPickerPart {
  constructor(private readonly page: Page) {}
  select = () => this.page.getByRole('textbox', { name: 'Model' }).or(this.page.getByRole('combobox', { name: 'Model' })).first();
  card = () => this.page.getByTestId('model-card').first();
  /** The option labels the picker offers (opens and closes its dropdown). */
  async options(): Promise<string[]> {
    await this.select().click();
    const list = this.page.getByRole('listbox');
    await list.waitFor();
    const labels = (await list.getByRole('option').allTextContents()).map((t) => t.trim());
    await this.page.keyboard.press('Escape');
    return labels;
  }
}

export class QcDialogPart {
  constructor(private readonly page: Page) {}
  dialog = () => this.page.getByRole('dialog', { name: /Request a cohort/ });
  controls = () => this.dialog().getByTestId('qc-controls');
  enabled = () => this.controls().getByRole('switch', { name: /Check every volume/ });
  tries = () => this.controls().getByRole('textbox', { name: 'Tries per volume' });
  async setTolerance(label: string, value: number) {
    await this.controls().getByTestId('qc-tolerances-toggle').click();
    const input = this.controls().getByRole('textbox', { name: label, exact: true });
    await input.waitFor();
    await input.fill(String(value));
  }
}

export class CohortQcPart {
  constructor(private readonly page: Page) {}
  settings = () => this.page.getByTestId('cohort-qc-settings');
  qcFailed = () => this.page.getByTestId('cohort-qc-failed');
  badges = () => this.page.getByTestId('volumes-table').getByTestId('qc-badge');
  reasons = () => this.page.getByTestId('volumes-table').getByTestId('qc-reasons');
  panel = () => this.page.getByTestId('adherence-panel');
  adherenceFeatures = async () => this.panel().getByTestId('adherence-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-feature')));
  scatter = (feature: string) => this.panel().getByTestId(`adherence-scatter-${feature}`);
}

export class ViewerQcPart {
  constructor(private readonly page: Page) {}
  panel = () => this.page.getByTestId('qc-panel');
  tries = () => this.panel().getByTestId('qc-try');
}

export class PublishDialogPart {
  constructor(private readonly page: Page) {}
  dialog = () => this.page.getByRole('dialog', { name: 'Publish a dataset version' });
  async open() {
    await this.page.getByTestId('publish-dataset').click();
    await this.dialog().waitFor();
  }
  async selectCohort(name: string) {
    await this.dialog().getByRole('checkbox', { name }).check();
  }
  leftOut = () => this.dialog().getByTestId('qc-left-out');
  waive = () => this.dialog().getByRole('switch', { name: 'Include them anyway, with a waiver' });
  waiver = () => this.dialog().getByRole('textbox', { name: /Waiver/ });
  submit = () => this.dialog().getByTestId('publish-submit');
  /** Publishes and returns the result line. */
  async publish(): Promise<string> {
    await this.submit().click();
    const status = this.dialog().getByRole('status');
    await status.waitFor();
    return (await status.textContent()) ?? '';
  }
}
