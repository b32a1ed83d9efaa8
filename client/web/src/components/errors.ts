import type { CombinedError } from 'urql';
import { ApiError } from '../session';

/** What to tell the user about a failed request. The server's messages are written for people. */
export function errorText(error: ApiError | CombinedError): string {
  if (error instanceof ApiError) return textFor(error.code, error.message);
  const first = error.graphQLErrors[0];
  if (!first) return 'The server could not be reached; try again.';
  return textFor(String(first.extensions?.code ?? 'INTERNAL'), first.message);
}

function textFor(code: string, message: string): string {
  switch (code) {
    case 'NETWORK':
      return 'The server could not be reached; try again.';
    case 'RATE_LIMITED':
      return 'Too many tries in a short time; wait a moment and try again.';
    case 'INTERNAL':
      return 'Something went wrong on the server; try again.';
    default:
      return message;
  }
}
