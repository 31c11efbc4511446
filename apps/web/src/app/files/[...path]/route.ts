// Same-origin downloads of generated volumes (/files/volumes/:id/image.nii.gz), forwarded to the
// API, which checks the session cookie and the team's permission.
import type { NextRequest } from 'next/server';
import { forwardToApi } from '@/lib/forward';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest, ctx: { params: Promise<{ path: string[] }> }) {
  const { path } = await ctx.params;
  return forwardToApi(req, `/files/${path.map(encodeURIComponent).join('/')}`);
}
