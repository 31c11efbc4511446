import { Stack, Text } from '@mantine/core';

/** One figure with its label above (and an optional line of detail below): cohort progress, adherence. */
export function Stat({ label, value, detail, testId }: { label: string; value: React.ReactNode; detail?: string; testId?: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fw={600} data-testid={testId}>
        {value}
      </Text>
      {detail && (
        <Text size="xs" c="dimmed">
          {detail}
        </Text>
      )}
    </Stack>
  );
}
