'use client';
// NiiVue 0.69 (WebGL2) view of a generated volume: the image with the tumour mask as a label overlay.
// It opens at the tumour's centroid in all three planes (a small tumour is visible at once), with a thin
// crosshair (or none), a slider per plane, window/level, "jump to lesion", and the mask filled, outlined
// (NiiVue's label outline: NIFTI_INTENT_LABEL volumes, which the worker writes) or hidden.
// Loaded in the browser only (dynamic import), sized by its container.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Niivue, NiiVueLocation } from '@niivue/niivue';
import { Alert, Button, Group, RangeSlider, SegmentedControl, Slider, Stack, Text } from '@mantine/core';
import { maskCentroid } from '@/lib/mask';

export type ViewName = 'axial' | 'coronal' | 'sagittal' | 'multiplanar';
const SLICE: Record<ViewName, number> = { axial: 0, coronal: 1, sagittal: 2, multiplanar: 3 };
export type MaskMode = 'filled' | 'outline' | 'hidden';
type Vox = [number, number, number];

/** Crosshair line width in voxels: a quarter voxel, so it never hides a small lesion (NiiVue's default is 1). */
const THIN_CROSSHAIR = 0.25;
const PLANES = [
  { axis: 2, label: 'Axial (z)' },
  { axis: 1, label: 'Coronal (y)' },
  { axis: 0, label: 'Sagittal (x)' },
] as const;

export function VolumeViewer({ imageUrl, maskUrl, voxelMm }: { imageUrl: string; maskUrl: string | null; voxelMm?: readonly number[] | null }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const nvRef = useRef<Niivue | null>(null);
  const [view, setView] = useState<ViewName>('multiplanar');
  const [opacity, setOpacity] = useState(0.6);
  const [maskMode, setMaskMode] = useState<MaskMode>('filled');
  const [crosshair, setCrosshair] = useState<'thin' | 'off'>('thin');
  const [state, setState] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState<string | null>(null);
  const [dims, setDims] = useState<Vox | null>(null);
  const [vox, setVox] = useState<Vox | null>(null);
  const [lesion, setLesion] = useState<{ vox: Vox | null; count: number } | null>(null);
  const [range, setRange] = useState<[number, number] | null>(null);
  const [win, setWin] = useState<[number, number] | null>(null);

  const goTo = useCallback((v: Vox) => {
    const nv = nvRef.current;
    if (!nv) return;
    nv.scene.crosshairPos = nv.vox2frac(v as unknown as Parameters<Niivue['vox2frac']>[0]);
    nv.drawScene();
    setVox(v);
  }, []);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const gl = document.createElement('canvas').getContext('webgl2');
        if (!gl) throw new Error('This browser has no WebGL2, which the viewer needs. Download the files below to view them in another tool.');
        const { Niivue } = await import('@niivue/niivue');
        if (cancelled || !canvasRef.current) return;
        const nv = new Niivue({ backColor: [0, 0, 0, 1], show3Dcrosshair: false, crosshairColor: [1, 0.85, 0, 0.7], crosshairWidth: THIN_CROSSHAIR, isColorbar: false });
        nvRef.current = nv;
        await nv.attachToCanvas(canvasRef.current);
        const list: { url: string; name: string; colormap?: string; opacity?: number }[] = [{ url: imageUrl, name: 'image.nii.gz' }];
        if (maskUrl) list.push({ url: maskUrl, name: 'mask.nii.gz', colormap: 'red', opacity });
        await nv.loadVolumes(list);
        const image = nv.volumes[0]!;
        const d = (image.dimsRAS ?? image.dims ?? [3, 1, 1, 1]).slice(1, 4) as Vox;
        const mask = nv.volumes[1];
        if (maskUrl && mask) {
          // A label colormap: 0 transparent, 1 tumour (red); niivue#1345: contiguous label ids.
          mask.setColormapLabel({ R: [0, 255], G: [0, 40], B: [0, 40], A: [0, 255], I: [0, 1], labels: ['background', 'tumour'] });
          nv.updateGLVolume();
        }
        const centre = mask?.img ? maskCentroid(mask.img, (mask.dimsRAS ?? mask.dims ?? [3, ...d]).slice(1, 4) as Vox) : { vox: null, count: 0 };
        const lo = image.global_min ?? image.cal_min ?? 0;
        const hi = image.global_max ?? image.cal_max ?? 1;
        nv.onLocationChange = (loc: unknown) => {
          const v = (loc as NiiVueLocation).vox;
          setVox([v[0]!, v[1]!, v[2]!]);
        };
        nv.setSliceType(SLICE.multiplanar);
        if (cancelled) return;
        setDims(d);
        setLesion(centre);
        setRange([lo, hi]);
        setWin([image.cal_min ?? lo, image.cal_max ?? hi]);
        // Open at the tumour, in all three planes; the grid's centre when the mask is empty.
        const start = centre.vox ?? (d.map((n) => Math.floor(n / 2)) as Vox);
        nv.scene.crosshairPos = nv.vox2frac(start as unknown as Parameters<Niivue['vox2frac']>[0]);
        nv.drawScene();
        setVox(start);
        setState('ready');
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
    // View, opacity, mask mode, crosshair and window are applied by the effects below, not by reloading.
  }, [imageUrl, maskUrl]);

  useEffect(() => {
    if (state === 'ready') nvRef.current?.setSliceType(SLICE[view]);
  }, [view, state]);
  useEffect(() => {
    const nv = nvRef.current;
    if (state !== 'ready' || !nv || !maskUrl || !nv.volumes[1]) return;
    // Outline: the label's border voxels at full opacity (NiiVue atlas outline), its inside transparent.
    nv.opts.atlasOutline = maskMode === 'outline' ? 1 : 0;
    nv.setOpacity(1, maskMode === 'filled' ? opacity : 0);
    nv.updateGLVolume();
  }, [opacity, maskMode, state, maskUrl]);
  useEffect(() => {
    if (state === 'ready') nvRef.current?.setCrosshairWidth(crosshair === 'thin' ? THIN_CROSSHAIR : 0);
  }, [crosshair, state]);
  useEffect(() => {
    const nv = nvRef.current;
    if (state !== 'ready' || !nv || !win || !nv.volumes[0]) return;
    nv.volumes[0].cal_min = win[0];
    nv.volumes[0].cal_max = win[1];
    nv.updateGLVolume();
  }, [win, state]);

  const mm = (axis: 0 | 1 | 2, v: number) => (voxelMm && voxelMm.length === 3 ? ` · ${((v + 0.5) * voxelMm[axis]!).toFixed(0)} mm` : '');
  const step = range ? (range[1] - range[0]) / 200 || 0.01 : 0.01;

  return (
    <Stack gap="xs">
      <Group justify="space-between" wrap="wrap" gap="xs">
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
        <Button size="xs" variant="light" color="red" disabled={state !== 'ready' || !lesion?.vox} onClick={() => lesion?.vox && goTo(lesion.vox)} data-testid="jump-to-lesion">
          Jump to lesion
        </Button>
      </Group>
      {state === 'error' && (
        <Alert color="red" role="alert" title="The viewer could not show this volume">
          {error}
        </Alert>
      )}
      <div style={{ position: 'relative', width: '100%', aspectRatio: '4 / 3', background: '#000', borderRadius: 8, overflow: 'hidden' }}>
        <canvas
          ref={canvasRef}
          data-testid="niivue-canvas"
          data-state={state}
          data-crosshair-vox={vox?.join(',') ?? ''}
          data-lesion-vox={lesion?.vox?.join(',') ?? ''}
          data-mask-voxels={lesion?.count ?? ''}
          data-mask-mode={maskMode}
          aria-label="Volume viewer (image with tumour mask overlay)"
          style={{ width: '100%', height: '100%', display: 'block' }}
        />
        {state === 'loading' && (
          <Text c="gray.4" size="sm" style={{ position: 'absolute', inset: 0, display: 'grid', placeItems: 'center' }}>
            Loading volume…
          </Text>
        )}
      </div>
      {lesion && lesion.count === 0 && (
        <Text size="xs" c="dimmed" data-testid="no-lesion">
          The mask has no tumour voxels: the view opens at the centre of the grid.
        </Text>
      )}
      {state === 'ready' && dims && vox && (
        <Stack gap={6} data-testid="viewer-controls">
          {PLANES.map(({ axis, label }) => (
            <Group key={axis} gap="xs" wrap="nowrap">
              <Text size="xs" w={110} id={`slice-${axis}`}>
                {label} {vox[axis]}
                {mm(axis, vox[axis])}
              </Text>
              <Slider
                thumbLabel={`${label} slice`}
                min={0}
                max={dims[axis] - 1}
                step={1}
                value={vox[axis]}
                onChange={(v) => goTo(vox.map((x, i) => (i === axis ? v : x)) as Vox)}
                style={{ flex: 1 }}
                label={null}
              />
            </Group>
          ))}
          {range && win && (
            <Group gap="xs" wrap="nowrap">
              <Text size="xs" w={110} id="window-label">
                Window / level
              </Text>
              <RangeSlider thumbFromLabel="Window from" thumbToLabel="Window to" min={range[0]} max={range[1]} step={step} minRange={step} value={win} onChange={setWin} style={{ flex: 1 }} label={(v) => v.toFixed(2)} />
              <Button size="compact-xs" variant="subtle" onClick={() => setWin(range)}>
                Reset
              </Button>
            </Group>
          )}
          <Group gap="sm" wrap="wrap">
            {maskUrl && (
              <SegmentedControl
                aria-label="Mask"
                size="xs"
                value={maskMode}
                onChange={(v) => setMaskMode(v as MaskMode)}
                data={[
                  { value: 'filled', label: 'Mask filled' },
                  { value: 'outline', label: 'Outline' },
                  { value: 'hidden', label: 'Hidden' },
                ]}
              />
            )}
            <SegmentedControl
              aria-label="Crosshair"
              size="xs"
              value={crosshair}
              onChange={(v) => setCrosshair(v as 'thin' | 'off')}
              data={[
                { value: 'thin', label: 'Crosshair' },
                { value: 'off', label: 'No crosshair' },
              ]}
            />
            {maskUrl && maskMode === 'filled' && (
              <Group gap="xs" wrap="nowrap" w={200}>
                <Text size="xs" id="opacity-label">
                  Opacity
                </Text>
                <Slider thumbLabel="Mask opacity" min={0} max={1} step={0.05} value={opacity} onChange={setOpacity} style={{ flex: 1 }} label={(v) => `${Math.round(v * 100)}%`} />
              </Group>
            )}
          </Group>
        </Stack>
      )}
    </Stack>
  );
}
