import { describe, expect, it } from 'vitest';
import { missingGpuPrerequisites, systemProbe, type GpuProbe } from './gpu-prereqs.ts';

const gpuHost: GpuProbe = {
  nvidiaSmiList: () => 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1234)\n',
  ortBinaryDir: () => '/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64',
  fileExists: () => true,
  loadableLibraries: () => ['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcudnn.so.9', 'libc.so.6'],
};

describe('missingGpuPrerequisites', () => {
  it('nothing missing on a GPU host with the CUDA provider and libraries', () => {
    expect(missingGpuPrerequisites(gpuHost)).toEqual([]);
  });

  it('names each missing part and how to get it', () => {
    const bare: GpuProbe = { nvidiaSmiList: () => null, ortBinaryDir: () => '/x/bin/napi-v6/linux/x64', fileExists: () => false, loadableLibraries: () => ['libc.so.6'] };
    const m = missingGpuPrerequisites(bare);
    expect(m.map((x) => x.what)).toEqual([
      'an NVIDIA GPU with its driver (nvidia-smi -L lists none)',
      "onnxruntime-node's CUDA execution provider (/x/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so is absent: this checkout installed it with ONNXRUNTIME_NODE_INSTALL=skip)",
      'CUDA 12 runtime (libcudart.so.12)',
      'cuBLAS 12 (libcublas.so.12)',
      'cuDNN 9 (libcudnn.so.9)',
    ]);
    expect(m[1]!.fix).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
  });

  it('a driver without GPUs, or only cuDNN missing, is reported alone', () => {
    expect(missingGpuPrerequisites({ ...gpuHost, nvidiaSmiList: () => 'No devices found.' }).map((x) => x.what)).toEqual(['an NVIDIA GPU with its driver (nvidia-smi -L lists none)']);
    expect(missingGpuPrerequisites({ ...gpuHost, loadableLibraries: () => ['libcudart.so.12', 'libcublas.so.12'] }).map((x) => x.what)).toEqual(['cuDNN 9 (libcudnn.so.9)']);
  });

  it('the system probe reads this machine (finds onnxruntime-node)', () => {
    expect(systemProbe.ortBinaryDir()).toMatch(/onnxruntime-node[/\\]bin[/\\]napi-v\d+[/\\]/);
    expect(systemProbe.loadableLibraries().length).toBeGreaterThan(0);
  });
});
