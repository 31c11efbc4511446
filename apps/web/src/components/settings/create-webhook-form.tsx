'use client';
// Subscribe an endpoint to events; the signing secret is shown once.
import { useState } from 'react';
import { Button, Checkbox, Paper, Stack, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { CreateWebhookDocument, type TeamSettingsQuery } from '@/generated/gql/graphql';
import type { UserErrorLike } from '@/lib/graphql-client';
import { useMutationForm } from '@/lib/use-mutation-form';
import { httpUrlError } from '@/lib/validators';
import { FormErrors } from '@/components/form-errors';
import { SecretOnceModal } from '@/components/secret-once';

/** The events the API offers (webhookEvents): names and what they announce. */
export type WebhookEvents = TeamSettingsQuery['webhookEvents'];

/** The API names list elements by index (["events", "0"]): put those errors on the list's field. */
const withoutIndices = (errors: readonly UserErrorLike[]) => errors.map((e) => ({ ...e, field: e.field.filter((p) => !/^\d+$/.test(p)) }));

export function CreateWebhookForm({ teamId, events }: { teamId: string; events: WebhookEvents }) {
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const form = useForm({
    initialValues: { url: '', events: events.map((e) => e.name) },
    validateInputOnChange: true,
    validate: { url: httpUrlError, events: (e: string[]) => (e.length ? null : 'Choose at least one event') },
  });
  const create = useMutationForm(CreateWebhookDocument, { payload: (r) => r.createWebhook, fields: ['url', 'events'], onFieldErrors: form.setErrors, mapErrors: withoutIndices });
  const submit = form.onSubmit(async (values) => {
    const r = await create.run({ input: { teamId, url: values.url.trim(), events: values.events } });
    if (!r) return;
    setSecret({ url: r.webhook!.url, secret: r.secret! });
    form.reset();
  });
  return (
    <Paper withBorder p="md">
      <Title order={3} size="h5" mb="xs">
        Create a webhook
      </Title>
      <form onSubmit={submit} noValidate aria-label="Create a webhook">
        <Stack gap="sm">
          <TextInput label="Endpoint URL" type="url" placeholder="https://ci.example.org/hooks/slicewise" {...form.getInputProps('url')} />
          <Checkbox.Group label="Events" description="What the endpoint is notified of." {...form.getInputProps('events')}>
            <Stack gap={6} mt={6}>
              {events.map((e) => (
                <Checkbox key={e.name} value={e.name} label={`${e.name} — ${e.description}`} />
              ))}
            </Stack>
          </Checkbox.Group>
          <FormErrors errors={create.general} />
          <div>
            <Button type="submit" loading={create.pending}>
              Create webhook
            </Button>
          </div>
        </Stack>
      </form>
      <SecretOnceModal secret={secret?.secret ?? null} title="Webhook created" testId="webhook-secret" onClose={() => setSecret(null)}>
        It is shown once. Every delivery to {secret?.url} carries x-slicewise-signature = sha256=HMAC-SHA256(secret, &quot;&lt;x-slicewise-timestamp&gt;.&lt;body&gt;&quot;): verify it with
        this secret. If you lose it, remove the webhook and create another.
      </SecretOnceModal>
    </Paper>
  );
}
