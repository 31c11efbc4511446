// The browser talks to same-origin /graphql (src/app/graphql/route.ts forwards it to the API at
// SLICEWISE_API_URL, read at run time), so the API's httpOnly session cookie is first-party.
// Every response carries the security headers below (OWASP secure headers): no framing
// (clickjacking), no MIME sniffing, no referrer beyond the origin, and a Content-Security-Policy
// that only allows this origin (Next's inline bootstrap scripts and Mantine's inline styles need
// 'unsafe-inline'; NiiVue decodes volumes in blob: workers and draws from data:/blob: images).
import type { NextConfig } from 'next';

const dev = process.env.NODE_ENV === 'development';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'${dev ? " 'unsafe-eval'" : ''}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  `connect-src 'self'${dev ? ' ws:' : ''}`,
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS = [
  { key: 'Content-Security-Policy', value: CONTENT_SECURITY_POLICY },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  experimental: { optimizePackageImports: ['@mantine/core', '@mantine/hooks', 'recharts'] },
  async headers() {
    return [{ source: '/:path*', headers: SECURITY_HEADERS }];
  },
};

export default config;
