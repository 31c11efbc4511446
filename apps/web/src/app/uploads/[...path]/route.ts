// Same-origin uploads of reference masks (POST /uploads/projects/:id/reference-masks), forwarded
// to the API, which checks the session cookie, the size limit and the file.
import type { NextRequest } from 'next/server';
import { forwardToApi } from '@/lib/forward';

export const dynamic = 'force-dynamic';

export async function POST(req: NextRequest, ctx: { params: Promise<{ path: string[] }> }) {
  const { path } = await ctx.params;
  return forwardToApi(req, `/uploads/${path.map(encodeURIComponent).join('/')}`);
}
