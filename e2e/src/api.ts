// Direct GraphQL calls for test setup and for "the API refuses even if the UI is bypassed".
export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
  cookie?: string;
}

export async function gql<T = any>(apiUrl: string, query: string, variables: Record<string, unknown> = {}, auth: { cookie?: string; bearer?: string } = {}): Promise<GqlResult<T>> {
  const r = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(auth.cookie ? { cookie: auth.cookie } : {}),
      ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await r.json()) as { data?: T; errors?: GqlResult['errors'] };
  return { status: r.status, ...body, cookie: /sw_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0] };
}

/** A user made through the API (not the UI), signed in: returns the session cookie. */
export async function signUpViaApi(apiUrl: string, u: { email: string; name: string; password: string }): Promise<string> {
  const r = await gql(apiUrl, 'mutation($i: SignUpInput!) { signUp(input: $i) { user { id } userErrors { message } } }', { i: u });
  if (!r.cookie) throw new Error(`sign-up of ${u.email} failed: ${JSON.stringify(r)}`);
  return r.cookie;
}
