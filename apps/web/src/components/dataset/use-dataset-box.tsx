'use client';
// "Use this dataset": the CLI, Python and curl lines for this version, with this deployment's address and
// the project's slug; by a tag (follows it) or by the manifest hash (pinned to this exact content).
import { useEffect, useState } from 'react';
import { Chip, Code, CopyButton, Button, Group, Paper, Stack, Tabs, Text, Title } from '@mantine/core';
import { datasetSnippets, datasetSpec } from '@/lib/use-dataset';

export function UseDatasetBox({ projectSlug, dataset, tags, manifestHash }: { projectSlug: string; dataset: string; tags: readonly string[]; manifestHash: string }) {
  const [origin, setOrigin] = useState('');
  useEffect(() => setOrigin(window.location.origin), []);
  const refs = [...tags.map((t) => ({ value: t, label: `@${t}` })), { value: manifestHash, label: `@${manifestHash.slice(0, 8)}… (pinned)` }];
  const [ref, setRef] = useState(refs[0]!.value);
  const d = { origin, projectSlug, dataset, ref };
  const s = datasetSnippets(d);
  const block = (text: string, testId: string) => (
    <Stack gap={4}>
      <Code block data-testid={testId} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {text}
      </Code>
      <Group justify="flex-end">
        <CopyButton value={text}>{({ copied, copy }) => <Button size="xs" variant="light" onClick={copy} color={copied ? 'teal' : undefined}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
      </Group>
    </Stack>
  );
  return (
    <Paper withBorder p="md" component="section" aria-label="Use this dataset">
      <Stack gap="xs">
        <Title order={2} size="h5">
          Use this dataset
        </Title>
        <Text size="sm" c="dimmed">
          <Code>{datasetSpec(d)}</Code> — a tag follows its moves; the hash pins this exact content. Every file is checked against its sha256.
        </Text>
        {refs.length > 1 && (
          // chips wrap on a phone, where a segmented control would overflow
          <Chip.Group multiple={false} value={ref} onChange={setRef}>
            <Group gap={6} role="radiogroup" aria-label="Reference">
              {refs.map((r) => (
                <Chip key={r.value} value={r.value} size="xs" variant="light">
                  {r.label}
                </Chip>
              ))}
            </Group>
          </Chip.Group>
        )}
        <Tabs defaultValue="cli" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="cli">CLI</Tabs.Tab>
            <Tabs.Tab value="python">Python</Tabs.Tab>
            <Tabs.Tab value="curl">curl</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="cli" pt="xs">
            {block(s.cli, 'snippet-cli')}
          </Tabs.Panel>
          <Tabs.Panel value="python" pt="xs">
            {block(s.python, 'snippet-python')}
          </Tabs.Panel>
          <Tabs.Panel value="curl" pt="xs">
            {block(s.curl, 'snippet-curl')}
          </Tabs.Panel>
        </Tabs>
      </Stack>
    </Paper>
  );
}
