import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AppError } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';

/**
 * The one place where errors become what clients see. Domain errors keep their message and get
 * their `extensions.code`; GraphQL's own errors (syntax, validation, variables) are input problems;
 * everything else is INTERNAL with a fixed message, so no stack, SQL or path ever leaks.
 */
export function maskError(error: unknown): Error {
  const original = isGraphQLError(error) ? (error.originalError ?? null) : error;
  if (original instanceof AppError) {
    const graphQLError = isGraphQLError(error) ? error : null;
    return new GraphQLError(original.message, {
      nodes: graphQLError?.nodes,
      path: graphQLError?.path,
      extensions: { code: original.code, ...original.extensions },
    });
  }
  if (isRecordNotFound(original)) {
    // A lookup that must find its row did not (e.g. node(id) of something the viewer may not see).
    return new GraphQLError('Not found', {
      nodes: isGraphQLError(error) ? error.nodes : undefined,
      path: isGraphQLError(error) ? error.path : undefined,
      extensions: { code: 'NOT_FOUND' },
    });
  }
  if (isGraphQLError(error) && (!original || isGraphQLError(original))) {
    const code = error.extensions?.code;
    // Parse and validation failures and bad variables are the client's input.
    if (
      code === undefined ||
      code === 'GRAPHQL_VALIDATION_FAILED' ||
      code === 'GRAPHQL_PARSE_FAILED' ||
      code === 'BAD_USER_INPUT'
    ) {
      const field = variableField(error.message);
      return new GraphQLError(error.message, {
        nodes: error.nodes,
        path: error.path,
        extensions: { ...error.extensions, code: 'BAD_USER_INPUT', ...(field ? { field } : {}) },
      });
    }
    return error;
  }
  return new GraphQLError('Internal server error', {
    nodes: isGraphQLError(error) ? error.nodes : undefined,
    path: isGraphQLError(error) ? error.path : undefined,
    extensions: { code: 'INTERNAL' },
  });
}

/**
 * The input field a bad variable concerns, as domain errors name it: GraphQL says
 * `Variable "$input" got invalid value "X" at "input.events[1]"`, which is the field `events`.
 */
function variableField(message: string): string | undefined {
  const at = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" got invalid value .* at "([^"]+)"/s.exec(message)?.[1];
  const field = at
    ?.split('.')
    .slice(1)
    .join('.')
    .replace(/\[\d+\]/g, '');
  return field || undefined;
}

function isRecordNotFound(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025';
}

/**
 * `instanceof GraphQLError` fails when graphql is loaded twice (its CommonJS and ESM builds under
 * different loaders), so recognise it by shape.
 */
function isGraphQLError(error: unknown): error is GraphQLError {
  return (
    error instanceof GraphQLError ||
    (error instanceof Error && 'extensions' in error && 'path' in error && 'locations' in error)
  );
}

/** Marks a GraphQL error about the document (syntax, validation, limits) as the client's bad input. */
export function asBadInput<E>(error: E): E {
  if (isGraphQLError(error)) (error.extensions as Record<string, unknown>).code = 'BAD_USER_INPUT';
  return error;
}

/** A document that does not parse or validate is bad input: say so with the API's code. */
export function useInputErrorCodes(): Plugin {
  const mark = asBadInput;
  return {
    onParse:
      () =>
      ({ result }) => {
        if (result instanceof Error) mark(result);
      },
    onValidate:
      () =>
      ({ valid, result }) => {
        if (!valid) result.forEach(mark);
      },
  };
}
