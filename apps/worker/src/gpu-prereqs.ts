/**
 * What the CUDA execution provider needs on a host, checked before `npm run check:gpu` spends time on a
 * cohort, so a machine without it fails at once with the missing parts named. The probe is injectable
 * (tests simulate hosts with and without each part); `systemProbe` reads the real machine.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface GpuProbe {
  /** `nvidia-smi -L` output, or null when the command is missing or fails (no driver / no GPU). */
  nvidiaSmiList(): string | null;
  /** Folder of onnxruntime-node's native binaries for this platform (where the CUDA EP library must be). */
  ortBinaryDir(): string | null;
  fileExists(p: string): boolean;
  /** Shared libraries the dynamic loader can find (ldconfig -p), plus LD_LIBRARY_PATH folders' contents. */
  loadableLibraries(): string[];
}

export interface Missing {
  what: string;
  fix: string;
}

/** Empty when everything the CUDA provider needs is present. */
export function missingGpuPrerequisites(p: GpuProbe): Missing[] {
  const missing: Missing[] = [];
  const gpus = p.nvidiaSmiList();
  if (gpus === null || !/GPU \d+:/.test(gpus)) {
    missing.push({ what: 'an NVIDIA GPU with its driver (nvidia-smi -L lists none)', fix: 'run on a GPU host; in Docker, start with the gpu profile (device reservation) and the NVIDIA Container Toolkit' });
  }
  const dir = p.ortBinaryDir();
  const cudaEp = dir ? path.join(dir, 'libonnxruntime_providers_cuda.so') : null;
  if (!cudaEp || !p.fileExists(cudaEp)) {
    missing.push({
      what: `onnxruntime-node's CUDA execution provider (${cudaEp ?? 'onnxruntime-node not found'} is absent: this checkout installed it with ONNXRUNTIME_NODE_INSTALL=skip)`,
      fix: 'ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js (downloads from NuGet; or build the worker-gpu image)',
    });
  }
  const libs = p.loadableLibraries();
  const has = (re: RegExp) => libs.some((l) => re.test(l));
  for (const [re, name] of [
    [/^libcudart\.so\.12/, 'CUDA 12 runtime (libcudart.so.12)'],
    [/^libcublas\.so\.12/, 'cuBLAS 12 (libcublas.so.12)'],
    [/^libcudnn\.so\.9/, 'cuDNN 9 (libcudnn.so.9)'],
  ] as const) {
    if (!has(re)) missing.push({ what: name, fix: 'use a CUDA 12 + cuDNN 9 runtime (the worker-gpu image: nvidia/cuda:*-cudnn-runtime) or add its lib folder to LD_LIBRARY_PATH' });
  }
  return missing;
}

export const systemProbe: GpuProbe = {
  nvidiaSmiList() {
    try {
      return execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    } catch {
      return null;
    }
  },
  ortBinaryDir() {
    try {
      const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
      const base = path.join(path.dirname(pkg), 'bin');
      const napi = fs.readdirSync(base).find((d) => d.startsWith('napi-v'));
      return napi ? path.join(base, napi, process.platform, process.arch) : null;
    } catch {
      return null;
    }
  },
  fileExists: (p) => fs.existsSync(p),
  loadableLibraries() {
    const out: string[] = [];
    try {
      const ld = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      for (const line of ld.split('\n')) {
        const m = /^\s*(\S+)\s/.exec(line);
        if (m) out.push(m[1]!);
      }
    } catch {
      /* no ldconfig: only LD_LIBRARY_PATH below */
    }
    for (const dir of (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
      try {
        out.push(...fs.readdirSync(dir));
      } catch {
        /* missing folder */
      }
    }
    return out;
  },
};
