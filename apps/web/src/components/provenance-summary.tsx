'use client';
// A volume's provenance record (@slicewise/provenance VolumeProvenance): the chain an auditor asks about
// first, as a table, and the full record below it.
import { Code, Table, Text } from '@mantine/core';
import type { VolumeProvenance } from '@slicewise/provenance';

const short = (sha: string) => `${sha.slice(0, 12)}…`;

export function ProvenanceSummary({ record }: { record: VolumeProvenance }) {
  const s = record.scheduler;
  const rt = record.runtime;
  const totalMs = Object.entries(record.timings)
    .filter(([k]) => k !== 'totalBeforeRecordMs' && k !== 'modelLoadMs')
    .reduce((a, [, v]) => a + v, 0);
  const rows: [string, string][] = [
    ['Model', `${record.model.name} ${record.model.version}`],
    ['Distribution', `version ${record.distributionVersion.version} (spec ${short(record.distributionVersion.specHash)})`],
    ['Seeds', `cohort ${record.seeds.cohortSeed}, volume ${record.seeds.volumeSeed}, subject ${record.subjectIndex}`],
    ['Sampler', `${s.sampler.toUpperCase()} · ${s.numInferenceSteps} steps · eta ${s.eta} · guidance ${s.guidanceScale} · ${s.denoiserCalls} denoiser calls`],
    [
      'Runtime',
      `${rt.executionProvider.used.toUpperCase()}${rt.executionProvider.fallbackReason ? ` (requested ${rt.executionProvider.requested}: ${rt.executionProvider.fallbackReason})` : ''} · ${rt.onnxruntime} · ${rt.intraOpThreads} thread${rt.intraOpThreads === 1 ? '' : 's'}`,
    ],
    ['Worker', `${record.worker.id} on ${record.worker.host} · attempt ${record.worker.attempt} · code ${record.worker.codeRevision.slice(0, 12)}`],
    ['Image', `sha256 ${short(record.outputs.image.sha256)} · ${record.outputs.image.bytes.toLocaleString()} bytes`],
    ['Mask', `sha256 ${short(record.outputs.mask.sha256)} · ${record.outputs.mask.voxels.toLocaleString()} tumour voxels`],
    ['Generated', `${new Date(record.createdAt).toLocaleString()} in ${(totalMs / 1000).toFixed(1)} s`],
  ];
  return (
    <>
      <Table fz="xs" data-testid="provenance-summary" withRowBorders={false} verticalSpacing={2}>
        <Table.Tbody>
          {rows.map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th w={96}>{k}</Table.Th>
              <Table.Td style={{ wordBreak: 'break-word' }}>{v}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="xs" c="dimmed" mt="xs">
        Full record ({record.schema})
      </Text>
      <Code block data-testid="provenance" style={{ maxHeight: 320, overflow: 'auto', fontSize: 11 }}>
        {JSON.stringify(record, null, 2)}
      </Code>
    </>
  );
}
