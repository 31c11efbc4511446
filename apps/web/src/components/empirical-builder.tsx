'use client';
// An empirical distribution from the team's own reference masks: upload NIfTI masks (resampled by
// the API onto the model grid; only hash, name and features are kept), pick some, fit.
import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Checkbox, Code, FileInput, Group, NumberInput, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { CreateEmpiricalDistributionDocument, ReferenceFilesDocument } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { nameError } from '@/lib/validators';
import { formatDate } from './page-header';
import { EmptyState, ErrorState, LoadingState } from './states';

interface UploadResult {
  referenceFile?: { id: string; filename: string };
  userErrors?: { field: string[]; message: string }[];
  errors?: { message: string }[];
}

export function EmpiricalBuilder({ projectId, modelId }: { projectId: string; modelId: string }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const refs = useGql(ReferenceFilesDocument, { projectId });
  const create = useGqlMutation(CreateEmpiricalDistributionDocument);
  const [files, setFiles] = useState<File[]>([]);
  const [merge, setMerge] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [uploadErrors, setUploadErrors] = useState<string[]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const [name, setName] = useState('');
  const [nameErr, setNameErr] = useState<string | null>(null);
  const [bandwidth, setBandwidth] = useState<number | string>(0.25);
  const [general, setGeneral] = useState<string[]>([]);

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
    setGeneral([]);
    try {
      const { createEmpiricalDistribution: r } = await create.mutateAsync({
        input: { projectId, modelId, name, referenceFileIds: selected, bandwidth: typeof bandwidth === 'number' ? bandwidth : null },
      });
      if (r.userErrors.length) return setGeneral(r.userErrors.map((e) => `${e.field.join('.')}: ${e.message}`));
      router.push(`/projects/${encodeURIComponent(projectId)}/distributions/${encodeURIComponent(r.distribution!.id)}`);
    } catch (e) {
      setGeneral([e instanceof Error ? e.message : String(e)]);
    }
  }

  const list = refs.data?.project.referenceFiles ?? [];
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
        <Table.ScrollContainer minWidth={600}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>
                  <Checkbox aria-label="Select all" checked={selected.length === list.length} indeterminate={selected.length > 0 && selected.length < list.length} onChange={(e) => setSelected(e.currentTarget.checked ? list.map((r) => r.id) : [])} />
                </Table.Th>
                <Table.Th>File</Table.Th>
                <Table.Th>Volume</Table.Th>
                <Table.Th>sha256</Table.Th>
                <Table.Th>Uploaded</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>
                    <Checkbox aria-label={`Use ${r.filename}`} checked={selected.includes(r.id)} onChange={(e) => setSelected((s) => (e.currentTarget.checked ? [...s, r.id] : s.filter((x) => x !== r.id)))} />
                  </Table.Td>
                  <Table.Td>{r.filename}</Table.Td>
                  <Table.Td>{typeof (r.physical as { volumeMl?: number })?.volumeMl === 'number' ? `${(r.physical as { volumeMl: number }).volumeMl.toFixed(2)} mL` : '—'}</Table.Td>
                  <Table.Td>
                    <Code>{r.sha256.slice(0, 12)}…</Code>
                  </Table.Td>
                  <Table.Td>{formatDate(r.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group align="flex-start" wrap="wrap">
        <TextInput label="Name" required value={name} onChange={(e) => (setName(e.currentTarget.value), setNameErr(nameError('Name')(e.currentTarget.value)))} error={nameErr} w={320} />
        <NumberInput label="Bandwidth" description="Jitter as a fraction of each parameter's spread" min={0} max={2} step={0.05} decimalScale={3} value={bandwidth} onChange={setBandwidth} w={220} />
      </Group>
      {general.length > 0 && (
        <Alert color="red" role="alert" title="Not saved">
          {general.map((g, i) => (
            <div key={i}>{g}</div>
          ))}
        </Alert>
      )}
      <div>
        <Button onClick={() => void fit()} disabled={selected.length === 0} loading={create.isPending}>
          Fit distribution from {selected.length} mask{selected.length === 1 ? '' : 's'}
        </Button>
      </div>
    </Stack>
  );
}
