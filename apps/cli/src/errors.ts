/** Exit codes of `slicewise` (documented in README.md). */
export const EXIT = {
  OK: 0,
  /** A file or the manifest failed verification (sha256, size, missing, malformed manifest). */
  VERIFY: 1,
  USAGE: 2,
  /** 401 / 403 / 404 from the server: bad token, no access, unknown project/dataset/tag. */
  AUTH: 3,
  /** Network failure or a server error (5xx, unexpected status). */
  NETWORK: 4,
} as const;

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
