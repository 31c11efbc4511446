export { main, USAGE, DEFAULT_API, type Io } from './main.ts';
export { pull, type PullOptions, type PullResult } from './pull.ts';
export { verifyFolder, type VerifyResult } from './verify.ts';
export { parseSpec, versionUrl, fileUrl, type VersionSpec } from './spec.ts';
export { EXIT, CliError } from './errors.ts';
