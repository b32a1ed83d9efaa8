import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { ConfigError } from '../config.js';

/** The project's root: relative manifest paths are read from here, wherever the server starts. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Trusted documents (persisted operations): the operations the project's clients send, by id (the
 * sha256 of the text), from manifests written by codegen. A request may name its document by id
 * instead of sending the text: Apollo's `extensions.persistedQuery.sha256Hash` (urql's and Apollo's
 * persisted-query links) or the GraphQL-over-HTTP `documentId`. With `only`, nothing else runs.
 */
export interface TrustedDocuments {
  readonly only: boolean;
  readonly size: number;
  /**
   * The text to run for a request: the trusted document it names, else its own text (refused
   * when `only`). Throws a GraphQL error for an unknown id without text, or no text at all.
   */
  queryOf(params: RequestDocument): string;
}

export interface RequestDocument {
  query?: string | null;
  documentId?: unknown;
  extensions?: Record<string, unknown> | null;
}

export interface TrustedDocumentsOptions {
  /** Manifests (JSON objects of id → text), relative to the project root or absolute. */
  files: readonly string[];
  /** Refuse every operation that is not a trusted document. */
  only: boolean;
}

/**
 * Reads the manifests. A file that is missing is skipped (the web app's exists only once built),
 * unless none is left while `only` is on: then no client could do anything, a setting error.
 */
export function loadTrustedDocuments({ files, only }: TrustedDocumentsOptions): TrustedDocuments {
  const documents = new Map<string, string>();
  for (const file of files) {
    const path = isAbsolute(file) ? file : resolve(ROOT, file);
    if (!existsSync(path)) continue;
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ConfigError(
        `invalid setting TRUSTED_DOCUMENTS_FILES: ${file} is not JSON (${(error as Error).message})`,
      );
    }
    if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
      throw new ConfigError(`invalid setting TRUSTED_DOCUMENTS_FILES: ${file} is not an object of id → document`);
    }
    for (const [id, text] of Object.entries(manifest)) {
      if (typeof text !== 'string') {
        throw new ConfigError(`invalid setting TRUSTED_DOCUMENTS_FILES: ${file} has a non-text document ${id}`);
      }
      documents.set(bare(id), text);
    }
  }
  if (only && documents.size === 0) {
    throw new ConfigError(
      `invalid setting TRUSTED_DOCUMENTS_ONLY: no trusted documents in ${files.join(', ') || '(no files)'}`,
    );
  }
  return {
    only,
    size: documents.size,
    queryOf(params) {
      const id = documentIdOf(params);
      const known = id === undefined ? undefined : documents.get(id);
      if (known !== undefined) return known;
      const text = typeof params.query === 'string' && params.query !== '' ? params.query : undefined;
      // The message is the one persisted-query clients know: they retry with the text.
      if (id !== undefined && text === undefined) {
        throw failure('PersistedQueryNotFound', 'NOT_FOUND', 'documentId');
      }
      if (only) {
        throw failure(
          'Only trusted documents run here: send the id of a document from the manifest (extensions.persistedQuery.sha256Hash or documentId)',
          'FORBIDDEN',
          'query',
        );
      }
      if (text === undefined) {
        throw failure('query is required (or the id of a trusted document)', 'BAD_USER_INPUT', 'query');
      }
      return text;
    },
  };
}

function documentIdOf(params: RequestDocument): string | undefined {
  const persisted = params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  const id = typeof params.documentId === 'string' ? params.documentId : persisted?.sha256Hash;
  return typeof id === 'string' && id !== '' ? bare(id) : undefined;
}

/** An id is a sha256 hash, bare or as `sha256:<hash>` (graphql-codegen's client preset): one form here. */
const bare = (id: string) => id.replace(/^sha256:/, '');

function failure(message: string, code: string, field: string) {
  return createGraphQLError(message, { extensions: { code, field } });
}

/** HTTP: puts the text of the trusted document a request names in its params, before parsing. */
export function useTrustedDocuments(trusted: TrustedDocuments): Plugin {
  return {
    onParams({ params, setParams }) {
      const query = trusted.queryOf(params as RequestDocument);
      if (query !== params.query) setParams({ ...params, query });
    },
  };
}
