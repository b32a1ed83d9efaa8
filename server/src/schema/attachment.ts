import { GraphQLError } from 'graphql';
import * as attachments from '../chat/attachments.js';
import { StagedUpload } from '../storage/staged.js';
import { builder } from './builder.js';
import { viewerIdOf, type Context } from './context.js';
import { idOf } from './ids.js';
import { readableRooms } from './room.js';

builder.scalarType('File', {
  description:
    'A file of a GraphQL multipart request (the multipart request spec; the request needs the header `x-graphql-csrf: 1`). Input only.',
  serialize: () => {
    throw new GraphQLError('File is an input type');
  },
  parseValue: (value) => {
    if (value instanceof StagedUpload) return value;
    throw new GraphQLError('file must be a file of a multipart request', { extensions: { field: 'file' } });
  },
  parseLiteral: () => {
    throw new GraphQLError('file must be a file of a multipart request', { extensions: { field: 'file' } });
  },
});

const depsOf = (ctx: Context): attachments.AttachmentDeps => ({
  prisma: ctx.services.db.prisma,
  store: ctx.services.store,
  settings: ctx.services.config.attachments,
});

export const AttachmentRef = builder.prismaNode('Attachment', {
  description: 'A file sent with a message.',
  id: { field: 'id' },
  // node(id) finds only attachments of messages (not deleted) in rooms the viewer may read.
  findUnique: (id, ctx) => ({ id, message: { deletedAt: null, room: readableRooms(ctx) } }),
  fields: (t) => ({
    filename: t.exposeString('filename', { description: 'The name it was uploaded with.' }),
    contentType: t.exposeString('contentType', { description: 'The type sniffed from its bytes.' }),
    size: t.exposeInt('size', { description: 'In bytes.' }),
    url: t.string({
      description:
        'Downloads the file without a token until it expires (ATTACHMENT_URL_TTL, 1 h by default); may be relative to the server. Only raster images are shown inline; everything else downloads.',
      resolve: async (attachment, _args, ctx) => (await attachments.downloadUrl(depsOf(ctx), attachment, 'file'))!,
    }),
    width: t.exposeInt('width', { nullable: true, description: 'Images: width in pixels, as shown.' }),
    height: t.exposeInt('height', { nullable: true, description: 'Images: height in pixels, as shown.' }),
    thumbnailUrl: t.string({
      nullable: true,
      description: 'Images: a WebP at most 320 px on its long side, signed like `url`.',
      resolve: (attachment, _args, ctx) => attachments.downloadUrl(depsOf(ctx), attachment, 'thumbnail'),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was uploaded.' }),
  }),
});

builder.prismaObjectField('Message', 'attachments', (t) =>
  t.field({
    type: [AttachmentRef],
    description: 'Files sent with the message, in the order named; none once the message is deleted.',
    select: { deletedAt: true, attachments: { orderBy: { position: 'asc' } } },
    resolve: (message) => (message.deletedAt ? [] : message.attachments),
  }),
);

const UploadAttachmentInput = builder.inputType('UploadAttachmentInput', {
  description: 'A file for a room: send it with sendMessage(attachmentIds) within 24 hours.',
  fields: (t) => ({
    roomId: t.id({ description: 'The room it will be sent to.' }),
    file: t.field({
      type: 'File',
      description: 'At most MAX_ATTACHMENT_BYTES (25 MiB by default); its type is sniffed from its bytes.',
    }),
  }),
});

builder.mutationFields((t) => ({
  uploadAttachment: t.field({
    type: AttachmentRef,
    description:
      'Stores a file for a room (members who may send). Nobody else sees it until a sendMessage of the uploader names it; unsent uploads are removed after 24 hours.',
    args: { input: t.arg({ type: UploadAttachmentInput, description: 'The room and the file.' }) },
    resolve: (_root, { input }, ctx) =>
      attachments.uploadAttachment(depsOf(ctx), viewerIdOf(ctx), idOf('Room', input.roomId, 'roomId'), input.file),
  }),
}));
