/**
 * Attachments in the web app: what it reads of them, how a file is uploaded (a GraphQL multipart
 * request over XMLHttpRequest, for its upload progress), and how a signed URL that has expired is
 * replaced (the attachment is read again: the cache updates it by id wherever it shows).
 */
import { stringifyDocument, type Client } from '@urql/core';
import { graphql } from '../gql';
import type { AttachmentDataFragment } from '../gql/graphql';
import { ApiError, refresh, session } from '../session';
import { GRAPHQL_URL } from '../transport';

export type Attachment = AttachmentDataFragment;

export const AttachmentData = graphql(`
  fragment AttachmentData on Attachment {
    id
    filename
    contentType
    size
    url
    width
    height
    thumbnailUrl
  }
`);

export const UploadAttachmentMutation = graphql(`
  mutation UploadAttachment($input: UploadAttachmentInput!) {
    uploadAttachment(input: $input) {
      ...AttachmentData
    }
  }
`);

/** An attachment read again for new signed URLs. */
export const AttachmentUrlsQuery = graphql(`
  query AttachmentUrls($id: ID!) {
    node(id: $id) {
      ... on Attachment {
        id
        url
        thumbnailUrl
      }
    }
  }
`);

/**
 * What this page uploaded, by id: a message being sent shows its files at once (the optimistic
 * result of sendMessage names them by id only).
 */
const uploaded = new Map<string, Attachment>();
export const uploadedAttachment = (id: string) => uploaded.get(id);

/** The most files one message may carry (the server's limit). */
export const MAX_ATTACHMENTS = 10;

/** Types shown inline as pictures (the server serves only these inline; everything else downloads). */
const INLINE_IMAGE = /^image\/(png|jpeg|gif|webp|avif)$/;
export const isInlineImage = (attachment: Pick<Attachment, 'contentType' | 'thumbnailUrl'>) =>
  INLINE_IMAGE.test(attachment.contentType) && attachment.thumbnailUrl != null;

const sizeFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** A size in words people read: "812 bytes", "14.2 KB", "3.1 MB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${sizeFormat.format(value)} ${units[unit]}`;
}

/** A short name for a type: "PDF", "PNG image", else the type itself. */
export function describeType(contentType: string): string {
  const [kind, sub = ''] = contentType.split('/');
  if (contentType === 'application/pdf') return 'PDF';
  if (kind === 'image') return `${sub.replace(/\+.*$/, '').toUpperCase()} image`;
  if (contentType === 'text/plain') return 'Text';
  return contentType;
}

/**
 * When a signed URL stops working, as far as it says: the local store's `expires` (seconds), or
 * S3's `X-Amz-Date` + `X-Amz-Expires`. Null when it does not say.
 */
export function expiresAt(url: string): number | null {
  let params: URLSearchParams;
  try {
    params = new URL(url, location.href).searchParams;
  } catch {
    return null;
  }
  const expires = Number(params.get('expires'));
  if (Number.isFinite(expires) && expires > 0) return expires * 1000;
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(params.get('X-Amz-Date') ?? '');
  const seconds = Number(params.get('X-Amz-Expires'));
  if (!date || !Number.isFinite(seconds)) return null;
  const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + seconds * 1000;
}

/** Whether a signed URL has expired, or will within `marginMs`. */
export const isExpired = (url: string, marginMs = 5_000) => {
  const at = expiresAt(url);
  return at !== null && at - marginMs < Date.now();
};

/** Reads the attachment again: new signed URLs, into the cache (and so everywhere it shows). */
export async function refreshUrls(
  client: Client,
  id: string,
): Promise<Pick<Attachment, 'url' | 'thumbnailUrl'> | null> {
  const result = await client.query(AttachmentUrlsQuery, { id }, { requestPolicy: 'network-only' }).toPromise();
  const node = result.data?.node;
  return node?.__typename === 'Attachment' ? node : null;
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

interface GraphQLResponse {
  data?: { uploadAttachment?: Attachment | null } | null;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

/** One upload: its result, and a way to stop it. */
export interface Upload {
  done: Promise<Attachment>;
  abort(): void;
}

/**
 * Uploads `file` to the room as a GraphQL multipart request, reporting progress. The request names
 * the operation by its trusted document's id (and carries its text), its token is refreshed first
 * when about to expire, and once more if the server refuses it.
 */
export function uploadAttachment(roomId: string, file: File, onProgress: (progress: UploadProgress) => void): Upload {
  let current: XMLHttpRequest | null = null;
  let aborted = false;
  const attempt = (): Promise<Attachment> =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      current = xhr;
      const form = new FormData();
      const hash = (UploadAttachmentMutation as { __meta__?: { hash?: string } }).__meta__?.hash;
      form.append(
        'operations',
        JSON.stringify({
          operationName: 'UploadAttachment',
          query: stringifyDocument(UploadAttachmentMutation),
          variables: { input: { roomId, file: null } },
          ...(hash ? { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } } : {}),
        }),
      );
      form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
      form.append('0', file, file.name);
      xhr.open('POST', GRAPHQL_URL);
      xhr.responseType = 'json';
      xhr.setRequestHeader('x-graphql-csrf', '1');
      xhr.setRequestHeader('accept', 'application/graphql-response+json, application/json');
      const token = session.accessToken();
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.upload.onprogress = (event) => onProgress({ loaded: event.loaded, total: event.total || file.size });
      xhr.onerror = () => reject(new ApiError('The server could not be reached; try again.', 'NETWORK'));
      xhr.onabort = () => reject(new ApiError('The upload was stopped.', 'ABORTED'));
      xhr.onload = () => {
        const body = xhr.response as GraphQLResponse | null;
        const attachment = body?.data?.uploadAttachment;
        if (attachment) {
          uploaded.set(attachment.id, attachment);
          return resolve(attachment);
        }
        const error = body?.errors?.[0];
        if (error) {
          return reject(new ApiError(error.message, error.extensions?.code ?? 'INTERNAL', error.extensions?.field));
        }
        if (xhr.status === 413) return reject(new ApiError('The file is too large.', 'BAD_USER_INPUT', 'file'));
        reject(new ApiError(`The upload failed (HTTP ${xhr.status}).`, xhr.status >= 500 ? 'INTERNAL' : 'NETWORK'));
      };
      xhr.send(form);
    });
  const done = (async () => {
    if (session.expiring()) await refresh();
    try {
      return await attempt();
    } catch (error) {
      if (aborted || !(error instanceof ApiError) || error.code !== 'UNAUTHENTICATED') throw error;
      if (!(await refresh())) throw error;
      onProgress({ loaded: 0, total: file.size });
      return attempt();
    }
  })();
  return {
    done,
    abort() {
      aborted = true;
      current?.abort();
    },
  };
}
