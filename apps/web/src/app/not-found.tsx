import Link from 'next/link';

export default function NotFound() {
  return (
    <main style={{ padding: 48, textAlign: 'center' }} data-testid="not-found">
      <h1>Not found</h1>
      <p>There is no page at this address.</p>
      <Link href="/">Go to Slicewise</Link>
    </main>
  );
}
