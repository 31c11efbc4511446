// The browser talks to same-origin /graphql; Next forwards it to the API so the API's httpOnly
// session cookie (sw_session) is first-party and needs no CORS.
import type { NextConfig } from 'next';

const apiUrl = (process.env.SLICEWISE_API_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The e2e suite and `npm start` build into their own folders when asked (SLICEWISE_WEB_DIST_DIR).
  distDir: process.env.SLICEWISE_WEB_DIST_DIR ?? '.next',
  experimental: { optimizePackageImports: ['@mantine/core', '@mantine/hooks', 'recharts'] },
  async rewrites() {
    return [{ source: '/graphql', destination: `${apiUrl}/graphql` }];
  },
};

export default config;
