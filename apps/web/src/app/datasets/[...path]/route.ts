// Same-origin dataset downloads (manifest, files, export archive with HTTP Range), forwarded to the API.
import type { NextRequest } from 'next/server';
import { forwardToApi } from '@/lib/forward';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest, ctx: { params: Promise<{ path: string[] }> }) {
  const { path } = await ctx.params;
  return forwardToApi(req, `/datasets/${path.map(encodeURIComponent).join('/')}`);
}
