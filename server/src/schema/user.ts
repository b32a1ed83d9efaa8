import { PUBLIC_USER_SELECT } from '../chat/carried.js';
import { builder } from './builder.js';

export const UserRef = builder.prismaNode('User', {
  description: 'A registered user, as everyone may see them (no password, no sessions).',
  id: { field: 'id' },
  // A user is always loaded with its public columns, and never with the password hash. Its fields
  // read them as plain properties, so a user that came whole with a message (joined in the same
  // statement, or carried by an event) needs nothing looked up per field.
  select: PUBLIC_USER_SELECT,
  fields: (t) => ({
    username: t.string({
      description:
        'The name they sign in with and are found by: 3–32 letters, digits, "_", "." or "-"; unique in any case.',
      resolve: (user) => user.username,
    }),
    displayName: t.string({
      nullable: true,
      description: 'The name they chose to be shown with (at most 64 characters); null when they gave none.',
      resolve: (user) => user.displayName,
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When they registered.', resolve: (user) => user.createdAt }),
  }),
});

builder.queryField('me', (t) =>
  t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The signed-in user; null for guests.',
    resolve: (query, _root, _args, ctx) =>
      ctx.viewer ? ctx.services.db.prisma.user.findUnique({ ...query, where: { id: ctx.viewer.userId } }) : null,
  }),
);

export const UserConnection = builder.connectionObject(
  { type: UserRef, name: 'UserConnection', description: 'A page of users.' },
  { description: 'A user in a page of users.' },
);
