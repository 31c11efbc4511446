// Page objects for the signed-in app: one class per page, locators by role and label (what a
// screen-reader user would use), so markup can change without breaking the flow.
import type { Page } from 'playwright-core';

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
