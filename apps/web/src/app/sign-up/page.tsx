'use client';
import { Suspense } from 'react';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { SignUpDocument } from '@/generated/gql/graphql';
import { useMutationForm } from '@/lib/use-mutation-form';
import { emailError, nameError, newPasswordError, PASSWORD_MIN, safeNext } from '@/lib/validators';
import { AuthCard } from '@/components/auth-card';
import { FormErrors } from '@/components/form-errors';

export default function SignUpPage() {
  return (
    <Suspense>
      <SignUpForm />
    </Suspense>
  );
}

function SignUpForm() {
  const router = useRouter();
  // After signing up through an invitation link, back to it (only same-site paths).
  const nextParam = useSearchParams().get('next');
  const next = nextParam ? safeNext(nextParam) : '/teams';
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: { name: '', email: '', password: '' },
    validateInputOnChange: true,
    validate: { name: nameError('Name'), email: emailError, password: newPasswordError },
  });
  const signUp = useMutationForm(SignUpDocument, { payload: (r) => r.signUp, fields: ['name', 'email', 'password'], onFieldErrors: form.setErrors });
  const submit = form.onSubmit(async (values) => {
    if (!(await signUp.run({ input: values }))) return;
    queryClient.clear();
    router.replace(next);
  });

  return (
    <AuthCard
      title="Create your account"
      subtitle={
        <>
          Already have one? <Anchor component={Link} href={nextParam ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in'}>Sign in</Anchor>
        </>
      }
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Name" autoComplete="name" required {...form.getInputProps('name')} />
          <TextInput label="Email" type="email" autoComplete="email" required {...form.getInputProps('email')} />
          <PasswordInput
            label="Password"
            description={`At least ${PASSWORD_MIN} characters, letters mixed with digits or symbols`}
            autoComplete="new-password"
            required
            {...form.getInputProps('password')}
          />
          <FormErrors errors={signUp.general} />
          <Button type="submit" loading={signUp.pending}>
            Create account
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
