import type { z } from 'zod';

/**
 * A short description of why a message failed validation: paths and issue codes only, never the
 * offending values (a bad payload could carry personal data, and logs must not).
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.code}`)
    .join('; ');
}
