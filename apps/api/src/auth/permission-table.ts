import { PERMISSIONS, ROLES, roleAtLeast } from './permissions.ts';

/** The permission matrix as a Markdown table (README.md embeds it; a test keeps it current). */
export function permissionTableMarkdown(): string {
  const roles = [...ROLES].reverse();
  const head = `| action | ${roles.join(' | ')} | API token scope | what it allows |`;
  const sep = `|${' --- |'.repeat(roles.length + 3)}`;
  const rows = Object.entries(PERMISSIONS).map(
    ([action, rule]) =>
      `| \`${action}\` | ${roles.map((r) => (roleAtLeast(r, rule.minRole) ? 'yes' : '—')).join(' | ')} | ${rule.scope ?? 'never (sign in)'} | ${rule.description} |`,
  );
  return [head, sep, ...rows].join('\n');
}
