'use client';
// An empirical distribution from the team's own reference masks: upload NIfTI masks (resampled by
// the API onto the model grid; only hash, name and features are kept), pick some, fit.
import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Checkbox, Code, FileInput, Group, NumberInput, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { CreateEmpiricalDistributionDocument, ReferenceFilesDocument, type ReferenceFilesQuery } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { useMutationForm } from '@/lib/use-mutation-form';
import { formatFeature, type UnitModel } from '@/lib/units';
import { FormErrors } from './form-errors';
import { DataTable, type Column } from './data-table';
import { nameError } from '@/lib/validators';
import { formatDate } from './page-header';
import { EmptyState, ErrorState, LoadingState } from './states';

interface UploadResult {
  referenceFile?: { id: string; filename: string };
  userErrors?: { field: string[]; message: string }[];
  errors?: { message: string }[];
}

type Reference = ReferenceFilesQuery['project']['referenceFiles'][number];

export function EmpiricalBuilder({ projectId, modelId, model }: { projectId: string; modelId: string; model?: UnitModel }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const refs = useGql(ReferenceFilesDocument, { projectId });
  const create = useMutationForm(CreateEmpiricalDistributionDocument, { payload: (r) => r.createEmpiricalDistribution, fields: ['name'], onFieldErrors: (f) => setNameErr(f.name ?? null) });
  const [files, setFiles] = useState<File[]>([]);
  const [merge, setMerge] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [uploadErrors, setUploadErrors] = useState<string[]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const [name, setName] = useState('');
  const [nameErr, setNameErr] = useState<string | null>(null);
  const [bandwidth, setBandwidth] = useState<number | string>(0.25);

  async function upload() {
    setUploading(true);
    setUploadErrors([]);
    const errors: string[] = [];
    const added: string[] = [];
    for (const f of files) {
      const qs = new URLSearchParams({ modelId, filename: f.name, ...(merge ? { labels: 'merge' } : {}) });
      try {
        const r = await fetch(`/uploads/projects/${encodeURIComponent(projectId)}/reference-masks?${qs}`, { method: 'POST', body: f, headers: { 'content-type': 'application/octet-stream' } });
        const body = (await r.json()) as UploadResult;
        if (body.referenceFile) added.push(body.referenceFile.id);
        else errors.push(`${f.name}: ${(body.userErrors ?? body.errors ?? []).map((e) => e.message).join(' ') || `HTTP ${r.status}`}`);
      } catch (e) {
        errors.push(`${f.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    setUploadErrors(errors);
    setSelected((s) => [...new Set([...s, ...added])]);
    setFiles([]);
    setUploading(false);
    await queryClient.invalidateQueries();
  }

  async function fit() {
    const err = nameError('Name')(name);
    setNameErr(err);
    if (err) return;
    const r = await create.run({ input: { projectId, modelId, name, referenceFileIds: selected, bandwidth: typeof bandwidth === 'number' ? bandwidth : null } });
    if (r) router.push(`/projects/${encodeURIComponent(projectId)}/distributions/${encodeURIComponent(r.distribution!.id)}`);
  }

  const list = refs.data?.project.referenceFiles ?? [];
  const columns: Column<Reference>[] = [
    {
      key: 'select',
      header: (
        <Checkbox aria-label="Select all" checked={list.length > 0 && selected.length === list.length} indeterminate={selected.length > 0 && selected.length < list.length} onChange={(e) => setSelected(e.currentTarget.checked ? list.map((r) => r.id) : [])} />
      ),
      cell: (r) => <Checkbox aria-label={`Use ${r.filename}`} checked={selected.includes(r.id)} onChange={(e) => setSelected((s) => (e.currentTarget.checked ? [...s, r.id] : s.filter((x) => x !== r.id)))} />,
    },
    { key: 'file', header: 'File', cell: (r) => r.filename },
    // measured on the model grid: physical units from the model's voxel size of anatomy
    { key: 'volume', header: 'Tumour volume', cell: (r) => (Array.isArray(r.features) && typeof r.features[0] === 'number' ? formatFeature(model, 'voxel_volume', r.features[0]) : '—') },
    { key: 'sha', header: 'sha256', cell: (r) => <Code>{r.sha256.slice(0, 12)}…</Code> },
    { key: 'uploaded', header: 'Uploaded', cell: (r) => formatDate(r.createdAt) },
  ];
  return (
    <Stack>
      <Paper withBorder p="md">
        <Title order={2} size="h5" mb="xs">
          Upload reference masks
        </Title>
        <Text size="sm" c="dimmed" mb="xs">
          Binary tumour masks as NIfTI (.nii or .nii.gz). They are resampled onto the model grid using their affine; only the file&apos;s sha256, name and features are kept.
        </Text>
        <Group align="flex-end" wrap="wrap">
          <FileInput label="Mask files" multiple accept=".nii,.gz,application/gzip" value={files} onChange={setFiles} placeholder="Choose files" clearable w={320} />
          <Checkbox label="Merge labels (BraTS 1, 2, 4 → tumour)" checked={merge} onChange={(e) => setMerge(e.currentTarget.checked)} />
          <Button onClick={() => void upload()} loading={uploading} disabled={!files.length}>
            Upload {files.length || ''}
          </Button>
        </Group>
        {uploadErrors.length > 0 && (
          <Alert color="red" role="alert" mt="sm" title="Some files were not accepted (nothing stored for them)">
            {uploadErrors.map((e, i) => (
              <div key={i}>{e}</div>
            ))}
          </Alert>
        )}
      </Paper>
      {refs.isPending ? (
        <LoadingState label="Loading reference masks…" />
      ) : refs.error ? (
        <ErrorState error={refs.error} onRetry={() => void refs.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState title="No reference masks yet">Upload a few masks of real tumours; the distribution jitters their volume, shape and position.</EmptyState>
      ) : (
        <DataTable columns={columns} rows={list} rowKey={(r) => r.id} testId="reference-files" minWidth={600} />
      )}
      <Group align="flex-start" wrap="wrap">
        <TextInput label="Name" required value={name} onChange={(e) => (setName(e.currentTarget.value), setNameErr(nameError('Name')(e.currentTarget.value)))} error={nameErr} w={320} />
        <NumberInput label="Bandwidth" description="Jitter as a fraction of each parameter's spread" min={0} max={2} step={0.05} decimalScale={3} value={bandwidth} onChange={setBandwidth} w={220} />
      </Group>
      <FormErrors errors={create.general} title="Not saved" />
      <div>
        <Button onClick={() => void fit()} disabled={selected.length === 0} loading={create.pending}>
          Fit distribution from {selected.length} mask{selected.length === 1 ? '' : 's'}
        </Button>
      </div>
    </Stack>
  );
}
