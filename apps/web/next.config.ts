// The browser talks to same-origin /graphql (src/app/graphql/route.ts forwards it to the API at
// SLICEWISE_API_URL, read at run time), so the API's httpOnly session cookie is first-party.
import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  experimental: { optimizePackageImports: ['@mantine/core', '@mantine/hooks', 'recharts'] },
};

export default config;
