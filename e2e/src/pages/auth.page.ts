import type { Page } from 'playwright-core';

export class SignUpPage {
  constructor(private readonly page: Page) {}
  async open() {
    await this.page.goto('/sign-up');
    await this.page.getByRole('heading', { name: 'Create your account' }).waitFor();
  }
  name = () => this.page.getByRole('textbox', { name: 'Name', exact: true });
  email = () => this.page.getByRole('textbox', { name: 'Email', exact: true });
  password = () => this.page.getByRole('textbox', { name: 'Password', exact: true });
  async fill(u: { name: string; email: string; password: string }) {
    await this.name().fill(u.name);
    await this.email().fill(u.email);
    await this.password().fill(u.password);
  }
  async submit() {
    await this.page.getByRole('button', { name: 'Create account' }).click();
  }
  /** The error Mantine renders under a field (aria-describedby points at it). */
  async fieldError(label: string): Promise<string | null> {
    const input = this.page.getByRole('textbox', { name: label, exact: true });
    const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter((id) => id.endsWith('-error'));
    if (!ids.length) return null;
    return this.page.locator(`[id="${ids[0]}"]`).textContent();
  }
}

export class SignInPage {
  constructor(private readonly page: Page) {}
  async open() {
    await this.page.goto('/sign-in');
    await this.page.getByRole('heading', { name: 'Sign in' }).waitFor();
  }
  async signIn(email: string, password: string) {
    await this.page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
    await this.page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }
}
