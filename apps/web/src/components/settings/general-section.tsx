'use client';
// Team name and approval threshold: editable by owners and admins (team.update), read-only for others.
import { useState } from 'react';
import { Button, Group, NumberInput, Paper, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { UpdateTeamDocument, type TeamSettingsQuery } from '@/generated/gql/graphql';
import { can, roleLabel, TeamAction } from '@/lib/permissions';
import { useMutationForm } from '@/lib/use-mutation-form';
import { approvalThresholdError, nameError } from '@/lib/validators';
import { FormErrors } from '@/components/form-errors';
import { Section } from './section';

type Team = TeamSettingsQuery['team'];

function thresholdSummary(threshold: number | null | undefined): string {
  return threshold == null ? 'No cohort needs approval: every request is queued at once.' : `Cohorts with more than ${threshold} subjects wait for an admin's approval.`;
}

export function GeneralSection({ team }: { team: Team }) {
  const editable = can(team.viewerPermissions, TeamAction.TeamUpdate);
  const [saved, setSaved] = useState(false);
  const form = useForm<{ name: string; approvalThreshold: number | string }>({
    initialValues: { name: team.name, approvalThreshold: team.approvalThreshold ?? '' },
    validateInputOnChange: true,
    validate: { name: nameError('Team name'), approvalThreshold: approvalThresholdError },
    onValuesChange: () => setSaved(false),
  });
  const update = useMutationForm(UpdateTeamDocument, { payload: (r) => r.updateTeam, fields: ['name', 'approvalThreshold'], onFieldErrors: form.setErrors });
  const submit = form.onSubmit(async (values) => {
    setSaved(false);
    // An empty threshold is sent as null: that clears it (omitting it would keep the old one).
    const approvalThreshold = values.approvalThreshold === '' ? null : Number(values.approvalThreshold);
    const r = await update.run({ input: { teamId: team.id, name: values.name.trim(), approvalThreshold } });
    if (!r) return;
    const next = { name: r.team!.name, approvalThreshold: r.team!.approvalThreshold ?? '' };
    form.setInitialValues(next);
    form.setValues(next);
    form.resetDirty(next);
    setSaved(true);
  });
  return (
    <Section title="General">
      <Paper withBorder p="md">
        <form onSubmit={submit} noValidate aria-label="General settings">
          <Stack gap="sm">
            <TextInput label="Team name" required={editable} readOnly={!editable} maw={480} {...form.getInputProps('name')} />
            <NumberInput
              label="Approval threshold (subjects)"
              description="Cohorts with more subjects than this wait for an admin's approval before they are queued. Leave empty so no cohort needs approval."
              placeholder="No approval needed"
              allowDecimal={false}
              readOnly={!editable}
              hideControls={!editable}
              maw={480}
              {...form.getInputProps('approvalThreshold')}
            />
            <Text size="sm" c="dimmed" data-testid="threshold-summary">
              Now: {thresholdSummary(team.approvalThreshold)}
            </Text>
            <FormErrors errors={update.general} />
            {editable ? (
              <Group gap="sm">
                <Button type="submit" loading={update.pending}>
                  Save
                </Button>
                <Button variant="default" disabled={!form.isDirty()} onClick={() => form.reset()}>
                  Discard changes
                </Button>
                {saved && (
                  <Text size="sm" c="teal" role="status">
                    Saved.
                  </Text>
                )}
              </Group>
            ) : (
              <Text size="sm" c="dimmed" data-testid="settings-read-only">
                Only owners and admins can change these settings; your role is {team.viewerRole ? roleLabel(team.viewerRole) : 'unknown'}.
              </Text>
            )}
          </Stack>
        </form>
      </Paper>
    </Section>
  );
}
