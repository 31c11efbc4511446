'use client';
import { Suspense } from 'react';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Button, Code, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { InstanceDocument, SignInDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { useMutationForm } from '@/lib/use-mutation-form';
import { emailError, required, safeNext } from '@/lib/validators';
import { AuthCard } from '@/components/auth-card';
import { FormErrors } from '@/components/form-errors';

export default function SignInPage() {
  return (
    <Suspense>
      <SignInForm />
    </Suspense>
  );
}

function SignInForm() {
  const router = useRouter();
  const next = safeNext(useSearchParams().get('next'));
  const queryClient = useQueryClient();
  const instance = useGql(InstanceDocument, {}, { staleTime: 60_000 });
  const demo = instance.data?.instance.demoAccount ?? null;
  const form = useForm({
    initialValues: { email: '', password: '' },
    validateInputOnChange: true,
    validate: { email: emailError, password: required('Password') },
  });
  const signIn = useMutationForm(SignInDocument, { payload: (r) => r.signIn, fields: ['email', 'password'], onFieldErrors: form.setErrors });
  const submit = form.onSubmit(async (values) => {
    if (!(await signIn.run({ input: values }))) return;
    queryClient.clear();
    router.replace(next);
  });

  return (
    <AuthCard
      title="Sign in"
      subtitle={
        <>
          New here? <Anchor component={Link} href={next === '/' ? '/sign-up' : `/sign-up?next=${encodeURIComponent(next)}`}>Create an account</Anchor>
        </>
      }
    >
      {demo && (
        <Alert color="indigo" variant="light" mb="md" title="Trying Slicewise?" data-testid="demo-hint">
          <Stack gap={6}>
            <Text size="sm">
              This deployment has a demo account with a team and a project: <Code>{demo.email}</Code> / <Code>{demo.password}</Code>
            </Text>
            <Group>
              <Button size="xs" variant="light" onClick={() => form.setValues({ email: demo.email, password: demo.password })}>
                Use the demo account
              </Button>
            </Group>
          </Stack>
        </Alert>
      )}
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Email" type="email" autoComplete="email" required {...form.getInputProps('email')} />
          <PasswordInput label="Password" autoComplete="current-password" required {...form.getInputProps('password')} />
          <FormErrors errors={signIn.general} />
          <Button type="submit" loading={signIn.pending}>
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
