import { describe, expect, it } from 'vitest';
import { checkTarget, isPublicAddress } from './target-guard.ts';

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '93.184.215.14', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (a) => expect(isPublicAddress(a)).toBe(true));
  it.each(['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.251', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip'])(
    '%s is not',
    (a) => expect(isPublicAddress(a)).toBe(false),
  );
  it('a name resolving to loopback is refused unless private targets are allowed', async () => {
    await expect(checkTarget('http://localhost:8080/x', false)).rejects.toThrow(/not a public internet address/);
    await expect(checkTarget('http://localhost:8080/x', true)).resolves.toBeUndefined();
  });
});
