'use client';
// NiiVue (WebGL2) view of a generated volume: the image with the tumour mask as a label overlay.
// Loaded in the browser only (dynamic import), sized by its container.
import { useEffect, useRef, useState } from 'react';
import { Alert, Group, SegmentedControl, Slider, Stack, Text } from '@mantine/core';

export type ViewName = 'axial' | 'coronal' | 'sagittal' | 'multiplanar';
const SLICE: Record<ViewName, number> = { axial: 0, coronal: 1, sagittal: 2, multiplanar: 3 };

type NiivueLike = {
  attachToCanvas(c: HTMLCanvasElement): Promise<unknown>;
  loadVolumes(list: { url: string; name?: string; colormap?: string; opacity?: number }[]): Promise<unknown>;
  setSliceType(t: number): unknown;
  setOpacity(i: number, o: number): void;
  updateGLVolume(): void;
  volumes: { setColormapLabel(cm: { R: number[]; G: number[]; B: number[]; A: number[]; I: number[]; labels: string[] }): void; global_max?: number }[];
};

export function VolumeViewer({ imageUrl, maskUrl }: { imageUrl: string; maskUrl: string | null }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const nvRef = useRef<NiivueLike | null>(null);
  const [view, setView] = useState<ViewName>('multiplanar');
  const [opacity, setOpacity] = useState(0.6);
  const [state, setState] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const gl = document.createElement('canvas').getContext('webgl2');
        if (!gl) throw new Error('This browser has no WebGL2, which the viewer needs. Download the files below to view them in another tool.');
        const { Niivue } = await import('@niivue/niivue');
        if (cancelled || !canvasRef.current) return;
        const nv = new Niivue({ backColor: [0, 0, 0, 1], show3Dcrosshair: true, crosshairColor: [1, 1, 0, 0.6] }) as unknown as NiivueLike;
        nvRef.current = nv;
        await nv.attachToCanvas(canvasRef.current);
        const list: { url: string; name: string; colormap?: string; opacity?: number }[] = [{ url: imageUrl, name: 'image.nii.gz' }];
        if (maskUrl) list.push({ url: maskUrl, name: 'mask.nii.gz', colormap: 'red', opacity });
        await nv.loadVolumes(list);
        if (maskUrl && nv.volumes[1]) {
          // A label colormap: 0 transparent, 1 tumour (red); niivue#1345: contiguous label ids.
          nv.volumes[1].setColormapLabel({ R: [0, 255], G: [0, 40], B: [0, 40], A: [0, 255], I: [0, 1], labels: ['background', 'tumour'] });
          nv.updateGLVolume();
        }
        nv.setSliceType(SLICE[view]);
        if (!cancelled) setState('ready');
      } catch (e) {
        if (!cancelled) {
          setState('error');
          setError(e instanceof Error ? e.message : String(e));
        }
      }
    })();
    return () => {
      cancelled = true;
    };
    // The view and opacity are applied by the effects below, not by reloading.
  }, [imageUrl, maskUrl]);

  useEffect(() => {
    if (state === 'ready') nvRef.current?.setSliceType(SLICE[view]);
  }, [view, state]);
  useEffect(() => {
    if (state === 'ready' && maskUrl) nvRef.current?.setOpacity(1, opacity);
  }, [opacity, state, maskUrl]);

  return (
    <Stack gap="xs">
      <Group justify="space-between" wrap="wrap">
        <SegmentedControl
          aria-label="View"
          value={view}
          onChange={(v) => setView(v as ViewName)}
          data={[
            { value: 'axial', label: 'Axial' },
            { value: 'coronal', label: 'Coronal' },
            { value: 'sagittal', label: 'Sagittal' },
            { value: 'multiplanar', label: 'Multiplanar' },
          ]}
          size="xs"
        />
        {maskUrl && (
          <Group gap="xs" wrap="nowrap" w={220}>
            <Text size="xs" id="opacity-label">
              Mask opacity
            </Text>
            <Slider aria-labelledby="opacity-label" min={0} max={1} step={0.05} value={opacity} onChange={setOpacity} style={{ flex: 1 }} label={(v) => `${Math.round(v * 100)}%`} />
          </Group>
        )}
      </Group>
      {state === 'error' && (
        <Alert color="red" role="alert" title="The viewer could not show this volume">
          {error}
        </Alert>
      )}
      <div style={{ position: 'relative', width: '100%', aspectRatio: '4 / 3', background: '#000', borderRadius: 8, overflow: 'hidden' }}>
        <canvas ref={canvasRef} data-testid="niivue-canvas" data-state={state} aria-label="Volume viewer (image with tumour mask overlay)" style={{ width: '100%', height: '100%', display: 'block' }} />
        {state === 'loading' && (
          <Text c="gray.4" size="sm" style={{ position: 'absolute', inset: 0, display: 'grid', placeItems: 'center' }}>
            Loading volume…
          </Text>
        )}
      </div>
    </Stack>
  );
}
