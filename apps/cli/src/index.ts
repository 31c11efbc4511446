export { main, USAGE, DEFAULT_API, type Io } from './main.ts';
export { pull, verifyFolder, type PullOptions, type PullResult, type VerifyResult } from './pull.ts';
export { parseSpec, versionUrl, fileUrl, type VersionSpec } from './spec.ts';
export { EXIT, CliError } from './errors.ts';
