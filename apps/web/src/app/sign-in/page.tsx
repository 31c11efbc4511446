'use client';
import { Suspense, useState } from 'react';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { SignInDocument } from '@/generated/gql/graphql';
import { ApiError, gqlRequest, splitUserErrors } from '@/lib/graphql-client';
import { emailError, required, safeNext } from '@/lib/validators';
import { AuthCard } from '@/components/auth-card';

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
  const [general, setGeneral] = useState<string[]>([]);
  const form = useForm({
    initialValues: { email: '', password: '' },
    validateInputOnChange: true,
    validate: { email: emailError, password: required('Password') },
  });

  const submit = form.onSubmit(async (values) => {
    setGeneral([]);
    try {
      const { signIn } = await gqlRequest(SignInDocument, { input: values });
      if (signIn.userErrors.length) {
        const split = splitUserErrors(signIn.userErrors, ['email', 'password']);
        form.setErrors(split.fields);
        setGeneral(split.general);
        return;
      }
      queryClient.clear();
      router.replace(next);
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    }
  });

  return (
    <AuthCard title="Sign in" subtitle={<>New here? <Anchor component={Link} href="/sign-up">Create an account</Anchor></>}>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Email" type="email" autoComplete="email" required {...form.getInputProps('email')} />
          <PasswordInput label="Password" autoComplete="current-password" required {...form.getInputProps('password')} />
          {general.length > 0 && (
            <Alert color="red" role="alert">
              {general.join(' ')}
            </Alert>
          )}
          <Button type="submit" loading={form.submitting}>
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
