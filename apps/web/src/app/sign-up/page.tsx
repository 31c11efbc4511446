'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { SignUpDocument } from '@/generated/gql/graphql';
import { ApiError, gqlRequest, splitUserErrors } from '@/lib/graphql-client';
import { emailError, nameError, newPasswordError, PASSWORD_MIN } from '@/lib/validators';
import { AuthCard } from '@/components/auth-card';

export default function SignUpPage() {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [general, setGeneral] = useState<string[]>([]);
  const form = useForm({
    initialValues: { name: '', email: '', password: '' },
    validateInputOnChange: true,
    validate: { name: nameError('Name'), email: emailError, password: newPasswordError },
  });

  const submit = form.onSubmit(async (values) => {
    setGeneral([]);
    try {
      const { signUp } = await gqlRequest(SignUpDocument, { input: values });
      if (signUp.userErrors.length) {
        const split = splitUserErrors(signUp.userErrors, ['name', 'email', 'password']);
        form.setErrors(split.fields);
        setGeneral(split.general);
        return;
      }
      queryClient.clear();
      router.replace('/teams');
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    }
  });

  return (
    <AuthCard title="Create your account" subtitle={<>Already have one? <Anchor component={Link} href="/sign-in">Sign in</Anchor></>}>
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
          {general.length > 0 && (
            <Alert color="red" role="alert">
              {general.join(' ')}
            </Alert>
          )}
          <Button type="submit" loading={form.submitting}>
            Create account
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
