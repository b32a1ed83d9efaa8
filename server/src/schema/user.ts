import { PUBLIC_USER_SELECT } from '../chat/carried.js';
import { builder } from './builder.js';

export const UserRef = builder.prismaNode('User', {
  id: { field: 'id' },
  // A user is always loaded with its public columns, and never with the password hash. Its fields
  // read them as plain properties, so a user that came whole with a message (joined in the same
  // statement, or carried by an event) needs nothing looked up per field.
  select: PUBLIC_USER_SELECT,
  fields: (t) => ({
    username: t.string({ resolve: (user) => user.username }),
    displayName: t.string({ nullable: true, resolve: (user) => user.displayName }),
    createdAt: t.field({ type: 'DateTime', resolve: (user) => user.createdAt }),
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

export const UserConnection = builder.connectionObject({ type: UserRef, name: 'UserConnection' });
