'use client';
// The tags of a dataset (latest, v3, approved) and where each points; "point a tag here" moves one to
// this version after a confirmation that says what changes for pipelines. Moves are audited by the API.
import { useState } from 'react';
import Link from 'next/link';
import { Anchor, Autocomplete, Badge, Button, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { MoveDatasetTagDocument, type DatasetVersionPageQuery } from '@/generated/gql/graphql';
import { useMutationForm } from '@/lib/use-mutation-form';
import { ConfirmModal } from '@/components/confirm';
import { DataTable, type Column } from '@/components/data-table';
import { FormErrors } from '@/components/form-errors';
import { formatDate } from '@/components/page-header';
import { datasetVersionHref } from '@/components/dataset-versions';

type Tag = DatasetVersionPageQuery['datasetVersion']['datasetTags'][number];
const TAG_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function tagNameError(name: string): string | null {
  if (!name) return 'Name a tag';
  if (!TAG_RE.test(name)) return `"${name}": 1–63 lowercase letters, digits, ".", "_", "-", starting with a letter or digit`;
  if (/^[0-9a-f]{8,64}$/.test(name)) return `"${name}" looks like a manifest hash; pick a name`;
  return null;
}

export function TagManager({ projectId, versionId, manifestHash, tags, canMove }: { projectId: string; versionId: string; manifestHash: string; tags: readonly Tag[]; canMove: boolean }) {
  const [name, setName] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const [moved, setMoved] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const move = useMutationForm(MoveDatasetTagDocument, { payload: (r) => r.moveDatasetTag, fields: ['name'], onFieldErrors: (f) => setFieldError(f.name ?? null) });
  const current = tags.find((t) => t.name === confirming);
  const localError = name ? tagNameError(name.trim()) : null;

  async function confirm() {
    const tag = confirming!;
    setConfirming(null);
    setMoved(null);
    if (await move.run({ datasetVersionId: versionId, name: tag })) {
      setMoved(tag);
      setName('');
    }
  }

  const columns: Column<Tag>[] = [
    {
      key: 'name',
      header: 'Tag',
      nowrap: true,
      cell: (t) => (
        <Badge variant="light" tt="none" style={{ minWidth: 'max-content' }}>
          {t.name}
        </Badge>
      ),
    },
    {
      key: 'points',
      header: 'Points at',
      cell: (t) =>
        t.datasetVersionId === versionId ? (
          <Text size="sm" fw={600}>
            this version
          </Text>
        ) : (
          <Anchor component={Link} href={datasetVersionHref(projectId, t.datasetVersionId)} size="sm">
            <Code>{t.manifestHash.slice(0, 12)}</Code>
          </Anchor>
        ),
    },
    { key: 'moved', header: 'Last moved', cell: (t) => formatDate(t.updatedAt), nowrap: true },
    {
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      align: 'right',
      cell: (t) =>
        canMove && t.datasetVersionId !== versionId ? (
          <Button size="xs" variant="subtle" onClick={() => setConfirming(t.name)}>
            Move here
          </Button>
        ) : null,
    },
  ];

  return (
    <Paper withBorder p="md" component="section" aria-label="Tags">
      <Stack gap="xs">
        <Title order={2} size="h5">
          Tags
        </Title>
        <DataTable columns={columns} rows={tags} rowKey={(t) => t.name} rowProps={(t) => ({ 'data-testid': 'tag-row', 'data-tag': t.name })} testId="tags-table" minWidth={420} verticalSpacing="xs" empty={<Text size="sm" c="dimmed">This dataset has no tags yet.</Text>} />
        {canMove && (
          <Group align="flex-start" gap="xs" wrap="wrap">
            <Autocomplete
              label="Point a tag at this version"
              placeholder="latest, v3, approved…"
              data={tags.filter((t) => t.datasetVersionId !== versionId).map((t) => t.name)}
              value={name}
              onChange={(v) => {
                setName(v);
                setFieldError(null);
              }}
              error={localError ?? fieldError}
              w={260}
            />
            <Button mt={25} disabled={!name || !!localError} loading={move.pending} onClick={() => setConfirming(name.trim())} data-testid="move-tag">
              Move tag…
            </Button>
          </Group>
        )}
        <FormErrors errors={move.general} />
        {moved && (
          <Text size="sm" c="teal" role="status">
            {moved} now points at this version (recorded in the audit log).
          </Text>
        )}
      </Stack>
      <ConfirmModal opened={confirming !== null} title={`Move tag ${confirming ?? ''}`} confirmLabel={`Move ${confirming ?? ''}`} loading={move.pending} onConfirm={() => void confirm()} onClose={() => setConfirming(null)}>
        {current
          ? `"${confirming}" points at ${current.manifestHash.slice(0, 12)} now. After the move, pipelines that pull @${confirming} get this version (${manifestHash.slice(0, 12)}) instead. The move is recorded in the audit log.`
          : `A new tag "${confirming}" will point at this version (${manifestHash.slice(0, 12)}). The move is recorded in the audit log.`}
      </ConfirmModal>
    </Paper>
  );
}
