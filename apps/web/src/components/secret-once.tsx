'use client';
// A secret the API returns once (API token, webhook signing secret): shown with a copy button until
// the user closes the dialog; it is never fetched again.
import type { ReactNode } from 'react';
import { Alert, Button, Code, CopyButton, Group, Modal, Stack } from '@mantine/core';

export function SecretOnceModal(props: { secret: string | null; title: string; onClose: () => void; testId: string; children: ReactNode; copyLabel?: string }) {
  return (
    <Modal opened={props.secret !== null} onClose={props.onClose} title={props.title} closeOnClickOutside={false}>
      <Stack>
        <Alert color="yellow" title="Copy the secret now">
          {props.children}
        </Alert>
        <Code block data-testid={props.testId} style={{ wordBreak: 'break-all' }}>
          {props.secret}
        </Code>
        <Group justify="flex-end">
          <CopyButton value={props.secret ?? ''}>
            {({ copied, copy }) => (
              <Button variant="light" color={copied ? 'teal' : undefined} onClick={copy}>
                {copied ? 'Copied' : (props.copyLabel ?? 'Copy secret')}
              </Button>
            )}
          </CopyButton>
          <Button onClick={props.onClose}>I have copied it</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
