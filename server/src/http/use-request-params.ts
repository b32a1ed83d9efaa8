import { createGraphQLError, type Plugin } from 'graphql-yoga';

const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What is wrong with a request's GraphQL parameters, by field, or null when they are usable. */
function paramsProblem(params: Record<string, unknown>): { field: string; why: string } | null {
  // A trusted document's id stands for its text (trusted-documents.ts fills it in next).
  const namesDocument =
    params.documentId !== undefined ||
    (isObject(params.extensions) && 'persistedQuery' in (params.extensions as object));
  if ((params.query === undefined || params.query === null) && !namesDocument)
    return { field: 'query', why: 'is missing' };
  if (params.query != null && typeof params.query !== 'string') return { field: 'query', why: 'must be a string' };
  if (params.variables != null && !isObject(params.variables)) return { field: 'variables', why: 'must be an object' };
  if (params.operationName != null && typeof params.operationName !== 'string')
    return { field: 'operationName', why: 'must be a string' };
  if (params.extensions != null && !isObject(params.extensions))
    return { field: 'extensions', why: 'must be an object' };
  return null;
}

/**
 * A request without usable parameters (no `query`, or one that is not a string; variables or
 * extensions that are not objects) is refused with HTTP 400 whatever the response type, as the
 * GraphQL over HTTP spec allows: it never reached GraphQL. Runs before the trusted documents,
 * which fill `query` from a document id.
 */
export function useRequestParams(): Plugin {
  return {
    onParams({ params }) {
      const problem = paramsProblem(params as Record<string, unknown>);
      if (!problem) return;
      throw createGraphQLError(`${problem.field} ${problem.why}`, {
        extensions: { code: 'BAD_USER_INPUT', field: problem.field, http: { status: 400 } },
      });
    },
  };
}
