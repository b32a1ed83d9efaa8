/**
 * graphql-codegen: typed documents for the SDK (client/sdk), generated from schema.graphql and the
 * operations in client/sdk/src/operations/, and for the web app (client/web), from the `graphql()`
 * documents in its sources. `npm run codegen` writes them; `npm run codegen:check`
 * fails when the files on disk are not what it would write. Never edit the output by hand.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';
import type { CodegenPlugin, Types } from '@graphql-codegen/plugin-helpers';
import {
  Kind,
  print,
  visit,
  type DefinitionNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';

export const SDK_GENERATED_DIR = 'client/sdk/src/generated/';
export const WEB_GENERATED_DIR = 'client/web/src/gql/';

const KIND_SUFFIX = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;
const MAPS = { query: 'queries', mutation: 'mutations', subscription: 'subscriptions' } as const;

/**
 * The SDK's table of operations: `queries`, `mutations` and `subscriptions`, each mapping a function
 * name to its typed document. An operation is named `<Name><Kind>` (`SendMessageMutation`); its
 * function is `<name>` (`sendMessage`). The runtime builds the client's functions from these tables.
 */
const operationMap: CodegenPlugin = {
  plugin(_schema, documents) {
    const operations = documents
      .flatMap((file) => file.document?.definitions ?? [])
      .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const tables: Record<(typeof MAPS)[keyof typeof MAPS], string[]> = {
      queries: [],
      mutations: [],
      subscriptions: [],
    };
    for (const operation of operations) {
      const name = operation.name?.value;
      const suffix = KIND_SUFFIX[operation.operation];
      if (!name || !name.endsWith(suffix) || name === suffix || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
        throw new Error(`Operation ${name ?? '(anonymous)'} must be named <Name>${suffix}, in PascalCase`);
      }
      if (operation.selectionSet.selections.length !== 1 || operation.selectionSet.selections[0]!.kind !== Kind.FIELD) {
        throw new Error(`Operation ${name} must select exactly one root field (the SDK returns its value)`);
      }
      const base = name.slice(0, -suffix.length);
      const key = base[0]!.toLowerCase() + base.slice(1);
      tables[MAPS[operation.operation]].push(`  ${key}: ${name}Document,`);
    }
    return Object.entries(tables)
      .map(([table, rows]) => `export const ${table} = {\n${rows.sort().join('\n')}\n} as const;\n`)
      .join('\n');
  },
};

/**
 * The SDK's trusted documents: each operation printed with the fragments it uses (sorted by name),
 * and the sha256 of that text, its id. The server runs exactly these texts for these ids.
 */
function trustedDocuments(documents: Types.DocumentFile[]): { name: string; id: string; query: string }[] {
  const definitions = documents.flatMap((file) => file.document?.definitions ?? []);
  const fragments = new Map(
    definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const spreadIn = (node: DefinitionNode): string[] => {
    const names: string[] = [];
    visit(node, { FragmentSpread: (spread) => void names.push(spread.name.value) });
    return names;
  };
  return definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => {
      const used = new Set<string>();
      const pending = spreadIn(operation);
      for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
        if (used.has(name)) continue;
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`Fragment ${name} is not defined`);
        used.add(name);
        pending.push(...spreadIn(fragment));
      }
      const query = print({
        kind: Kind.DOCUMENT,
        definitions: [operation, ...[...used].sort().map((name) => fragments.get(name)!)],
      });
      return { name: operation.name!.value, id: createHash('sha256').update(query).digest('hex'), query };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `documentIds`: each operation's trusted document id, by operation name (the SDK sends it). */
const documentIds: CodegenPlugin = {
  plugin: (_schema, documents) =>
    `export const documentIds: Record<string, string> = {\n${trustedDocuments(documents)
      .map(({ name, id }) => `  ${name}: '${id}',`)
      .join('\n')}\n};\n`,
};

/** The manifest of trusted documents (id → text) the server loads. */
const trustedDocumentsManifest: CodegenPlugin = {
  plugin: (_schema, documents) =>
    `${JSON.stringify(Object.fromEntries(trustedDocuments(documents).map(({ id, query }) => [id, query])), null, 2)}\n`,
};

const LOCAL_PLUGINS: Record<string, CodegenPlugin> = {
  'sdk-operation-map': operationMap,
  'sdk-document-ids': documentIds,
  'sdk-trusted-documents': trustedDocumentsManifest,
};

const require = createRequire(import.meta.url);

const config: CodegenConfig = {
  overwrite: true,
  schema: './schema.graphql',
  documents: ['client/sdk/src/operations/*.graphql'],
  emitLegacyCommonJSImports: false,
  pluginLoader: async (name: string) => LOCAL_PLUGINS[name] ?? import(pathToFileURL(require.resolve(name)).href),
  generates: {
    [`${SDK_GENERATED_DIR}graphql.ts`]: {
      plugins: [
        { add: { content: '/* Generated by graphql-codegen from codegen.ts: do not edit. */' } },
        'typescript-operations',
        'typed-document-node',
        'sdk-operation-map',
        'sdk-document-ids',
      ],
      config: {
        // A File is sent as multipart (http.ts): any Blob, or a File with its name.
        scalars: { DateTime: 'string', File: 'Blob' },
        enumType: 'string-literal',
        skipTypename: true,
        dedupeOperationSuffix: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        useTypeImports: true,
        documentMode: 'documentNode',
        optimizeDocumentNode: true,
      },
    },
    [`${SDK_GENERATED_DIR}trusted-documents.json`]: { plugins: ['sdk-trusted-documents'] },
    // The web app: typed `graphql()` documents from its own sources (not the SDK's operations), each
    // with its sha256 in `__meta__.hash`, and persisted-documents.json (hash → text) for the server.
    // __typename is selected everywhere, since the server runs the manifest's text as it is and the
    // normalized cache needs it.
    [WEB_GENERATED_DIR]: {
      preset: 'client',
      documents: ['client/web/src/**/*.{ts,tsx}', '!client/sdk/src/operations/*.graphql'],
      documentTransforms: [addTypenameSelectionDocumentTransform],
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: { scalars: { DateTime: 'string', File: 'File' }, enumsAsTypes: true, useTypeImports: true },
    },
  },
};

export default config;
