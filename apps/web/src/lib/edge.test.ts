import { describe, expect, it } from 'vitest';
import { bodyLimitFor, clientAddressOf, edgeConfig } from './edge';

describe('clientAddressOf', () => {
  it('takes the socket address, and X-Forwarded-For only as far as trusted hops go', () => {
    expect(clientAddressOf('::ffff:198.51.100.1', '203.0.113.9', 0)).toBe('198.51.100.1');
    expect(clientAddressOf('10.0.0.2', '203.0.113.9, 198.51.100.3', 1)).toBe('198.51.100.3');
    expect(clientAddressOf('10.0.0.2', 'forged, 198.51.100.3', 1)).toBe('198.51.100.3');
    expect(clientAddressOf('10.0.0.2', 'not-an-ip', 1)).toBe('10.0.0.2');
  });
});

describe('edgeConfig', () => {
  it('reads the limits, and names a bad variable', () => {
    const c = edgeConfig({ MAX_UPLOAD_BYTES: '2048' });
    expect(bodyLimitFor('/uploads/projects/x/reference-masks', c)).toBe(2048);
    expect(bodyLimitFor('/graphql', c)).toBe(1024 * 1024);
    expect(() => edgeConfig({ WEB_TRUST_PROXY_HOPS: 'two' })).toThrow(/WEB_TRUST_PROXY_HOPS="two"/);
  });
});
