// Facts about this deployment that the web app shows before and around sign-in.
import { verifyPassword } from '../auth/secrets.ts';
import { DEMO_ACCOUNT } from './demo.ts';

export interface InstanceLimits {
  maxCohortSize: number;
  maxPreviewSize: number;
}

export class InstanceService {
  /** The demo user's password hash last verified, and whether it held the demo password (verifying is deliberately slow). */
  private verified: { hash: string; ok: Promise<boolean> } | null = null;

  constructor(
    private readonly users: { findUserByEmail(email: string): Promise<{ passwordHash: string } | null> },
    readonly limits: InstanceLimits,
  ) {}

  /** The demo credentials while the demo account exists and still has them; otherwise null. */
  async demoAccount(): Promise<{ email: string; password: string } | null> {
    const user = await this.users.findUserByEmail(DEMO_ACCOUNT.email);
    if (!user) return null;
    if (this.verified?.hash !== user.passwordHash) this.verified = { hash: user.passwordHash, ok: verifyPassword(user.passwordHash, DEMO_ACCOUNT.password) };
    return (await this.verified.ok) ? { email: DEMO_ACCOUNT.email, password: DEMO_ACCOUNT.password } : null;
  }
}
