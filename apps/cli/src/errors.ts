/** Exit codes of `slicewise` (documented in README.md; the Python client uses the same). */
export const EXIT = {
  OK: 0,
  /** A file or the manifest failed verification (sha256, size, missing, malformed manifest). */
  VERIFY: 1,
  USAGE: 2,
  /** 401 / 403 / 404 from the server: bad token, no access, unknown project/dataset/tag. */
  AUTH: 3,
  /** Network failure or a server error (5xx, unexpected status), after retries. */
  NETWORK: 4,
  /** 429 after retries (the message says how long the server asks to wait). */
  RATE_LIMITED: 5,
  /** The output folder holds another dataset version, or files that are not one (nothing overwritten). */
  FOLDER: 6,
  /** Ctrl-C: re-run the same command to resume. */
  INTERRUPTED: 130,
} as const;

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    /** HTTP status behind it, if any. */
    readonly status?: number,
    /** Worth another attempt (connection failure, 5xx, 429). */
    readonly retryable = false,
    /** Seconds the server asked to wait (Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
