// Same-origin /graphql for the browser, forwarded to the API (see lib/forward.ts for why not a rewrite).
import type { NextRequest } from 'next/server';
import { forwardToApi } from '@/lib/forward';

export const dynamic = 'force-dynamic';

export const GET = (req: NextRequest) => forwardToApi(req, '/graphql');
export const POST = (req: NextRequest) => forwardToApi(req, '/graphql');
